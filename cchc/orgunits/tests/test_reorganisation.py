"""A reorganisation: lineage as data, done once, all or nothing (issue 20)."""

import datetime
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from cchc.accounts.models import Membership
from cchc.assessments.models import Assessment, Round
from cchc.assessments.tests.factories import make_round
from cchc.core.imports import ImportFailed
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.inspections.models import Finding, RemediationAction
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits import reorganisation, selectors
from cchc.orgunits.models import OrgUnit, Reorganisation, UnitChange
from cchc.orgunits.reorganisation import (
    Follower,
    ReorganisationSpec,
    read_reorganisation_file,
    read_reorganisation_text,
    reorganisation_apply,
    reorganisation_preview,
)
from cchc.orgunits.services import org_unit_create

JULY = datetime.date(2025, 7, 1)
HEADER = "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã thống kê mới,Mã cha mới,Diện tích,Kế thừa mặc định\n"
DATA = settings.BASE_DIR / "cchc" / "orgunits" / "data"


def spec(text: str, name: str = "Nghị quyết thử") -> ReorganisationSpec:
    rows, headings = read_reorganisation_text(text)
    return ReorganisationSpec(
        name=name, effective_on=JULY, rows=rows, source="form", headings=headings
    )


class MergeTests(BaseTestCase):
    merge = HEADER + "X18070,P25,Phường Thành Sen,phường,18073,T42,,\nX18073,P25,,,,,,\n"

    def test_a_merge_ends_both_wards_creates_the_new_one_and_writes_the_lineage(self):
        result = reorganisation_apply(spec(self.merge), actor=self.admin)
        ward_a, ward_b = (
            OrgUnit.objects.get(pk=u.pk) for u in (self.cast.ward_a, self.cast.ward_b)
        )
        new = OrgUnit.objects.get(code="P25")
        assert (ward_a.active_to, ward_b.active_to) == (JULY - datetime.timedelta(days=1),) * 2
        # The former wards stay where they were: nothing of their past is re-parented.
        assert ward_a.parent_id == ward_b.parent_id == self.cast.city.pk
        assert (new.name, new.kind, new.gso_code, new.parent_id, new.active_from) == (
            "Phường Thành Sen",
            "ward",
            "18073",
            self.cast.province.pk,
            JULY,
        )
        links = UnitChange.objects.filter(successor=new).order_by("predecessor__code")
        assert [(link.predecessor.code, link.kind, link.is_default) for link in links] == [
            ("X18070", "merged", True),
            ("X18073", "merged", True),
        ]
        assert {link.reorganisation_id for link in links} == {result.pk}
        assert result.summary["ended"] == 2 and result.summary["created"] == 1
        event = AuditEvent.objects.get(action="org_unit.reorganise")
        assert event.actor_username == "admin"
        assert event.after["ended"] == ["X18070", "X18073"]

    def test_the_people_of_the_former_wards_hold_their_roles_in_the_new_one(self):
        reorganisation_apply(spec(self.merge), actor=self.admin)
        new = OrgUnit.objects.get(code="P25")
        old = Membership.objects.get(user=self.ward_officer, org_unit=self.cast.ward_a)
        assert not old.is_active and old.ended_on is not None
        moved = Membership.objects.get(user=self.ward_officer, is_active=True)
        assert (moved.org_unit_id, moved.role) == (new.pk, old.role)
        assert Membership.objects.get(user=self.outsider, is_active=True).org_unit_id == new.pk

    def test_predecessors_and_successors_through_the_scope(self):
        reorganisation_apply(spec(self.merge), actor=self.admin)
        new = OrgUnit.objects.get(code="P25")
        names = [link.predecessor.name for link in selectors.predecessors(new, user=self.admin)]
        assert sorted(names) == ["Phường Nam Hà", "Phường Trần Phú"]
        # The new ward's officer (moved there) reads where it came from.
        officer = type(self.ward_officer).objects.get(pk=self.ward_officer.pk)
        assert len(selectors.predecessors(new, user=officer)) == 2
        assert [
            link.successor.code for link in selectors.successors(self.cast.ward_a, user=officer)
        ] == ["P25"]
        # A unit of another tree reads none of it.
        stranger = OrgUnit.objects.create(code="ZZ", name="Xã Z", kind="commune", path="/999/")
        assert selectors.predecessors(stranger, user=officer) == []

    def test_a_user_without_a_role_reads_no_lineage(self):
        reorganisation_apply(spec(self.merge), actor=self.admin)
        with pytest.raises(PermissionDenied):
            selectors.predecessors(OrgUnit.objects.get(code="P25"), user=self.no_role)

    def test_applying_it_again_is_refused_row_by_row(self):
        reorganisation_apply(spec(self.merge), actor=self.admin)
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(self.merge), actor=self.admin)
        assert [(e.row, e.column) for e in refused.value.errors] == [
            (2, "Mã đơn vị cũ"),
            (3, "Mã đơn vị cũ"),
        ]
        assert "áp dụng" in str(refused.value.errors[0]) or "applied" in str(
            refused.value.errors[0]
        )
        assert Reorganisation.objects.count() == 1

    def test_past_rounds_scores_findings_stay_with_the_former_unit(self):
        round_ = make_round(self.cast)
        published_units = set(round_.assessments.values_list("org_unit_id", flat=True))
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.PUBLISHED)
        inspection = to_status(self.cast, approved_inspection(self.cast), "concluded")
        finding_units = set(Finding.objects.values_list("inspection__org_unit_id", flat=True))
        reorganisation_apply(spec(self.merge), actor=self.admin)
        assert set(round_.assessments.values_list("org_unit_id", flat=True)) == published_units
        assert (
            set(Finding.objects.values_list("inspection__org_unit_id", flat=True)) == finding_units
        )
        inspection.refresh_from_db()
        assert inspection.org_unit_id == self.cast.ward_a.pk
        assert OrgUnit.objects.filter(pk=self.cast.ward_a.pk).exists()

    def test_open_work_follows_the_new_unit(self):
        round_ = make_round(self.cast)  # open: self-assessment
        to_status(self.cast, approved_inspection(self.cast), "concluded")
        action = RemediationAction.objects.get()
        assert action.owner_id == self.cast.ward_a.pk
        plan = reorganisation_preview(spec(self.merge), actor=self.admin)
        # Nam Hà keeps the GSO code (18073): its assessment is the one the new ward takes.
        assert [item.old_unit.code for item in plan.follows["assessment"]] == ["X18073"]
        assert [item.old_unit.code for item in plan.follows["remediation"]] == ["X18070"]
        assert {item.old_unit.code for item in plan.follows["membership"]} == {"X18070", "X18073"}
        reorganisation_apply(spec(self.merge), actor=self.admin)
        new = OrgUnit.objects.get(code="P25")
        action.refresh_from_db()
        assert action.owner_id == new.pk
        assert Assessment.objects.get(round=round_, org_unit=new)
        # Trần Phú's own assessment stays its own (nothing deleted).
        assert Assessment.objects.filter(round=round_, org_unit=self.cast.ward_a).exists()

    def test_rounds_past_self_assessment_stay(self):
        round_ = make_round(self.cast)
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
        plan = reorganisation_preview(spec(self.merge), actor=self.admin)
        assert plan.follows["assessment"] == []


