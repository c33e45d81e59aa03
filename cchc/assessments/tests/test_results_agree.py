"""Every page and export of a round's results says the same (issue 18, item 2): the results
page, the dashboard's ranking, the portal's ranking, the XLSX export (read back with
openpyxl), the ranking announcement's table and the API (its results, page by page, and the
open ranking) agree on every unit's rank, percent, band and
total, and each equals what the rules say (percent of the applicable appraised maximum,
half-up to 0.01; competition ranking of the complete units; the band the percent falls in),
for random rounds live or published: 1 to 12 units, ties, criteria not applicable,
appraisals unfinished or not begun, units that never submitted."""

import datetime
import io
import json
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from openpyxl import load_workbook

from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import ResultRow, round_freeze
from cchc.assessments.services.rounds import round_advance, round_create
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.core.points import percent
from cchc.core.testing import BaseTestCase
from cchc.documents.kinds.ranking_announcement import build as build_announcement
from cchc.frameworks.importers import DEFAULT_BANDS
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.services import org_unit_create

LEAF_MAXIMA = (Decimal("2.5"), Decimal(1), Decimal(5), Decimal("3.5"))  # ROUND_FRAMEWORK's leaves
# Shares of the applicable maximum, few enough that units often tie.
SHARES = (Decimal(0), Decimal("0.4"), Decimal("0.7"), Decimal("0.75"), Decimal("0.8"), Decimal(1))
HUNDREDTH = Decimal("0.01")

# One unit: how far it got, which criteria are not applicable, its share, its self-score share.
unit_states = st.tuples(
    st.sampled_from(["not_submitted", "unappraised", "incomplete", "complete", "complete"]),
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.sampled_from(SHARES),
    st.sampled_from(SHARES),
)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _band(percent: Decimal | None) -> str:
    if percent is None:
        return ""
    return next((name for name, floor in DEFAULT_BANDS if percent >= floor), "")


def _number(value: object) -> Decimal | None:
    """A figure as read from any page: a Decimal, an XLSX float, or "85,25" / "85,25%"."""
    if value in (None, ""):
        return None
    if isinstance(value, float):
        return _half_up(Decimal(repr(value)))
    text = str(value).rstrip("%").replace(",", ".")
    return _half_up(Decimal(text))


