"""The dashboards' arithmetic against figures worked out by hand (ties, a maximum reduced by a
criterion not applicable, a unit that never submitted), their query counts, who sees what,
the reminders and the exports read back."""

import datetime
import importlib
import io
import re
from decimal import Decimal

import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cchc.analytics.indicators import overdue_by_month
from cchc.analytics.inspections import inspection_stats
from cchc.analytics.progress import round_progress
from cchc.analytics.results import ranking
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.services.results import round_freeze
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.core.exports import safe_cell
from cchc.core.testing import BaseTestCase
from cchc.frameworks.selectors import bands_of
from cchc.frameworks.tests.factories import make_framework
from cchc.indicators.models import Dossier
from cchc.indicators.summary import rebuild_dossier_months
from cchc.inspections.models import RemediationAction
from cchc.inspections.services import findings
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.notifications.models import Notification
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

TODAY = datetime.date(2026, 11, 20)


def stored(assessment, *, points, maximum, own=None, self_points=None, self_max=Decimal(80)):
    """Give an assessment the totals its saves would have stored (appraised and complete)."""
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.SUBMITTED,
        appraised_points=Decimal(points),
        appraised_max=Decimal(maximum),
        appraised_self_part=Decimal(own if own is not None else points),
        self_points=Decimal(self_points if self_points is not None else points),
        self_max=self_max,
        appraised_count=4,
        all_leaf_count=4,
    )


class DashboardCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ward_c = org_unit_create(
            actor=None, code="X18080", name="Phường C", kind="ward", parent=cls.cast.city
        )
        cls.ward_d = org_unit_create(
            actor=None, code="X18090", name="Xã D", kind="commune", parent=cls.cast.city
        )
        cls.units = [cls.cast.ward_a, cls.cast.ward_b, cls.ward_c, cls.ward_d]

    def make_round(self, period, *, name, previous=None, units=None, status=Round.Status.APPRAISAL):
        framework = make_framework(self.cast.city, text=ROUND_FRAMEWORK, publish=True, name=name)
        round_ = round_create(
            actor=None,
            framework=framework,
            organiser=self.cast.city,
            period=period,
            year=2026,
            units=units or self.units,
            self_assessment_due_on=datetime.date(2026, 6, 30),
            appraisal_due_on=datetime.date(2026, 7, 15),
            appeals_due_on=datetime.date(2026, 7, 30),
            previous=previous,
        )
        round_ = round_advance(actor=None, round_=round_)
        Round.objects.filter(pk=round_.pk).update(status=status)
        round_.refresh_from_db()
        return round_

    def of(self, round_, unit):
        return Assessment.objects.get(round=round_, org_unit=unit)

    def two_rounds(self):
        """6 months: A 70 %, B 85 %, C 70 %, D 60 %. 9 months: A 72/90 (a criterion not
        applicable) = 80 %, B 80/100 = 80 % (a tie), C 70 %, D never submitted."""
        first = self.make_round(Round.Period.H1, name="6T")
        a, b, c = self.cast.ward_a, self.cast.ward_b, self.ward_c
        stored(self.of(first, a), points=70, maximum=100, self_points=50, own=50)
        stored(self.of(first, b), points=85, maximum=100)
        stored(self.of(first, c), points=70, maximum=100)
        stored(self.of(first, self.ward_d), points=60, maximum=100)
        second = self.make_round(Round.Period.M9, name="9T", previous=first)
        stored(self.of(second, a), points=72, maximum=90, self_points=60, own=56)
        stored(self.of(second, b), points=80, maximum=100)
        stored(self.of(second, c), points=70, maximum=100)
        return first, second