class DivisionRenameMoveTests(BaseTestCase):
    def test_a_division_links_the_unit_to_each_part_with_its_share_and_default(self):
        text = HEADER + (
            'X18073,P1,Phường Một,phường,,T42,"28,23",có\n'
            'X18073,P2,Phường Hai,phường,,T42,"32,62",\n'
        )
        reorganisation_apply(spec(text), actor=self.admin)
        links = UnitChange.objects.filter(predecessor=self.cast.ward_b).order_by("successor__code")
        assert [(ln.successor.code, ln.kind, str(ln.share), ln.is_default) for ln in links] == [
            ("P1", "divided", "28.2300", True),
            ("P2", "divided", "32.6200", False),
        ]
        # Its officer goes to the default part.
        assert Membership.objects.get(user=self.outsider, is_active=True).org_unit.code == "P1"

    def test_a_division_without_a_default_is_refused(self):
        text = HEADER + "X18073,P1,Phường Một,phường,,T42,1,\nX18073,P2,Phường Hai,phường,,T42,1,\n"
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(text), actor=self.admin)
        assert [(e.row, e.column) for e in refused.value.errors] == [(2, "Kế thừa mặc định")]
        assert not OrgUnit.objects.filter(code__in=["P1", "P2"]).exists()

    def test_a_rename_keeps_the_unit_and_records_the_old_name(self):
        text = HEADER + "X18070,,Phường Trần Phú mới,,,,,\n"
        reorganisation_apply(spec(text), actor=self.admin)
        unit = OrgUnit.objects.get(pk=self.cast.ward_a.pk)
        assert (unit.name, unit.active_to) == ("Phường Trần Phú mới", None)
        change = UnitChange.objects.get(successor=unit)
        assert (change.kind, change.old_value, change.new_value) == (
            "renamed",
            "Phường Trần Phú",
            "Phường Trần Phú mới",
        )
        assert Membership.objects.get(user=self.ward_officer).org_unit_id == unit.pk

    def test_a_move_puts_the_ward_under_the_province(self):
        text = HEADER + "X18070,X18070,,,,T42,,\n"
        reorganisation_apply(spec(text), actor=self.admin)
        unit = OrgUnit.objects.get(pk=self.cast.ward_a.pk)
        assert unit.parent_id == self.cast.province.pk
        assert unit.path == f"{self.cast.province.path}{unit.pk}/"
        change = UnitChange.objects.get(successor=unit)
        assert (change.kind, change.old_value, change.new_value) == (
            "moved",
            "Thành phố Hà Tĩnh",
            "Tỉnh Hà Tĩnh",
        )

    def test_a_row_that_changes_nothing_is_refused(self):
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(HEADER + "X18070,,,,,,,\n"), actor=self.admin)
        assert refused.value.errors[0].row == 2


