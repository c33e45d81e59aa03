"""The whole cycle in a real browser: the officer fills and uploads, the chair submits, the
appraiser re-scores, the coordinator finalises and publishes, and the ward sees its result."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.assessments.models import Round
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.testing import PDF, build_cast
from cchc.frameworks.models import Criterion
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene() -> Any:
    cast = build_cast()
    round_ = make_round(cast)
    criteria = {c.code: c for c in Criterion.objects.filter(framework=round_.framework)}
    return cast, round_, assessment_of(round_, cast.ward_a), criteria


def new_page(browser: Any) -> Any:
    page = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_the_whole_scoring_cycle(page, browser, live_server, scene):
    cast, round_, assessment, criteria = scene
    url = f"{live_server.url}{assessment.get_absolute_url()}"

    # The officer fills in the figures; each change saves itself and scores at once.
    log_in(page, live_server, "ward_officer")
    page.goto(url)
    c = criteria
    page.locator(f"#c{c['1.1'].pk}-answer").select_option("yes")
    expect(page.get_by_test_id("points-1.1")).to_have_text("2,5")
    page.locator(f"#c{c['1.2'].pk}-count").fill("0")
    page.locator(f"#c{c['1.2'].pk}-count").press("Tab")
    expect(page.get_by_test_id("points-1.2")).to_have_text("1")
    page.locator(f"#c{c['2.1'].pk}-numerator").fill("17")
    page.locator(f"#c{c['2.1'].pk}-denominator").fill("18")
    page.locator(f"#c{c['2.1'].pk}-denominator").press("Tab")
    expect(page.get_by_test_id("explanation-2.1")).to_contain_text(
        "17/18 = 94,4% → 1 điểm (bậc 90–<95%)."
    )
    page.locator(f"#c{c['2.2'].pk}-numerator").fill("3")
    page.locator(f"#c{c['2.2'].pk}-denominator").fill("4")
    page.locator(f"#c{c['2.2'].pk}-denominator").press("Tab")
    expect(page.get_by_test_id("points-2.2")).to_have_text("2,63")
    expect(page.get_by_test_id("self-total")).to_have_text("7,13")
    expect(page.get_by_test_id("declared")).to_contain_text("4/4")
    # Evidence for 1.1: a PDF, checked by its content.
    row = page.locator(f"#score-{c['1.1'].pk}")
    row.locator("summary").click()
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "ke-hoach-cchc.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_test_id("upload-1.1").click()
    expect(page.locator(f"#score-{c['1.1'].pk} .evidence-item")).to_contain_text(
        "ke-hoach-cchc.pdf"
    )
    # The row still works after the evidence came back: change it, and the points follow.
    expect(page.locator(f"#score-{c['1.1'].pk}")).not_to_have_class(re.compile(r"htmx-"))
    page.locator(f"#c{c['1.1'].pk}-answer").select_option("no")
    expect(page.get_by_test_id("points-1.1")).to_have_text("0")
    expect(page.locator(f"#subtotal-{c['1'].pk}")).to_contain_text("1 / 3,5")
    page.locator(f"#c{c['1.1'].pk}-answer").select_option("yes")
    expect(page.get_by_test_id("points-1.1")).to_have_text("2,5")
    # The same document proves 1.2: the unit's documents are fetched when "Add evidence" opens.
    page.reload()
    second = page.locator(f"#score-{c['1.2'].pk}")
    second.locator("summary").click()
    reuse = second.get_by_test_id("reuse-1.2").locator("select")
    # The file's name, then its number or kind and its date: "ke-hoach-cchc.pdf · PDF · 07/12/2026".
    option = reuse.locator("option", has_text="ke-hoach-cchc.pdf · PDF · ")
    reuse.select_option(value=option.get_attribute("value"))
    second.get_by_test_id("reuse-1.2").get_by_role("button").click()
    expect(page.locator(f"#score-{c['1.2'].pk} .evidence-item")).to_contain_text(
        "ke-hoach-cchc.pdf"
    )
    shot(page, "self-assessment-filled")
    assert page.console_errors == [], page.console_errors

    # The chair reviews and submits.
    chair = new_page(browser)
    log_in(chair, live_server, "ward_chair")
    chair.goto(f"{live_server.url}/rounds/assessments/{assessment.pk}/submit/")
    expect(chair.get_by_test_id("summary-total")).to_have_text("7,13")
    shot(chair, "submit-summary")
    chair.get_by_test_id("submit").click()
    expect(chair.get_by_test_id("assessment-status")).to_have_text("Đã nộp")
    expect(chair.get_by_test_id("fingerprint")).to_be_visible()

    # The coordinator moves the round to appraisal and appraises the criteria of no agency.
    coordinator = new_page(browser)
    log_in(coordinator, live_server, "home_affairs")
    coordinator.goto(f"{live_server.url}{round_.get_absolute_url()}")
    coordinator.get_by_test_id("advance").click()
    expect(coordinator.get_by_test_id("round-status")).to_have_text("Thẩm định")
    for code, points in (("1.1", "2.5"), ("1.2", "1")):
        coordinator.goto(f"{live_server.url}/rounds/{round_.pk}/appraisal/?criterion={c[code].pk}")
        form = coordinator.get_by_test_id(f"appraise-{cast.ward_a.code}")
        form.locator("input[name=points]").fill(points)
        form.locator("input[name=points]").press("Tab")
        expect(coordinator.locator(f"#appraise-{assessment.pk}-{c[code].pk}")).to_contain_text(
            "đã lưu"
        )

    # The appraiser (Justice office) re-scores 2.1 with a reason, confirms 2.2.
    appraiser = new_page(browser)
    log_in(appraiser, live_server, "appraiser")
    appraiser.goto(f"{live_server.url}/rounds/{round_.pk}/appraisal/?criterion={c['2.1'].pk}")
    form = appraiser.get_by_test_id(f"appraise-{cast.ward_a.code}")
    form.locator("input[name=reason]").fill("Một hồ sơ trễ hạn không có phiếu xin lỗi.")
    form.locator("input[name=points]").fill("0")
    form.locator("input[name=points]").press("Tab")
    expect(appraiser.locator(f"#appraise-{assessment.pk}-{c['2.1'].pk}")).to_contain_text("đã lưu")
    shot(appraiser, "appraisal")
    appraiser.goto(f"{live_server.url}/rounds/{round_.pk}/appraisal/?criterion={c['2.2'].pk}")
    # How far each criterion is arrives once the page has shown: 2.1 done for the one unit.
    expect(appraiser.get_by_test_id("appraisal-criteria").locator("li").first).to_contain_text(
        "1/1"
    )
    counted = appraiser.locator(f"#appraised-{c['2.2'].pk}")
    expect(counted).to_have_text("0/1")
    form = appraiser.get_by_test_id(f"appraise-{cast.ward_a.code}")
    form.locator("input[name=points]").fill("2.63")
    form.locator("input[name=points]").press("Tab")
    expect(appraiser.locator(f"#appraise-{assessment.pk}-{c['2.2'].pk}")).to_contain_text("đã lưu")
    # The criterion's count moves with the save (it moved only on a reload).
    expect(counted).to_have_text("1/1")

    # Before publication the ward does not see the appraised scores.
    page.goto(url)
    assert "Một hồ sơ trễ hạn" not in page.content()

    # The coordinator goes through appeals and finalisation, then publishes with the decision.
    coordinator.goto(f"{live_server.url}{round_.get_absolute_url()}")
    coordinator.get_by_test_id("advance").click()
    expect(coordinator.get_by_test_id("round-status")).to_have_text("Phúc khảo")
    coordinator.get_by_test_id("advance").click()
    expect(coordinator.get_by_test_id("round-status")).to_have_text("Đã chốt kết quả")
    coordinator.locator("#id_decision_number").fill("15/QĐ-UBND")
    coordinator.get_by_test_id("advance").click()
    expect(coordinator.get_by_test_id("round-status")).to_have_text("Đã công bố kết quả")
    round_.refresh_from_db()
    assert round_.status == Round.Status.PUBLISHED

    # The ward sees its appraised scores and its rank.
    page.goto(url)
    expect(page.get_by_test_id("appraised-total")).to_have_text("6,13")
    assert "Một hồ sơ trễ hạn không có phiếu xin lỗi." in page.content()
    page.goto(f"{live_server.url}/rounds/{round_.pk}/results/")
    table = page.get_by_test_id("results-table")
    expect(table).to_contain_text("Phường Trần Phú")
    shot(page, "results-published")


def test_a_file_name_without_spaces_keeps_the_table_on_a_laptops_screen(
    browser, live_server, scene
):
    """A ward's evidence named "Bien_ban_kiem_tra_noi_bo_…pdf" (no space to break at) widened
    the criteria table to 1,405 px on a 1,366 px laptop: the appraised score and the appeal
    button sat off to the right, the table's scroll bar 7,000 px down the page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cchc.assessments.services import evidence_upload

    cast, _round, assessment, criteria = scene
    evidence_upload(
        actor=cast.users["ward_officer"],
        assessment=assessment,
        criterion=criteria["1.1"],
        upload=SimpleUploadedFile(
            "Bien_ban_kiem_tra_noi_bo_cong_tac_cai_cach_hanh_chinh_nam_2026_ban_cuoi.pdf", PDF
        ),
    )
    page = new_page(browser)
    log_in(page, live_server, "ward_officer")
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    expect(page.get_by_text("Bien_ban_kiem_tra_noi_bo", exact=False).first).to_be_visible()
    table, room = page.evaluate(
        "() => { const t = document.querySelector('.score-table');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; }"
    )
    assert table <= room, (table, room)
    shot(page, "score-table-long-file-name")
