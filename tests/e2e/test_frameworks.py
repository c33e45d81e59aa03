"""A coordinator edits a draft framework in place and publishes it, in a real browser."""

from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.core.testing import build_cast
from cchc.frameworks.models import Framework
from cchc.frameworks.tests.factories import make_framework
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def framework() -> Any:
    cast = build_cast()
    return make_framework(cast.city, name="Bộ chỉ số thử nghiệm")


def test_a_coordinator_edits_a_draft_in_place_and_publishes_it(page, live_server, framework):
    log_in(page, live_server, "home_affairs")
    page.goto(f"{live_server.url}{framework.get_absolute_url()}")
    check = page.get_by_test_id("publish-check")
    assert "có thể ban hành" in check.inner_text()

    # Raise 1.1 from 2,5 to 3: the area no longer adds up, and the check says so at once.
    page.get_by_test_id("edit-1.1").click()
    page.locator("#id_max_points").fill("3")
    page.get_by_test_id("save-criterion").click()
    page.get_by_test_id("save-criterion").wait_for(state="detached")
    expect(check).to_contain_text("7,5")
    assert "(8)" in check.inner_text()
    shot(page, "framework-sum-problem")

    # Put it back, then publish.
    page.get_by_test_id("edit-1.1").click()
    page.locator("#id_max_points").fill("2.5")
    page.get_by_test_id("save-criterion").click()
    page.get_by_test_id("save-criterion").wait_for(state="detached")
    expect(check).to_contain_text("có thể ban hành")
    # Publishing asks first; cancelling leaves the draft as it was.
    page.remove_listener("dialog", page.accept_dialogs)
    page.once("dialog", lambda dialog: dialog.dismiss())
    posted: list[str] = []
    page.on(
        "request", lambda request: posted.append(request.url) if request.method == "POST" else None
    )
    page.get_by_test_id("publish").click()  # returns once any navigation it started has begun
    assert posted == [], posted
    assert "Bản nháp" in page.get_by_test_id("framework-status").inner_text()
    framework.refresh_from_db()
    assert framework.status == Framework.Status.DRAFT
    page.on("dialog", page.accept_dialogs)
    page.get_by_test_id("publish").click()
    page.wait_for_load_state("networkidle")
    assert "Đã ban hành" in page.get_by_test_id("framework-status").inner_text()
    assert not page.get_by_test_id("edit-1.1").count()
    shot(page, "framework-published")
    assert page.console_errors == [], page.console_errors
    framework.refresh_from_db()
    assert framework.status == Framework.Status.PUBLISHED


def test_anyone_can_try_a_rule_on_sample_figures(page, live_server, framework):
    from cchc.frameworks.services import framework_publish

    framework_publish(actor=None, framework=framework)
    criterion = framework.criteria.get(code="2.1")
    log_in(page, live_server, "ward_officer")
    page.goto(f"{live_server.url}/frameworks/criteria/{criterion.pk}/preview/")
    page.locator("#id_numerator").fill("17")
    page.locator("#id_denominator").fill("18")
    page.get_by_test_id("preview-result").wait_for()
    assert (
        "17/18 = 94,4% → 1 điểm (bậc 90–<95%)."
        in page.get_by_test_id("preview-result").inner_text()
    )
    shot(page, "rule-preview")