class ResultsAgreeEverywhereTests(HypothesisTestCase, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.framework = make_framework(
            cls.cast.city, text=ROUND_FRAMEWORK, publish=True, name="Bộ chỉ số kết quả"
        )
        cls.units = [cls.cast.ward_a, cls.cast.ward_b] + [
            org_unit_create(
                actor=None,
                code=f"R18{n:02}",
                name=f"Xã {n:02}",
                kind="commune",
                parent=cls.cast.city,
            )
            for n in range(10)
        ]

    def make_round(self, states, published):
        round_ = round_create(
            actor=None,
            framework=self.framework,
            organiser=self.cast.city,
            period=Round.Period.H1,
            year=2026,
            units=self.units[: len(states)],
            self_assessment_due_on=datetime.date(2026, 6, 30),
            appraisal_due_on=datetime.date(2026, 7, 15),
            appeals_due_on=datetime.date(2026, 7, 30),
        )
        round_advance(actor=None, round_=round_)
        expected = {}
        for unit, (stage, not_applicable, share, self_share) in zip(
            self.units, states, strict=False
        ):
            maximum = sum(
                (m for m, na in zip(LEAF_MAXIMA, not_applicable, strict=True) if not na),
                Decimal(0),
            )
            points = _half_up(maximum * share)
            appraised = stage in ("incomplete", "complete")
            self_points = _half_up(maximum * self_share)
            # What engine.refresh_totals stores after the unit's saves and the appraisal.
            Assessment.objects.filter(round=round_, org_unit=unit).update(
                status=Assessment.Status.IN_PROGRESS
                if stage == "not_submitted"
                else Assessment.Status.SUBMITTED,
                self_points=self_points,
                self_max=maximum,
                appraised_points=points if appraised else None,
                appraised_max=maximum if appraised else None,
                appraised_self_part=points if appraised else None,
                appraised_count={"complete": 4, "incomplete": 3}.get(stage, 0),
                all_leaf_count=4,
            )
            if stage == "not_submitted":
                continue
            complete = stage == "complete" and maximum > 0
            percent = _half_up(points * 100 / maximum) if complete else None
            expected[unit.name] = {
                "percent": percent,
                "total": points if appraised else None,
            }
        ordered = sorted(e["percent"] for e in expected.values() if e["percent"] is not None)
        for figures in expected.values():
            value = figures["percent"]
            # Competition ranking: one more than the units strictly ahead.
            figures["rank"] = (
                None if value is None else 1 + sum(1 for other in ordered if other > value)
            )
            figures["band"] = _band(value)
        if published:
            round_.status = Round.Status.PUBLISHED
            round_.decision_number = "18/QĐ-UBND"
            round_.decision_date = datetime.date(2026, 8, 1)
            round_.published_at = timezone.now()
            round_freeze(round_)
            round_.save()
        else:
            Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
            round_.refresh_from_db()
        return round_, expected

    def results_page(self, round_):
        response = self.client.get(reverse("assessments:results", args=[round_.pk]))
        assert response.status_code == 200
        return {
            row.unit_name: (row.rank, row.percent, row.band, row.total)
            for row in response.context["rows"]
        }

    def dashboard(self, round_):
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        assert response.status_code == 200
        return {
            row.unit_name: (row.rank, row.percent, row.band, row.total)
            for row in response.context["ranking"].rows
        }

    def portal(self, round_):
        response = self.client.get(reverse("portal:ranking_round", args=[round_.pk]))
        if round_.status != Round.Status.PUBLISHED:
            assert response.status_code == 404  # the public sees nothing before publication
            return None
        return {
            row.unit_name: (row.rank, row.percent, row.band, row.total)
            for row in response.context["rows"]
        }

    def api(self, round_):
        """The API's results (a session: the same rule) walked page by page, and the open
        ranking once published."""
        rows, cursor = [], None
        while True:
            params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
            page = self.client.get(f"/api/v1/rounds/{round_.pk}/results", params).json()
            rows += page["items"]
            cursor = page["next"]
            if cursor is None:
                break
        read = {
            row["unit_name"]: (
                row["rank"],
                _number(row["percent"]),
                row["band"],
                _number(row["total"]),
            )
            for row in rows
        }
        opened = self.client.get(f"/api/v1/open/rounds/{round_.pk}/ranking")
        if round_.status != Round.Status.PUBLISHED:
            assert opened.status_code == 404  # nothing unpublished is open data
            return read, None
        return read, {
            row["unit_name"]: (
                row["rank"],
                _number(row["percent"]),
                row["band"],
                _number(row["total"]),
            )
            for row in opened.json()["rows"]
        }

    def workbook(self, round_):
        response = self.client.get(reverse("assessments:results_export", args=[round_.pk]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, row in enumerate(rows) if row and row[0] == "Hạng")
        return {
            row[1]: (row[0], _number(row[5]), row[6] or "", _number(row[3]))
            for row in rows[header + 1 :]
            if row and row[1]
        }

    def announcement(self, round_):
        table = next(block for block in build_announcement(round_).blocks if block.kind == "table")
        return {
            name: (int(rank), _number(share), band, _number(total.split("/")[0]))
            for rank, name, total, share, band in table.rows
        }

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(unit_states, min_size=1, max_size=12), st.booleans())
    def test_every_page_and_export_agrees_with_the_rules(self, states, published):
        cache.clear()  # the portal caches its tables by content version
        round_, expected = self.make_round(states, published)
        want = {
            name: (e["rank"], e["percent"], e["band"], e["total"]) for name, e in expected.items()
        }
        ranked = {name: figures for name, figures in want.items() if figures[0] is not None}
        ranks = [figures[0] for figures in ranked.values()]
        event("published" if published else "live")
        event("ties" if len(set(ranks)) < len(ranks) else "no ties")
        event("some unranked" if len(ranked) < len(states) else "all ranked")
        self.login("home_affairs")
        assert self.results_page(round_) == want
        assert self.workbook(round_) == want
        assert self.announcement(round_) == ranked
        board = self.dashboard(round_)
        # Before publication the dashboard lists the units that never submitted too, unranked
        # and without figures; a published round's is its frozen table, as published.
        assert {name: board[name] for name in want} == want
        assert all(board[name][:3] == (None, None, "") for name in set(board) - set(want)), board
        assert len(board) == (len(want) if published else len(states))
        assert self.portal(round_) == (want if published else None)
        api, open_data = self.api(round_)
        assert api == want
        assert open_data == (want if published else None)


def test_one_percent_formula_half_up_and_none_without_a_maximum():
    assert percent(Decimal("2.5"), Decimal(3)) == Decimal("83.33")
    assert percent(Decimal(1), Decimal(8)) == Decimal("12.50")  # half-up, not to even
    assert percent(Decimal(1), Decimal(400)) == Decimal("0.25")
    assert percent(None, Decimal(10)) is None
    assert percent(Decimal(5), Decimal(0)) is None
    assert percent(3, 4) == Decimal("75.00")


def test_a_published_row_keeps_its_decimals_exactly_and_reads_back_the_same():
    row = ResultRow(
        org_unit_id=7,
        unit_name="Phường A",
        unit_code="A",
        total=Decimal("1E+1"),  # ten, held with an exponent: frozen as "10", not "1E+1"
        maximum=Decimal("12.00"),
        percent=Decimal("83.33"),
        self_points=Decimal("11.25"),
        self_max=Decimal(12),
        gap=None,
        rank=1,
        band="Tốt",
        band_colour="good",
    )
    frozen = row.as_json()
    assert (frozen["total"], frozen["maximum"], frozen["percent"], frozen["gap"]) == (
        "10",
        "12.00",
        "83.33",
        None,
    )
    assert json.loads(json.dumps(frozen)) == frozen  # plain JSON: no float anywhere
    back = ResultRow.from_json(json.loads(json.dumps(frozen)))
    assert back.as_json() == frozen
    assert (back.total, back.percent, back.gap_percent) == (Decimal(10), Decimal("83.33"), None)