class RankingTests(DashboardCase):
    def test_ties_share_a_rank_and_a_unit_without_submission_has_none(self):
        _first, second = self.two_rounds()
        board = ranking(second, bands=bands_of(second.framework))
        by_code = {row.unit_code: row for row in board.rows}
        a, b, c, d = (by_code[u.code] for u in self.units)
        assert (a.percent, b.percent, c.percent) == (Decimal("80.00"), Decimal(80), Decimal(70))
        assert (a.rank, b.rank, c.rank, d.rank) == (1, 1, 3, None)
        assert (a.band, c.band, d.band) == ("Tốt", "Khá", "")
        assert board.rows[-1] is d  # unranked last
        assert board.provisional

    def test_change_trend_movers_and_over_claim_index(self):
        first, second = self.two_rounds()
        board = ranking(second, bands=bands_of(second.framework))
        by_code = {row.unit_code: row for row in board.rows}
        a, b, c = (by_code[u.code] for u in self.units[:3])
        assert [r.pk for r in board.series] == [first.pk, second.pk]
        assert a.trend == [Decimal(70), Decimal(80)]
        assert (a.change, b.change, c.change) == (Decimal(10), Decimal(-5), Decimal(0))
        # 6 months: B 1st, A and C 2nd (tied); 9 months: A and B 1st, C 3rd.
        assert (a.rank_change, b.rank_change, c.rank_change) == (1, 0, -1)
        assert [row.unit_code for row in board.improved] == [a.unit_code]
        assert [row.unit_code for row in board.fell] == [b.unit_code]
        # A claimed 60 of its own 80 points, the appraisal gave 56: 4 points, 5 % of 80;
        # in the 6 months it claimed nothing above: the index is the mean, 2.5.
        assert (a.gap, a.gap_percent) == (Decimal(4), Decimal(5))
        assert a.gaps == [Decimal(0), Decimal(5)]
        assert a.over_claim_index == Decimal("2.50")
        # The page says an unchanged rank "=" as the results page does (it said nothing), and
        # the change with two places as its column's other figures (a walk).
        self.login("leader")
        page = self.client.get(reverse("analytics:overview"), {"round": second.pk})
        body = page.content.decode()
        row_b = next(tr for tr in body.split("<tr>") if b.unit_name in tr and "▼" in tr)
        assert "▼ -5,00" in row_b and "(=)" in row_b

    def test_a_published_round_keeps_its_published_ranks(self):
        from cchc.assessments.services.results import round_results

        _first, second = self.two_rounds()
        table = [row.as_json() for row in round_results(second)]
        # What was published stands, even if the stored totals moved since (say, a unit's
        # appraisal was corrected after publication): B was published alone in first place.
        for row in table:
            if row["org_unit_id"] == self.cast.ward_a.pk:
                row["rank"] = 2
        Round.objects.filter(pk=second.pk).update(
            status=Round.Status.PUBLISHED, published_results=table
        )
        second.refresh_from_db()
        board = ranking(second, bands=bands_of(second.framework))
        ranks = {row.unit_code: row.rank for row in board.rows}
        assert ranks[self.cast.ward_b.code] == 1 and ranks[self.cast.ward_a.code] == 2
        assert self.ward_d.code not in ranks  # never submitted: not in the published table
        assert all(row.url for row in board.rows)  # each still opens its assessment
        assert not board.provisional

    def test_a_trend_reads_earlier_rounds_from_their_summary_as_from_their_ranking(self):
        first, second = self.two_rounds()
        third = self.make_round(Round.Period.ANNUAL, name="Năm", previous=second)
        stored(self.of(third, self.cast.ward_a), points=90, maximum=100)
        for round_ in (first, second):
            Round.objects.filter(pk=round_.pk).update(status=Round.Status.PUBLISHED)
            round_.refresh_from_db()
            round_freeze(round_)
            round_.save()
        bands = bands_of(third.framework)

        def figures():
            board = ranking(third, bands=bands)
            return [(row.unit_code, row.trend, row.gaps, row.change) for row in board.rows]

        with_summary = figures()
        a = next(row for row in with_summary if row[0] == self.cast.ward_a.code)
        assert a[1] == [Decimal(70), Decimal(80), Decimal(90)]
        assert a[2] == [Decimal(0), Decimal(5), Decimal(0)]
        # As a round published before summaries existed is read: its whole ranking.
        Round.objects.filter(pk=first.pk).update(published_summary=None)
        assert figures() == with_summary
        # The migration gives such a round the trend part of a summary.
        migration = importlib.import_module("cchc.assessments.migrations.0004_published_summary")
        migration.trend_from_results(django_apps, None)
        first.refresh_from_db()
        assert set(first.published_summary) == {"trend"}
        assert first.published_summary["trend"][str(self.cast.ward_a.pk)] == [
            "70.00",
            "0.00",
            "80.00",
        ]
        assert figures() == with_summary

    def test_a_band_bar_opens_the_units_in_that_band(self):
        _first, second = self.two_rounds()
        self.login("leader")
        response = self.client.get(
            reverse("analytics:overview"), {"round": second.pk, "band": "Khá"}
        )
        assert [row.unit_code for row, _spark in response.context["ranking_page"]] == [
            self.ward_c.code
        ]

    def test_the_page_shows_ranking_trend_and_movers(self):
        _first, second = self.two_rounds()
        self.login("leader")
        response = self.client.get(reverse("analytics:overview"), {"round": second.pk})
        page = response.content.decode()
        assert 'data-testid="ranking"' in page and 'data-testid="movers"' in page
        assert '<svg class="sparkline"' in page
        assert 'data-testid="index-' + self.cast.ward_a.code + '">2,50<' in page


