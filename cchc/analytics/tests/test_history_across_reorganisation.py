"""Results across a reorganisation (issue 20): a unit made from others reads their figures for
the rounds before it existed (trend, change, over-claim, last year's dossiers, repeat
findings) by the one rule of cchc/orgunits/lineage.py, and says so on the page; a divided
unit is never counted twice; a published ranking of the former units stays as published."""

import datetime
from decimal import Decimal

from django.test import override_settings
from django.urls import reverse

from cchc.analytics.indicators import overdue_by_month
from cchc.analytics.results import ranking
from cchc.analytics.tests.test_dashboards import DashboardCase, stored
from cchc.assessments.models import Round
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.services.results import round_freeze
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.frameworks.selectors import bands_of
from cchc.frameworks.tests.factories import make_framework
from cchc.indicators.models import DossierMonth
from cchc.inspections.models import Inspection
from cchc.inspections.services import findings
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.lineage import AREA, UNITS, lineage_for
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.reorganisation import (
    ReorganisationSpec,
    read_reorganisation_text,
    reorganisation_apply,
)

# Trần Phú (A) and Nam Hà (B) merge into Thành Sen with part of C, divided 30 km² / 10 km²;
# C's other part and D make Xã Mới.
REFORM = (
    "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới,Diện tích,Kế thừa mặc định\n"
    "X18070,P25,Phường Thành Sen,phường,T42,,\n"
    "X18073,P25,,,,,\n"
    "X18080,P25,,,,30,có\n"
    "X18080,X25,Xã Mới,xã,T42,10,\n"
    "X18090,X25,,,,,\n"
)
JULY = datetime.date(2025, 7, 1)


