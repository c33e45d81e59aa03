"""A reorganisation in a real browser (issue 20): the administrator uploads a file merging two
city wards into a new ward under the province, reads the preview (units ended, the unit
created, the people whose roles move), applies it, and the province's overview then ranks the
new ward with its 2024 figure taken from the two former wards, and says so."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.accounts.models import Membership
from cchc.analytics.tests.test_dashboards import stored
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.services.results import round_freeze
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.core.roles import Role
from cchc.core.testing import build_cast
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.models import OrgUnit
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFORM = (
    "Mã đơn vị cũ,Tên đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới,Hiệu lực từ\n"
    "X18070,{a},P25,Phường Thành Sen,phường,T42,01/07/2025\n"
    "X18073,{b},P25,,,,01/07/2025\n"
)


def a_round(organiser: OrgUnit, units: list[OrgUnit], *, year: int, name: str) -> Round:
    framework = make_framework(organiser, text=ROUND_FRAMEWORK, publish=True, name=name)
    round_ = round_create(
        actor=None,
        framework=framework,
        organiser=organiser,
        period=Round.Period.ANNUAL,
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


@pytest.fixture
def city_2024() -> Any:
    """The city's 2024 round, published: ward A 70 %, ward B 80 %."""
    cast = build_cast()
    old = a_round(cast.city, [cast.ward_a, cast.ward_b], year=2024, name="CN 2024")
    stored(Assessment.objects.get(round=old, org_unit=cast.ward_a), points=70, maximum=100)
    stored(Assessment.objects.get(round=old, org_unit=cast.ward_b), points=80, maximum=100)
    round_freeze(old)
    Round.objects.filter(pk=old.pk).update(status=Round.Status.PUBLISHED)
    return cast


def test_preview_apply_and_the_new_ward_on_the_province_overview(
    page, live_server, city_2024, tmp_path
):
    cast = city_2024
    file = tmp_path / "sap-xep-2025.csv"
    file.write_text(REFORM.format(a=cast.ward_a.name, b=cast.ward_b.name), encoding="utf-8")

    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/units/reorganise/")
    page.locator("input[name=name]").fill("Nghị quyết sắp xếp 2025 (thử)")
    page.locator("input[name=effective_on]").fill("2025-07-01")
    page.locator("input[name=file]").set_input_files(str(file))
    page.get_by_role("button", name="Xem trước các thay đổi").click()

    # The preview: what ends, what is created from what, whose roles move; nothing written.
    expect(page.get_by_test_id("preview-counts")).to_be_visible()
    created = page.get_by_test_id("preview-created")
    expect(created).to_contain_text("Phường Thành Sen")
    expect(created).to_contain_text(cast.ward_a.name)
    ended = page.get_by_test_id("preview-ended")
    expect(ended).to_contain_text(cast.ward_a.name)
    expect(ended).to_contain_text(cast.ward_b.name)
    people = page.get_by_test_id("preview-membership")
    expect(people).to_contain_text("Ward_Officer")
    expect(people).to_contain_text("Phường Thành Sen")
    assert not OrgUnit.objects.filter(code="P25").exists()
    shot(page, "reorganisation-preview")

    page.get_by_role("button", name="Áp dụng đợt sắp xếp").click()
    expect(page.locator("h1")).to_contain_text("Nghị quyết sắp xếp 2025 (thử)")
    ward = OrgUnit.objects.get(code="P25")
    assert ward.parent_id == cast.province.pk
    assert OrgUnit.objects.get(pk=cast.ward_a.pk).active_to == datetime.date(2025, 6, 30)
    assert Membership.objects.filter(
        user__username="ward_officer", org_unit=ward, role=Role.UNIT_OFFICER, is_active=True
    ).exists()

    # The province's own round for the new ward, appraised: its ranking's trend starts in 2024.
    new = a_round(cast.province, [ward], year=2026, name="CN 2026")
    stored(Assessment.objects.get(round=new, org_unit=ward), points=75, maximum=100)
    page.goto(f"{live_server.url}/overview/?round={new.pk}")
    ranking = page.get_by_test_id("ranking")
    expect(ranking.locator("tr", has_text="Phường Thành Sen")).to_contain_text("75")
    inherited = page.get_by_test_id("inherited")
    expect(inherited).to_contain_text("Phường Thành Sen, Năm 2024: tính từ")
    expect(inherited).to_contain_text(cast.ward_a.name)
    expect(inherited).to_contain_text(cast.ward_b.name)
    expect(page.get_by_test_id("lineage-rule")).to_be_visible()
    shot(page, "reorganisation-province-overview")