class QueryCountTests(DashboardCase):
    def count(self, url, params):
        # A request first: the first one after signing in also writes the session (at most
        # every 5 minutes after that), which is not the page's.
        self.client.get(url, params)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url, params)
        assert response.status_code == 200, response.content[:500]
        return len(queries)

    def test_no_dashboard_asks_more_queries_for_more_units(self):
        small = self.make_round(Round.Period.H1, name="nhỏ", units=self.units[:2])
        for unit in self.units[:2]:
            stored(self.of(small, unit), points=70, maximum=100)
        large = self.make_round(Round.Period.M9, name="lớn")
        for unit in self.units:
            stored(self.of(large, unit), points=70, maximum=100)
        extra = [
            org_unit_create(
                actor=None, code=f"X19{n}", name=f"Xã {n}", kind="commune", parent=self.cast.city
            )
            for n in range(3)
        ]
        self.login("home_affairs")
        for name in ("analytics:overview", "analytics:progress"):
            url = reverse(name)
            with self.subTest(name):
                assert self.count(url, {"round": small.pk}) == self.count(url, {"round": large.pk})
        indicators = reverse("analytics:indicators")
        before = self.count(indicators, {"year": 2026})
        Dossier.objects.bulk_create(
            Dossier(
                code=f"HS{n}",
                org_unit=unit,
                channel="online",
                received_at=timezone.now() - datetime.timedelta(days=3),
                status="open",
            )
            for n, unit in enumerate(extra * 3)
        )
        rebuild_dossier_months()
        assert self.count(indicators, {"year": 2026}) == before
        inspections = reverse("analytics:inspections")
        empty = self.count(inspections, {"year": 2026})
        to_status(self.cast, approved_inspection(self.cast, year=2026), "concluded")
        assert self.count(inspections, {"year": 2026}) >= empty  # one more year's rows, not N

    def test_published_rounds_ask_no_more_queries_for_more_units(self):
        """Three published rounds (a trend): the overview reads each earlier round's summary,
        the previous round's ranking, and the per-area totals of the rows it shows."""
        rounds = []
        for period in (Round.Period.H1, Round.Period.M9, Round.Period.ANNUAL):
            round_ = self.make_round(
                period,
                name=f"công bố {period}",
                units=self.units[:2],
                previous=rounds[-1] if rounds else None,
                status=Round.Status.PUBLISHED,
            )
            rounds.append(round_)

        def publish_all():
            for round_ in rounds:
                for assessment in round_.assessments.all():
                    stored(assessment, points=70, maximum=100, self_points=75, own=70)
                round_freeze(round_)
                round_.save()

        publish_all()
        url, params = reverse("analytics:overview"), {"round": rounds[-1].pk}
        self.login("home_affairs")
        leader_before = self.count(url, params)
        self.login("ward_officer")
        unit_before = self.count(url, params)
        for n in range(4):
            unit = org_unit_create(
                actor=None,
                code=f"X20{n}",
                name=f"Xã mới {n}",
                kind="commune",
                parent=self.cast.city,
            )
            for round_ in rounds:
                Assessment.objects.create(round=round_, org_unit=unit, due_on=TODAY)
        publish_all()
        assert self.count(url, params) == unit_before
        self.login("home_affairs")
        assert self.count(url, params) == leader_before


