"""The leader's overview in a real browser: a chart tells its value on hover, a heatmap cell
leads to the unit's criteria in that area and on to the evidence, and a unit on the map opens
its assessment."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.assessments.services import (
    assessment_submit,
    evidence_cite,
    round_advance,
    score_appraise,
)
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import build_cast
from cchc.frameworks.models import Criterion
from cchc.orgunits.models import OrgUnit
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[105.88, 18.33], [105.90, 18.33], [105.90, 18.35], [105.88, 18.35], [105.88, 18.33]]
    ],
}


@pytest.fixture
def scene() -> Any:
    """Ward A self-scored with a cited plan, submitted and appraised (2.2 lowered)."""
    cast = build_cast()
    OrgUnit.objects.filter(pk=cast.ward_a.pk).update(boundary=SQUARE)
    round_ = make_round(cast)
    assessment = assessment_of(round_, cast.ward_a)
    fill(assessment, cast.users["ward_officer"])
    evidence_cite(
        actor=cast.users["ward_officer"],
        assessment=assessment,
        criterion=Criterion.objects.get(framework=round_.framework, code="1.1"),
        title="Kế hoạch CCHC năm 2026",
        document_number="12/KH-UBND",
        document_date=datetime.date(2026, 1, 10),
        issuer="UBND phường",
    )
    assessment_submit(actor=cast.users["ward_chair"], assessment=assessment)
    round_ = round_advance(actor=None, round_=round_)
    for criterion in Criterion.objects.filter(framework=round_.framework, children__isnull=True):
        score = assessment.scores.get(criterion=criterion)
        points, reason = score.self_points or Decimal(0), ""
        if criterion.code == "2.2":
            points, reason = Decimal("1.5"), "Thiếu phiếu."
        score_appraise(
            actor=None, assessment=assessment, criterion=criterion, points=points, reason=reason
        )
    return cast, round_, assessment


def test_hover_a_chart_drill_into_an_area_and_open_a_unit_from_the_map(page, live_server, scene):
    cast, round_, assessment = scene
    log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/overview/?round={round_.pk}")
    expect(page.get_by_test_id("ranking")).to_contain_text(cast.ward_a.name)

    # Hover a bar: its value shows beside the pointer.
    bar = page.get_by_test_id("band-chart").locator("rect.mark").first
    bar.hover()
    tip = page.get_by_test_id("chart-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("1 đơn vị")
    shot(page, "dashboard-overview")

    # A heatmap cell: the unit's criteria in that area, then the evidence behind one.
    row = page.get_by_test_id("heatmap").locator("tr", has_text=cast.ward_a.name)
    row.locator("td.heat a").first.click()
    criteria = page.get_by_test_id("area-criteria")
    expect(criteria).to_contain_text("Kế hoạch CCHC")
    expect(page.get_by_test_id("criterion-1.1")).to_contain_text("12/KH-UBND")
    shot(page, "dashboard-area")

    # The map: choose a measure, then click the unit to open its assessment.
    page.go_back()
    page.get_by_label("Tô màu theo", exact=True).select_option("score")
    expect(page.locator("[data-legend=score]")).to_be_visible()
    expect(page.get_by_test_id("unit-map")).to_have_attribute("data-ready", "true")
    page.locator("#unit-map path.leaflet-interactive").first.click()
    expect(page).to_have_url(f"{live_server.url}{assessment.get_absolute_url()}")


def test_the_dashboards_fit_a_phone_whatever_the_rounds_name(browser, live_server, scene):
    """On a 390 px phone the overview was 614 px wide: the round's choice ("Đợt 9 tháng năm
    2026 · Thành phố Hà Tĩnh — Tự đánh giá") would not shrink, and the page scrolled sideways."""
    page = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 800}).new_page()
    log_in(page, live_server, "leader")
    for path in ("/overview/", "/overview/progress/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#round-choice")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    shot(page, "overview-phone")
    # The round's board and its appraisal grid, whose tables scroll inside their box: a
    # visually hidden header, placed against the page, made the board 685 px wide.
    _cast, round_, _assessment = scene
    page = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 800}).new_page()
    log_in(page, live_server, "home_affairs")
    for path in (f"/rounds/{round_.pk}/", f"/rounds/{round_.pk}/appraisal/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
