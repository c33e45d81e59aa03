"""A citizen on the public portal, in a real browser: reads the article, rates it, comments
with a wrong then a right verification code, sees the comment once the editorial board has
approved it, and opens the administrative map."""

from typing import Any

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from cchc.core.testing import build_cast
from cchc.orgunits.models import OrgUnit
from cchc.portal import services
from cchc.portal.models import Article
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[105.88, 18.33], [105.90, 18.33], [105.90, 18.35], [105.88, 18.35], [105.88, 18.33]]
    ],
}


@pytest.fixture
def article() -> Any:
    cast = build_cast()
    OrgUnit.objects.filter(pk=cast.ward_a.pk).update(boundary=SQUARE)
    article = services.article_save(
        actor=None,
        article=None,
        data={
            "title": "Một cuộc kiểm tra thay cho ba",
            "summary": "Đoàn kiểm tra hợp nhất tại phường.",
            "body": "<p>Đã giảm từ 03 cuộc kiểm tra xuống còn 01 cuộc kiểm tra.</p>",
            "units": [cast.ward_a],
        },
    )
    services.article_transition(actor=None, article=article, target=Article.Status.REVIEW)
    return services.article_transition(actor=None, article=article, target=Article.Status.PUBLISHED)


def answer(page: Any) -> str:
    key = page.locator("input[name=captcha_0]").input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def test_read_rate_comment_moderate_and_open_the_map(page, browser, live_server, article):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=article.title).click()
    expect(page.get_by_test_id("article")).to_contain_text("xuống còn 01 cuộc kiểm tra")

    # Four stars: counted once, shown the Vietnamese way.
    page.get_by_text("4 ★").click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("rating-summary")).to_have_text("1 lượt đánh giá, trung bình 4,0")

    # A wrong code: refused, and what was typed is still there.
    form = page.get_by_test_id("comment-form")
    form.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    form.get_by_label("Bình luận").fill("Gộp ba đoàn thành một là cách làm hay.")
    form.get_by_label("Mã xác thực").fill("sai")
    form.get_by_role("button", name="Gửi").click()
    expect(page.get_by_test_id("captcha-error")).to_have_text("Mã xác thực không đúng.")
    expect(form.get_by_label("Bình luận")).to_have_value("Gộp ba đoàn thành một là cách làm hay.")
    shot(page, "portal-wrong-code")

    # Another code, read right this time.
    old = page.locator("input[name=captcha_0]").input_value()
    form.get_by_role("link", name="Đổi mã khác").click()
    expect(page.locator("input[name=captcha_0]")).not_to_have_value(old)
    expect(page.get_by_test_id("captcha-image")).to_be_visible()
    form.get_by_label("Mã xác thực").fill(answer(page))
    form.get_by_role("button", name="Gửi").click()
    expect(page.locator(".alert-success")).to_contain_text("sau khi được kiểm duyệt")
    expect(page.get_by_test_id("comment")).to_have_count(0)

    # The editorial board approves it.
    editor = browser.new_context(locale="vi-VN").new_page()
    log_in(editor, live_server, "portal_editor")
    editor.goto(f"{live_server.url}/editor/comments/")
    editor.get_by_test_id("waiting-comment").get_by_test_id("show-comment").click()
    expect(editor.get_by_test_id("waiting-comment")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("comment")).to_contain_text("Gộp ba đoàn thành một")
    shot(page, "portal-article")

    # Feedback on a regulation, followed with its code.
    page.get_by_role("link", name="Phản ánh, kiến nghị").first.click()
    feedback = page.get_by_test_id("feedback-form")
    feedback.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    feedback.get_by_label("Phường, xã liên quan").select_option(label="Phường Trần Phú")
    feedback.get_by_label("Tiêu đề phản ánh").fill("Phí chứng thực")
    feedback.get_by_label("Nội dung phản ánh, kiến nghị").fill("Bảng phí niêm yết chưa rõ.")
    feedback.get_by_label("Mã xác thực").fill(answer(page))
    feedback.get_by_role("button", name="Gửi").click()
    expect(page.locator(".alert-success")).to_contain_text("PA-")
    code = page.get_by_label("Mã tra cứu").input_value()
    page.goto(f"{live_server.url}/phan-anh-kien-nghi/tra-cuu/")
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("feedback-status")).to_contain_text("Đã tiếp nhận, đang xử lý")
    shot(page, "portal-feedback")

    # The administrative map: the ward's shape opens its page.
    page.get_by_role("link", name="Bản đồ hành chính").click()
    expect(page.get_by_test_id("unit-map")).to_have_attribute("data-ready", "true")
    page.locator("#unit-map path.leaflet-interactive").first.click()
    expect(page).to_have_url(
        f"{live_server.url}/don-vi/{OrgUnit.objects.get(name='Phường Trần Phú').code}/"
    )
    # The one 400 is the refused comment (a page, as it should be); nothing else went wrong.
    assert [e for e in page.console_errors if "400" not in e] == []