class RefusedTests(BaseTestCase):
    def test_a_file_refused_half_way_changes_nothing(self):
        text = HEADER + (
            "X18070,P25,Phường Thành Sen,phường,,T42,,\n"
            "X18073,P25,,,,,,\n"
            "X99999,P26,Phường Khác,phường,,T42,,\n"
            "H436-TP,P27,Phường Ba,phường,,H436,,\n"
        )
        units_before = list(OrgUnit.objects.values_list("pk", "name", "parent_id", "active_to"))
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(text), actor=self.admin)
        errors = [(e.row, e.column) for e in refused.value.errors]
        assert (4, "Mã đơn vị cũ") in errors
        assert (
            list(OrgUnit.objects.values_list("pk", "name", "parent_id", "active_to"))
            == units_before
        )
        assert not UnitChange.objects.exists() and not Reorganisation.objects.exists()
        assert not AuditEvent.objects.filter(action="org_unit.reorganise").exists()

    def test_a_failure_while_writing_rolls_everything_back(self):
        def explode(plan, **kwargs):
            raise ImportFailed([])

        reorganisation.register_follower(
            Follower(kind="explode", title="x", preview=lambda plan: [], apply=explode)
        )
        try:
            with pytest.raises(ImportFailed):
                reorganisation_apply(
                    spec(HEADER + "X18070,P25,Phường Thành Sen,phường,,T42,,\n"), actor=self.admin
                )
        finally:
            reorganisation.FOLLOWERS.pop("explode")
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).active_to is None
        assert not OrgUnit.objects.filter(code="P25").exists()
        assert Membership.objects.get(user=self.ward_officer).is_active

    def test_a_city_keeper_cannot_put_units_under_the_province(self):
        text = HEADER + "X18070,P25,Phường Thành Sen,phường,,T42,,\n"
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(text), actor=self.home_affairs)
        assert [(e.row, e.column) for e in refused.value.errors] == [(2, "Mã cha mới")]

    def test_a_city_keeper_reorganises_inside_the_city(self):
        text = HEADER + "X18070,P25,Phường Thành Sen,phường,,H436,,\nX18073,P25,,,,,,\n"
        reorganisation_apply(spec(text), actor=self.home_affairs)
        assert OrgUnit.objects.get(code="P25").parent_id == self.cast.city.pk

    def test_a_wrong_old_name_catches_a_wrong_code(self):
        text = "Mã đơn vị cũ,Tên đơn vị cũ,Mã đơn vị mới\nX18070,Phường Nam Hà,\n"
        with pytest.raises(ImportFailed) as refused:
            reorganisation_apply(spec(text), actor=self.admin)
        assert [(e.row, e.column) for e in refused.value.errors] == [(2, "Tên đơn vị cũ")]

    def test_a_missing_column_is_named(self):
        with pytest.raises(ImportFailed) as refused:
            read_reorganisation_text("Mã mới,Tên mới\nP1,Phường Một\n")
        assert "Mã đơn vị cũ" in str(refused.value.errors[0])


