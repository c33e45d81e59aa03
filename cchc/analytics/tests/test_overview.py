import datetime
from decimal import Decimal

from django.urls import reverse

from cchc.analytics.selectors import round_heatmap
from cchc.analytics.summary import area_figures, frozen_areas, frozen_trend
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import assessment_submit, round_advance, round_create, score_appraise
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.services import org_unit_create


class OverviewTests(BaseTestCase):
    def appraised_round(self):
        round_ = make_round(self.cast)
        a = assessment_of(round_, self.cast.ward_a)
        fill(a, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=a)
        round_ = round_advance(actor=None, round_=round_)
        for criterion in Criterion.objects.filter(
            framework=round_.framework, children__isnull=True
        ):
            score = a.scores.get(criterion=criterion)
            points, reason = score.self_points, ""
            if criterion.code == "2.2":
                points, reason = Decimal("1.5"), "Thiếu phiếu."
            score_appraise(
                actor=None, assessment=a, criterion=criterion, points=points, reason=reason
            )
        return round_, a

    def test_the_heatmap_gives_each_area_its_share_and_the_over_claim(self):
        round_, a = self.appraised_round()
        heatmap = round_heatmap(round_)
        assert [area.code for area in heatmap.areas] == ["1", "2"]
        row = next(row for row in heatmap.rows if row.assessment_pk == a.pk)
        # Area 1: 2.5 + 0.75 of 3.5 = 92.86%; area 2: 1 + 1.5 of 8.5 = 29.41%
        assert [cell.percent for cell in row.cells] == [Decimal("92.86"), Decimal("29.41")]
        assert [cell.bucket for cell in row.cells] == ["excellent", "weak"]
        assert row.gap == Decimal("1.13")  # self 2.63 on 2.2, appraised 1.5
        # Per area, over the units appraised (ward B never submitted): area 2 claims 1.13
        # points above the appraisal, 13.29 % of the 8.5 it could claim; area 1 nothing.
        gaps = [(g.area.code, g.mean_gap, g.gap_percent, g.units) for g in heatmap.area_gaps()]
        assert gaps == [
            ("1", Decimal(0), Decimal(0), 1),
            ("2", Decimal("1.13"), Decimal("13.29"), 1),
        ]

    def test_every_page_gives_a_figure_only_where_the_results_do(self):
        # A walk compared every page unit by unit: the heatmap read "0,00" for a unit that
        # never submitted, and "18,74 (18,74%)" for one a third appraised, which the map
        # classified "Yếu" while the results give neither a percent nor a band; the results
        # counted 46 points "over-claimed" on the criteria not appraised yet.
        round_ = make_round(self.cast)
        a = assessment_of(round_, self.cast.ward_a)
        fill(a, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=a)
        b = assessment_of(round_, self.cast.ward_b)
        # While the round is open the map gives no unit a band (self-scores are not one).
        self.login("leader")
        map_url = reverse("analytics:map_data", args=[round_.pk])

        def bands():
            return {
                feature["properties"]["id"]: feature["properties"]["measures"]["band"]["text"]
                for feature in self.client.get(map_url).json()["features"]
            }

        from cchc.orgunits.models import OrgUnit

        square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
        OrgUnit.objects.filter(pk__in=[a.org_unit_id, b.org_unit_id]).update(boundary=square)
        assert bands() == {a.pk: "Chưa có số liệu", b.pk: "Chưa có số liệu"}
        round_ = round_advance(actor=None, round_=round_)
        leaves = list(
            Criterion.objects.filter(framework=round_.framework, children__isnull=True).order_by(
                "order"
            )
        )
        first = leaves[0]
        score_appraise(
            actor=None, assessment=a, criterion=first, points=Decimal(0), reason="Thiếu."
        )
        heatmap = round_heatmap(round_)
        row_a, row_b = (next(r for r in heatmap.rows if r.assessment_pk == x.pk) for x in (a, b))
        assert row_a.total is not None and row_a.percent is None and row_a.gap is None
        assert (row_b.total, row_b.maximum, row_b.percent) == (None, None, None)
        assert heatmap.area_gaps()[0].units == 0  # nobody's appraisal is complete
        from cchc.assessments.services.results import round_results

        (result,) = round_results(round_)
        assert (result.percent, result.rank, result.band, result.gap) == (None, None, "", None)
        assert bands() == {a.pk: "Chưa có số liệu", b.pk: "Chưa có số liệu"}
        page = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        heat = page.content.decode().split('data-testid="heatmap"')[1].split("</table>")[0]
        row_b_html = next(tr for tr in heat.split("<tr>") if b.org_unit.name in tr)
        assert 'title="Chưa nộp">—<' in row_b_html and "0,00" not in row_b_html
        assert "(0,00%)" not in heat  # ward A's appraisal so far: its points, no percent
        # Complete: the figures and the band the results give, and the same on the map.
        for criterion in leaves[1:]:
            score = a.scores.get(criterion=criterion)
            score_appraise(
                actor=None,
                assessment=a,
                criterion=criterion,
                points=score.self_points,
                reason="",
            )
        (result,) = round_results(round_)
        row_a = next(r for r in round_heatmap(round_).rows if r.assessment_pk == a.pk)
        assert row_a.percent == result.percent is not None
        assert row_a.gap == result.gap is not None
        assert bands() == {a.pk: result.band, b.pk: "Chưa có số liệu"}

    def published_round(self):
        """The appraised round published; with the heatmap read live just before."""
        round_, a = self.appraised_round()
        live = round_heatmap(round_)
        round_ = round_advance(actor=None, round_=round_)  # appeals
        round_ = round_advance(actor=None, round_=round_)  # finalised
        round_ = round_advance(
            actor=None,
            round_=round_,
            decision_number="15/QĐ-UBND",
            decision_date=round_.appeals_due_on,
        )
        return round_, a, live

    def test_publication_keeps_the_figures_the_dashboards_read(self):
        round_, a, live = self.published_round()
        averages, gaps = area_figures(frozen_areas(round_), round_heatmap(round_, with_areas=False))
        assert averages == live.area_averages() == [Decimal("92.86"), Decimal("29.41")]
        assert gaps == live.area_gaps()
        assert [(g.mean_gap, g.gap_percent, g.units) for g in gaps] == [
            (Decimal(0), Decimal(0), 1),
            (Decimal("1.13"), Decimal("13.29"), 1),
        ]
        # The page: the frozen averages, and the cells of the rows it shows, read for them.
        self.login("leader")
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        cells = response.content.decode().split('data-testid="heatmap"')[1].split("</table>")[0]
        assert cells.count(">92,86<") == 2 and cells.count(">29,41<") == 2  # row and average
        row = next(r for r in round_.published_results if r["org_unit_id"] == a.org_unit_id)
        assert frozen_trend(round_)[a.org_unit_id] == (
            Decimal(row["percent"]),
            Decimal(row["gap"]),
            Decimal(row["self_max"]),
        )

    def test_the_overview_of_a_published_round_shows_what_was_published(self):
        round_, a, _live = self.published_round()
        # A correction after publication moves the unit's stored totals; the published
        # averages and over-claim per area stand (as its published ranks do).
        Assessment.objects.filter(pk=a.pk).update(area_totals={})
        self.login("leader")
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        assert response.context["area_averages"] == [Decimal("92.86"), Decimal("29.41")]
        gaps = [(g.mean_gap, g.gap_percent) for g in response.context["area_gaps"]]
        assert gaps == [(Decimal(0), Decimal(0)), (Decimal("1.13"), Decimal("13.29"))]
        # Its download gives the same figures as the page.
        url = reverse("analytics:export", args=["overview", "area_gaps", "csv"])
        text = self.client.get(url, {"round": round_.pk}).content.decode("utf-8-sig")
        assert "1.13" in text and "13.29" in text
        # A unit's reader: its own over-claim per area, from its own (current) totals.
        self.login("ward_officer")
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        assert response.context["area_averages"] == [Decimal("92.86"), Decimal("29.41")]
        assert [g.units for g in response.context["area_gaps"]] == [0, 0]

    def test_a_round_published_before_summaries_is_read_live(self):
        round_, _a, _live = self.published_round()
        Round.objects.filter(pk=round_.pk).update(published_summary=None)
        self.login("leader")
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        assert response.context["area_averages"] == [Decimal("92.86"), Decimal("29.41")]
        page = response.content.decode()
        assert ">92,86<" in page and ">29,41<" in page

    def test_a_leader_sees_the_overview(self):
        round_, _a = self.appraised_round()
        self.login("leader")
        response = self.client.get(reverse("analytics:overview"), {"round": round_.pk})
        assert response.status_code == 200
        assert 'data-testid="heatmap"' in response.content.decode()

    def test_the_heatmap_export_gives_the_page_figures(self):
        round_, _a = self.appraised_round()
        self.login("home_affairs")
        url = reverse("analytics:export", args=["overview", "heatmap", "csv"])
        text = self.client.get(url, {"round": round_.pk}).content.decode("utf-8-sig")
        assert "92.86" in text and "29.41" in text

    def test_the_query_count_does_not_grow_with_units(self):
        framework = make_framework(self.cast.city, text=ROUND_FRAMEWORK, publish=True, name="Đếm")
        self.login("leader")

        def round_with(units, period):
            round_ = round_create(
                actor=None,
                framework=framework,
                organiser=self.cast.city,
                period=period,
                year=2026,
                units=units,
                self_assessment_due_on=datetime.date(2026, 7, 1),
                appraisal_due_on=datetime.date(2026, 7, 10),
                appeals_due_on=datetime.date(2026, 7, 20),
            )
            return round_advance(actor=None, round_=round_)

        small = round_with([self.cast.ward_a], "h1")
        extra = [
            org_unit_create(
                actor=None, code=f"W{n}", name=f"Phường {n}", kind="ward", parent=self.cast.city
            )
            for n in range(6)
        ]
        big = round_with([self.cast.ward_a, self.cast.ward_b, *extra], "m9")
        for assessment in big.assessments.all():
            fill(assessment, None)
        self.client.get(reverse("analytics:overview"), {"round": small.pk})  # writes the session
        # session, user, memberships, the round, rounds to choose from, criteria, assessments
        # (their stored totals per area), the bands of the map's legend (the session is written
        # at most every 5 minutes, not here)
        with self.assertNumQueries(8) as first:
            self.client.get(reverse("analytics:overview"), {"round": small.pk})
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(reverse("analytics:overview"), {"round": big.pk})