@time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC), tick=False)
class ProgressTests(DashboardCase):
    def test_each_unit_has_its_stage_and_the_late_come_first(self):
        round_ = self.make_round(Round.Period.H1, name="tiến độ", status=Round.Status.OPEN)
        Assessment.objects.filter(round=round_).update(due_on=datetime.date(2026, 11, 25))
        a, b, c, d = (self.of(round_, unit) for unit in self.units)
        stored(a, points=80, maximum=100)  # appraised: every criterion
        Assessment.objects.filter(pk=b.pk).update(
            status=Assessment.Status.SUBMITTED, appraised_count=1, all_leaf_count=4
        )
        Assessment.objects.filter(pk=c.pk).update(
            status=Assessment.Status.RETURNED, due_on=datetime.date(2026, 11, 17)
        )
        board = round_progress(round_, today=TODAY)
        states = {row.assessment.org_unit_id: (row.state, row.days_left) for row in board.rows}
        assert states[a.org_unit_id] == ("appraised", None)
        assert states[b.org_unit_id] == ("submitted", None)
        assert states[c.org_unit_id] == ("returned", -3)
        assert states[d.org_unit_id] == ("not_started", 5)
        assert board.rows[0].assessment.pk == c.pk and board.late == 1
        assert {s: n for s, _label, n in board.counts()} == {
            "not_started": 1,
            "in_progress": 0,
            "returned": 1,
            "submitted": 1,
            "appraised": 1,
        }
        # The round's board names each unit's stage as this page does: the appraised unit
        # read "Đã nộp" there and "Đã thẩm định xong" here; a unit never opened "0/0" here
        # and "—" there (found by a new-user walk).
        self.login("home_affairs")
        board_page = self.client.get(round_.get_absolute_url()).content.decode()
        stages = re.findall(r'data-testid="unit-stage">([^<]*)<', board_page)
        assert sorted(stages) == sorted(
            ["Đã thẩm định xong", "Đã nộp", "Trả lại để chỉnh sửa", "Chưa bắt đầu"]
        ), stages
        progress = self.client.get(reverse("analytics:progress"), {"round": round_.pk})
        page = progress.content.decode()
        assert "Đã thẩm định xong" in page and ">0/0<" not in page
        assert 'data-testid="no-figures-yet"' in page

    def test_the_coordinator_reminds_once_a_day_and_a_leader_cannot(self):
        round_ = self.make_round(Round.Period.H1, name="nhắc", status=Round.Status.OPEN)
        url = reverse("analytics:remind", args=[round_.pk])
        self.login("leader")
        assert self.client.post(url).status_code == 403
        self.login("home_affairs")
        response = self.client.post(url, follow=True)
        assert "4" in response.content.decode()
        sent = Notification.objects.filter(dedupe_key__startswith="remind:").count()
        assert sent > 0
        assert Notification.objects.filter(
            user=self.ward_officer, dedupe_key__startswith="remind:"
        ).exists()
        self.client.post(url)
        assert Notification.objects.filter(dedupe_key__startswith="remind:").count() == sent
        page = self.client.get(reverse("analytics:progress"), {"round": round_.pk}).content
        assert b'data-testid="remind-all"' in page


