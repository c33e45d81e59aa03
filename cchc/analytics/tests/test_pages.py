"""Each dashboard's page as data (cchc.analytics.pages), asked directly, with no request: what
the page shows for a known scene, and the table its export writes from the same answer."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cchc.analytics import pages
from cchc.assessments.models import Assessment, Round
from cchc.frameworks.models import Criterion
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.models import OrgUnit

from .test_dashboards import DashboardCase, stored

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1], [105.8, 21.0]]],
}


class OverviewPageTests(DashboardCase):
    def test_the_ranking_heatmap_and_over_claim_of_the_chosen_round(self):
        _first, second = self.two_rounds()
        page = pages.overview_page(self.home_affairs, pages.Params(round=second.pk))
        assert page["round"] == second
        rows = [row for row, _sparkline in page["ranking_page"].object_list]
        codes = [u.code for u in self.units]
        assert {row.unit_code: row.rank for row in rows} == dict(
            zip(codes, [1, 1, 3, None], strict=True)
        )
        assert rows[-1].unit_code == codes[3]  # unranked last
        assert page["series_labels"] == ["6T 2026", "9T 2026"]
        assert page["shows_totals"] is True
        # The export's ranking is the page's: the same rows, the trend of both rounds at the end.
        table = list(page["tables"]["ranking"].rows)
        assert [line[1] for line in table] == [row.unit_code for row in rows]
        trend = {line[1]: line[-2:] for line in table}
        assert trend[codes[0]] == [Decimal(70), Decimal(80)]
        assert [count for _name, count in page["tables"]["bands"].rows] == [
            count for _name, _colour, count in page["ranking"].band_counts()
        ]
        assert {row.unit_code for row in page["heatmap"].rows} == set(codes)

    def test_one_band_and_an_export_that_builds_its_table_only(self):
        _first, second = self.two_rounds()
        page = pages.overview_page(self.home_affairs, pages.Params(round=second.pk, band="Khá"))
        assert [row.unit_code for row, _line in page["ranking_page"].object_list] == [
            self.ward_c.code
        ]
        assert page["page_base"] == f"round={second.pk}&band=Kh%C3%A1&"
        only = pages.overview_page(self.home_affairs, pages.Params(round=second.pk), only="gaps")
        assert set(only["tables"]) == {"ranking", "bands", "gaps"}  # no heatmap read
        assert "heatmap" not in only

    def test_a_unit_reads_published_rounds_only(self):
        _first, second = self.two_rounds()
        with pytest.raises(PermissionDenied):
            pages.overview_page(self.ward_officer, pages.Params(round=second.pk))
        assert pages.overview_page(self.ward_officer, pages.Params())["round"] is None

    def test_an_area_opened_and_the_map(self):
        _first, second = self.two_rounds()
        assessment = self.of(second, self.cast.ward_a)
        area = Criterion.objects.filter(framework=second.framework, parent=None).first()
        page = pages.area_page(self.home_affairs, assessment_pk=assessment.pk, area_pk=area.pk)
        assert page["area"] == area and page["assessment"] == assessment
        assert [criterion.parent_id for criterion, _score in page["rows"]] == [area.pk] * len(
            page["rows"]
        )
        OrgUnit.objects.filter(pk=self.cast.ward_a.pk).update(boundary=SQUARE)
        features = pages.map_features(self.home_affairs, round_pk=second.pk)["features"]
        assert [f["properties"]["name"] for f in features] == [self.cast.ward_a.name]
        assert features[0]["properties"]["percent"] == "80.00"
        assert features[0]["geometry"] == SQUARE


@time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC), tick=False)
class ProgressPageTests(DashboardCase):
    def test_the_stages_of_the_open_round_and_a_unit_following_its_own_row(self):
        round_ = self.make_round(Round.Period.H1, name="tiến độ", status=Round.Status.OPEN)
        Assessment.objects.filter(round=round_).update(due_on=datetime.date(2026, 11, 25))
        stored(self.of(round_, self.cast.ward_a), points=80, maximum=100)
        page = pages.progress_page(self.home_affairs, pages.Params())
        assert page["round"] == round_ and page["can_remind"] is True
        assert len(page["rows_page"].object_list) == 4
        counts = dict(page["tables"]["stages"].rows)
        assert sum(counts.values()) == 4
        one = pages.progress_page(self.home_affairs, pages.Params(state="appraised"))
        assert [row.assessment.org_unit for row in one["rows_page"].object_list] == [
            self.cast.ward_a
        ]
        assert [line[0] for line in one["tables"]["progress"].rows] == [self.cast.ward_a.code]
        mine = pages.progress_page(self.ward_officer, pages.Params(round=round_.pk))
        assert [row.assessment.org_unit for row in mine["rows_page"].object_list] == [
            self.cast.ward_a
        ]
        assert mine["can_remind"] is False


class InspectionsPageTests(DashboardCase):
    def test_the_year_s_visits_and_its_tables(self):
        year = timezone.localdate().year
        to_status(self.cast, approved_inspection(self.cast, year=year), "concluded")
        page = pages.inspections_page(self.home_affairs, pages.Params(year=year))
        assert page["year"] == year and year in page["years"]
        assert page["stats"].visits == 1 and page["stats"].visits_done == 1
        assert set(page["tables"]) == {"root_causes", "shortcomings", "remediation", "repeats"}
        assert [line[1] for line in page["tables"]["remediation"].rows] == [
            count for _state, _label, count in page["stats"].remediation
        ]
        assert page["remedy"] == ""
        # A filter it does not know is dropped, not shown back.
        assert pages.inspections_page(self.home_affairs, pages.Params(remedy="x"))["remedy"] == ""

    def test_a_plan_made_for_next_year_does_not_take_the_page_there(self):
        year = timezone.localdate().year
        to_status(self.cast, approved_inspection(self.cast, year=year), "concluded")
        approved_inspection(self.cast, year=year + 1)
        page = pages.inspections_page(self.home_affairs, pages.Params())
        assert page["year"] == year and year + 1 in page["years"]


class IndicatorsPageTests(DashboardCase):
    def test_every_assessed_unit_has_a_row_and_the_export_the_same_units(self):
        year = timezone.localdate().year
        page = pages.indicators_page(self.home_affairs, pages.Params(year=year))
        assert page["year"] == year and page["page_base"] == f"year={year}&"
        names = [unit.name for unit, _figures in page["rows_page"].object_list]
        assert set(names) >= {unit.name for unit in self.units}
        assert [line[0] for line in page["tables"]["directives"].rows] == names
        assert len(page["months"]) == page["board"].last_month