class HaTinh2025Tests(BaseTestCase):
    """The 2025 reorganisation of the former Hà Tĩnh city, from the shared data."""

    data: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        data = json.loads((DATA / "ha-tinh-units.json").read_text(encoding="utf-8"))
        # The cast's wards hold two of the GSO codes: this tree is another one.
        OrgUnit.objects.filter(gso_code__in=["18070", "18073"]).update(
            active_to=datetime.date(2019, 12, 31)
        )
        province = org_unit_create(
            actor=None, code="42", gso_code="42", name="Tỉnh Hà Tĩnh (2025)", kind="province"
        )
        city = org_unit_create(
            actor=None, code="436-2020", name="Thành phố Hà Tĩnh", kind="city", parent=province
        )
        for unit in data["ha_tinh_city_2025_before_july"]:
            org_unit_create(
                actor=None,
                code=f"{unit['code']}-2020",
                gso_code=str(unit["code"]),
                name=unit["name"],
                kind="ward" if unit["name"].startswith("Phường") else "commune",
                parent=city,
            )
        cls.data = data

    def test_the_shipped_file_applies(self):
        path = DATA / "reorganisation-ha-tinh-2025.csv"
        rows, headings = read_reorganisation_file(data=path.read_bytes(), file_name=path.name)
        result = reorganisation_apply(
            ReorganisationSpec(
                name="Nghị quyết 1665/NQ-UBTVQH15",
                effective_on=JULY,
                rows=rows,
                source=path.name,
                headings=headings,
            ),
            actor=self.admin,
        )
        new_units = {
            unit.gso_code: unit
            for unit in OrgUnit.objects.filter(active_from=JULY, kind__in=["ward", "commune"])
        }
        expected = {
            str(unit["code"]): unit["name"]
            for unit in self.data["new_units_covering_former_city_2025"]
        }
        assert {code: unit.name for code, unit in new_units.items()} == expected
        assert all(unit.parent.code == "42" for unit in new_units.values())
        former = OrgUnit.objects.filter(code__endswith="-2020", kind__in=["ward", "commune"])
        assert former.count() == 27
        assert not former.filter(active_to__isnull=True).exists()
        assert result.summary["ended"] == 27 and result.summary["created"] == 7
        thanh_sen = new_units["18073"]
        assert len(selectors.predecessors(thanh_sen, user=self.admin)) == 9
        dai_nai = OrgUnit.objects.get(code="18082-2020")
        links = selectors.successors(dai_nai, user=self.admin)
        assert [(link.successor.name, link.is_default, str(link.share)) for link in links] == [
            ("Phường Thành Sen", True, "28.2300"),
            ("Phường Hà Huy Tập", False, "32.6200"),
        ]
        assert [str(link.share_percent) for link in links] == ["46.39", "53.61"]