class HistoryAcrossReorganisationTests(DashboardCase):
    def round_of(self, organiser, units, *, year, name, period=Round.Period.ANNUAL):
        framework = make_framework(organiser, text=ROUND_FRAMEWORK, publish=True, name=name)
        round_ = round_create(
            actor=None,
            framework=framework,
            organiser=organiser,
            period=period,
            year=year,
            units=units,
            self_assessment_due_on=datetime.date(year, 6, 30),
            appraisal_due_on=datetime.date(year, 7, 15),
            appeals_due_on=datetime.date(year, 7, 30),
        )
        round_ = round_advance(actor=None, round_=round_)
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
        round_.refresh_from_db()
        return round_

    def old_round(self):
        """2024, published by the city: A 70 %, B 80 %, C 60 %, D 90 %; A claimed 8 points
        (10 % of its 80) above the appraisal."""
        old = self.round_of(self.cast.city, self.units, year=2024, name="CN 2024")
        a, b, c, d = self.units
        stored(self.of(old, a), points=70, maximum=100, self_points=78, own=70)
        stored(self.of(old, b), points=80, maximum=100)
        stored(self.of(old, c), points=60, maximum=100)
        stored(self.of(old, d), points=90, maximum=100)
        round_freeze(old)
        old.status = Round.Status.PUBLISHED
        old.save()
        return old

    def reform(self):
        rows, headings = read_reorganisation_text(REFORM)
        reorganisation_apply(
            ReorganisationSpec(name="NQ 2025", effective_on=JULY, rows=rows, headings=headings),
            actor=None,
        )
        return OrgUnit.objects.get(code="P25"), OrgUnit.objects.get(code="X25")

    def new_round(self, ward, commune):
        new = self.round_of(self.cast.province, [ward, commune], year=2026, name="CN 2026")
        stored(self.of(new, ward), points=75, maximum=100)
        stored(self.of(new, commune), points=85, maximum=100)
        return new

    def test_the_new_units_trend_and_change_come_from_their_predecessors_by_units(self):
        old = self.old_round()
        ward, commune = self.reform()
        new = self.new_round(ward, commune)
        board = ranking(new, bands=bands_of(new.framework))
        assert [member.pk for member in board.series] == [old.pk, new.pk]
        rows = {row.unit_code: row for row in board.rows}
        # Thành Sen: (70 + 80 + 60 × ½) / 2½ = 72; Xã Mới: (60 × ½ + 90) / 1½ = 80.
        assert rows["P25"].trend == [Decimal("72.00"), Decimal(75)]
        assert rows["X25"].trend == [Decimal("80.00"), Decimal(85)]
        assert rows["P25"].change == Decimal(3) and rows["X25"].change == Decimal(5)
        assert rows["P25"].rank_change is None  # ranks of other units are not compared
        # Over-claim: A's 10 % weighs 1 of 2½ in Thành Sen's 2024, B's and C's 0.
        assert rows["P25"].gaps[0] == Decimal("4.00")
        assert rows["P25"].over_claim_index == Decimal("2.00")
        assert rows["P25"].inherited == [
            "Phường Thành Sen, Năm 2024: tính từ Phường C (50%), Phường Nam Hà, Phường Trần Phú; "
            "bình quân theo số đơn vị"
        ]

    @override_settings(LINEAGE_HISTORY_RULE=AREA)
    def test_by_area_a_divided_unit_counts_by_the_area_of_each_part(self):
        self.old_round()
        ward, commune = self.reform()
        new = self.new_round(ward, commune)
        rows = {row.unit_code: row for row in ranking(new, bands=bands_of(new.framework)).rows}
        # (70 + 80 + 60 × ¾) / 2¾ = 70.909…; (60 × ¼ + 90) / 1¼ = 84.
        assert rows["P25"].trend[0] == Decimal("70.91")
        assert rows["X25"].trend[0] == Decimal("84.00")
        assert "Phường C (75%)" in rows["P25"].inherited[0]
        assert "bình quân theo diện tích" in rows["P25"].inherited[0]

    def test_the_overview_shows_where_each_figure_comes_from_and_the_rule(self):
        self.old_round()
        ward, commune = self.reform()
        new = self.new_round(ward, commune)
        self.login("admin")
        html = self.client.get(reverse("analytics:overview"), {"round": new.pk}).content.decode()
        assert 'data-testid="inherited"' in html
        assert "Phường Thành Sen, Năm 2024: tính từ Phường C (50%), Phường Nam Hà" in html
        assert "mỗi đơn vị được tính một lần" in html  # the rule, explained

    def test_a_published_ranking_still_shows_the_former_units_as_published(self):
        old = self.old_round()
        published = [
            (row.org_unit_id, row.unit_name, row.percent, row.rank)
            for row in ranking(old, bands=bands_of(old.framework)).rows
        ]
        frozen = Round.objects.get(pk=old.pk).published_results
        ward, commune = self.reform()
        self.new_round(ward, commune)
        old = Round.objects.get(pk=old.pk)
        assert old.published_results == frozen
        board = ranking(old, bands=bands_of(old.framework))
        assert [
            (row.org_unit_id, row.unit_name, row.percent, row.rank) for row in board.rows
        ] == published
        assert {row.unit_code for row in board.rows} == {u.code for u in self.units}
        assert board.inherited == []
        html = self.client.get(reverse("portal:ranking_round", args=[old.pk])).content.decode()
        assert "Phường Trần Phú" in html and "Phường Thành Sen" not in html

    def test_a_divided_unit_is_not_counted_twice(self):
        self.reform()
        ward, commune = OrgUnit.objects.get(code="P25"), OrgUnit.objects.get(code="X25")
        c = self.ward_c.pk
        for rule in (UNITS, AREA):
            lineage = lineage_for([ward.pk, commune.pk], rule=rule)
            counts = {c: Decimal(100)}
            assert lineage.total(ward.pk, counts) + lineage.total(commune.pk, counts) == 100
        # Last year's dossiers: the new units' months before July are their predecessors'.
        for unit, received in ((self.cast.ward_a, 10), (self.ward_c, 40), (self.ward_d, 6)):
            DossierMonth.objects.create(
                org_unit=unit, month=datetime.date(2025, 3, 1), received=received, late=2
            )
        DossierMonth.objects.create(
            org_unit=ward, month=datetime.date(2025, 9, 1), received=50, late=5
        )
        board = overdue_by_month(
            [(ward.pk, ward.name), (commune.pk, commune.name)],
            year=2026,
            today=datetime.date(2026, 12, 31),
        )
        by_unit = {unit.unit_id: unit for unit in board.units}
        # Thành Sen in March 2025: A's 10 + half of C's 40; September its own.
        assert by_unit[ward.pk].last_year[2].received == 30
        assert by_unit[ward.pk].last_year[8].received == 50
        assert by_unit[commune.pk].last_year[2].received == 26
        assert "Phường Thành Sen, 2025: tính từ" in by_unit[ward.pk].inherited
        # The total of both counts C once.
        assert board.city_last_year[2].received == 56
        assert board.city_last_year[2].overdue == 6

    def test_a_shortcoming_of_a_former_unit_recurs_in_the_unit_made_from_it(self):
        inspection = to_status(self.cast, approved_inspection(self.cast, year=2024), "visiting")
        cause = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        earlier = findings.finding_create(
            actor=None,
            inspection=inspection,
            kind="shortcoming",
            topic="iso",
            area="Duy trì",
            text="ISO chậm",
            severity="minor",
            root_causes=[cause],
        )
        later_visit = to_status(
            self.cast, approved_inspection(self.cast, year=2026), Inspection.Status.VISITING
        )
        ward, _commune = self.reform()
        Inspection.objects.filter(pk=later_visit.pk).update(org_unit=ward)  # a visit to it
        later_visit.refresh_from_db()
        later = findings.finding_create(
            actor=None,
            inspection=later_visit,
            kind="shortcoming",
            topic="iso",
            area="Duy trì",
            text="ISO vẫn chậm",
            severity="minor",
            root_causes=[cause],
        )
        assert later.repeat_of == earlier
        self.login("admin")
        html = self.client.get(later_visit.get_absolute_url()).content.decode()
        assert "Phường Trần Phú, đơn vị hình thành nên đơn vị này" in html