class InspectionStatsTests(DashboardCase):
    def test_pareto_remediation_and_coverage(self):
        year = timezone.localdate().year
        inspection = to_status(self.cast, approved_inspection(self.cast, year=year), "visiting")
        # A second shortcoming with the same cause and a new one: 2 + 1 shortcomings.
        money = findings.root_cause_get_or_create(
            actor=self.inspector, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        staff = findings.root_cause_get_or_create(
            actor=self.inspector, organiser=self.cast.city, title="Cán bộ kiêm nhiệm"
        )
        # And one no cause explains: the cumulative share is of every shortcoming, a cause
        # never explains them all then (it was of the cause links: 100 %; a walk).
        for text, causes in (
            ("Thiếu máy scan", [money]),
            ("Chưa niêm yết", [staff]),
            ("Thiếu biển chỉ dẫn", []),
        ):
            findings.finding_create(
                actor=self.inspector,
                inspection=inspection,
                kind="shortcoming",
                topic="tthc",
                area="Bộ phận một cửa",
                text=text,
                severity="minor",
                root_causes=causes,
            )
        to_status(self.cast, inspection, "concluded")  # adds ISO's shortcoming and an action
        RemediationAction.objects.update(deadline=timezone.localdate() - datetime.timedelta(days=1))
        stats = inspection_stats(user=self.home_affairs, year=year, today=timezone.localdate())
        assert (stats.visits, stats.visits_done, stats.requests) == (1, 1, 2)
        assert [(row.cause.title, row.shortcomings, row.cumulative) for row in stats.causes] == [
            ("Kinh phí còn hạn hẹp", 2, Decimal(50)),
            ("Cán bộ kiêm nhiệm", 1, Decimal(75)),
        ]
        assert [(row.area, row.shortcomings) for row in stats.areas] == [
            ("Bộ phận một cửa", 3),
            ("Duy trì và cải tiến", 1),
        ]
        assert {s: n for s, _l, n in stats.remediation} == {
            "open": 0,
            "overdue": 1,
            "reported": 0,
            "verified": 0,
        }
        # Each bar opens what is behind it: the overdue action, the area's shortcomings.
        self.login("leader")
        url = reverse("analytics:inspections")
        page = self.client.get(url, {"year": year, "remedy": "overdue"}).content.decode()
        assert "Tổ chức đánh giá nội bộ" in page
        assert (
            "Tổ chức đánh giá nội bộ"
            not in self.client.get(url, {"year": year, "remedy": "verified"}).content.decode()
        )
        page = self.client.get(url, {"year": year, "area": "Bộ phận một cửa"}).content.decode()
        assert "Thiếu máy scan" in page and "Chưa niêm yết" in page
        # A unit reads its own inspections only: the other ward sees none.
        outsider = inspection_stats(user=self.outsider, year=year, today=timezone.localdate())
        assert outsider.visits == 0


@time_machine.travel(datetime.datetime(2026, 3, 20, 10, tzinfo=datetime.UTC), tick=False)
class MonthlyOverdueTests(DashboardCase):
    def dossier(self, code, received, due, finished=None, unit=None):
        tz = timezone.get_current_timezone()
        Dossier.objects.create(
            code=code,
            org_unit=unit or self.cast.ward_a,
            channel="online",
            received_at=datetime.datetime(*received, 9, tzinfo=tz),
            due_at=datetime.datetime(*due, 17, tzinfo=tz),
            finished_at=datetime.datetime(*finished, 10, tzinfo=tz) if finished else None,
            status="finished" if finished else "open",
        )
        rebuild_dossier_months()

    def test_months_of_this_year_against_the_same_months_last_year(self):
        # January: 4 received, 1 late; February: 2 received, 1 open past due; March: 1 open
        # not yet due. Last year: January 2 received, both late; April (not compared): 1.
        self.dossier("A1", (2026, 1, 5), (2026, 1, 9), (2026, 1, 8))
        self.dossier("A2", (2026, 1, 6), (2026, 1, 9), (2026, 1, 12))
        self.dossier("A3", (2026, 1, 7), (2026, 1, 9), (2026, 1, 9))
        self.dossier("A4", (2026, 1, 8), (2026, 1, 19), (2026, 1, 9))
        self.dossier("B1", (2026, 2, 2), (2026, 2, 6))
        self.dossier("B2", (2026, 2, 3), (2026, 2, 6), (2026, 2, 5))
        self.dossier("C1", (2026, 3, 18), (2026, 3, 27))
        self.dossier("Z1", (2025, 1, 5), (2025, 1, 9), (2025, 1, 10))
        self.dossier("Z2", (2025, 1, 6), (2025, 1, 9), (2025, 1, 10))
        self.dossier("Z3", (2025, 4, 6), (2025, 4, 9), (2025, 4, 10))
        board = overdue_by_month(
            [(self.cast.ward_a.pk, "A"), (self.cast.ward_b.pk, "B")],
            year=2026,
            today=datetime.date(2026, 3, 20),
        )
        assert board.last_month == 3
        a = board.units[0]
        assert [(m.received, m.overdue, m.rate) for m in a.months[:3]] == [
            (4, 1, Decimal(25)),
            (2, 1, Decimal(50)),
            (1, 0, Decimal(0)),
        ]
        assert (a.total.received, a.total.overdue) == (7, 2)
        assert (a.total_last_year.received, a.total_last_year.overdue) == (2, 2)  # April left out
        assert a.change == Decimal("28.57") - Decimal(100)
        assert board.units[1].total.rate is None  # no dossier: no rate, not 0 %
        assert [m.received for m in board.city[:3]] == [4, 2, 1]
        # B: one in February, open past due. All units together, and one unit in detail
        # (a page of rows): the same lines for all of them.
        self.dossier("D1", (2026, 2, 2), (2026, 2, 6), unit=self.cast.ward_b)
        board = overdue_by_month(
            [(self.cast.ward_a.pk, "A"), (self.cast.ward_b.pk, "B")],
            year=2026,
            today=datetime.date(2026, 3, 20),
            detail=[self.cast.ward_b.pk],
        )
        assert [unit.name for unit in board.units] == ["B"]
        assert [(m.received, m.overdue) for m in board.city[:3]] == [(4, 1), (3, 2), (1, 0)]
        assert [(m.received, m.overdue) for m in board.city_last_year[:3]] == [
            (2, 2),
            (0, 0),
            (0, 0),
        ]
        assert (board.units[0].total.received, board.units[0].total.overdue) == (1, 1)


class ScopeTests(DashboardCase):
    def test_a_unit_sees_published_rounds_and_its_own_progress_only(self):
        _first, second = self.two_rounds()
        self.login("ward_officer")
        assert (
            self.client.get(reverse("analytics:overview"), {"round": second.pk}).status_code == 403
        )
        Round.objects.filter(pk=second.pk).update(status=Round.Status.PUBLISHED)
        page = self.client.get(reverse("analytics:overview"), {"round": second.pk})
        text = page.content.decode()
        assert page.status_code == 200
        # Others' published results, but no link into their assessments, and only its own
        # self-score against the appraisal.
        assert self.cast.ward_b.name in text
        assert str(self.of(second, self.cast.ward_b).get_absolute_url()) not in text
        gap_rows = page.context["gap_rows"]
        assert [row.unit_code for row in gap_rows] == [self.cast.ward_a.code]
        other = self.of(second, self.cast.ward_b)
        area = second.framework.criteria.get(code="1")
        area_url = reverse("analytics:area", args=[other.pk, area.pk])
        assert self.client.get(area_url).status_code == 404

    def test_a_unit_follows_its_own_row_in_an_open_round(self):
        round_ = self.make_round(Round.Period.H1, name="mở", status=Round.Status.OPEN)
        self.login("ward_officer")
        response = self.client.get(reverse("analytics:progress"))
        assert response.context["round"] == round_
        rows = list(response.context["rows_page"])
        assert [row.assessment.org_unit_id for row in rows] == [self.cast.ward_a.pk]
        assert b'data-testid="remind-all"' not in response.content

    def test_an_agency_sees_its_areas(self):
        _first, second = self.two_rounds()
        self.login("appraiser")  # Phòng Tư pháp appraises 2.1 and 2.2: area 2
        page = self.client.get(reverse("analytics:overview"), {"round": second.pk})
        assert [area.code for area in page.context["heatmap"].areas] == ["2"]
        assert "ranking" not in page.context  # not published: totals span other areas
        area_1 = second.framework.criteria.get(code="1")
        url = reverse("analytics:area", args=[self.of(second, self.cast.ward_a).pk, area_1.pk])
        assert self.client.get(url).status_code == 403

    def test_a_portal_editor_sees_no_dashboard(self):
        self.login("portal_editor")
        assert self.client.get(reverse("analytics:overview")).status_code == 403


class ExportTests(DashboardCase):
    def test_every_table_downloads_as_xlsx_with_the_page_figures(self):
        _first, second = self.two_rounds()
        self.login("leader")
        url = reverse("analytics:export", args=["overview", "ranking", "xlsx"])
        response = self.client.get(url, {"round": second.pk})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        # Named for its table in the reader's language (it was "cchc-overview-ranking-…").
        assert re.search(
            r'filename="xep-hang-[a-z0-9-]*\d{4}-\d{2}-\d{2}\.xlsx"',
            response["Content-Disposition"],
        ), response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("Hạng", "Mã đơn vị", "Đơn vị")
        assert rows[1][0] == 1 and float(rows[1][5]) == 80.0
        csv_url = reverse("analytics:export", args=["overview", "bands", "csv"])
        text = self.client.get(csv_url, {"round": second.pk}).content.decode("utf-8-sig")
        assert "Tốt,2" in text.replace("\r", "")
        missing = reverse("analytics:export", args=["overview", "nothing", "csv"])
        assert self.client.get(missing, {"round": second.pk}).status_code == 404

    def test_a_formula_typed_into_a_name_stays_text(self):
        assert safe_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
        assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
        assert safe_cell(Decimal("-5")) == Decimal("-5")  # a negative number stays a number
        OrgUnit.objects.filter(pk=self.ward_c.pk).update(name="=1+1")
        _first, second = self.two_rounds()
        self.login("leader")
        url = reverse("analytics:export", args=["overview", "ranking", "csv"])
        text = self.client.get(url, {"round": second.pk}).content.decode("utf-8-sig")
        assert "'=1+1" in text and ",=1+1" not in text


class PaletteTests(BaseTestCase):
    def test_the_map_and_the_stylesheet_use_the_same_band_colours(self):
        from django.conf import settings

        from cchc.analytics.maps import PALETTE

        css = (settings.BASE_DIR / "static" / "css" / "base.css").read_text()
        for key in ("excellent", "good", "fair", "average", "weak"):
            assert f"--band-{key}: {PALETTE[key]};" in css


class LeaderHomeTests(DashboardCase):
    def test_the_leader_home_shows_the_top_of_the_ranking_and_who_fell(self):
        _first, second = self.two_rounds()
        Round.objects.filter(pk=second.pk).update(status=Round.Status.PUBLISHED)
        self.login("leader")
        page = self.client.get(reverse("core:home")).content.decode()
        assert f"1. {self.cast.ward_a.name} — 80%" in page
        assert f"{self.cast.ward_b.name} (-5" in page  # fell most: 85 % → 80 %
        self.login("ward_officer")
        assert "Giảm nhiều nhất" not in self.client.get(reverse("core:home")).content.decode()
