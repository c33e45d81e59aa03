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
    expect(page.locator(".alert-success")).to_contain_text("PA\u2011")  # unbroken
    code = page.get_by_label("Mã tra cứu").input_value()
    page.goto(f"{live_server.url}/phan-anh-kien-nghi/tra-cuu/")
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("feedback-status")).to_contain_text("Đã tiếp nhận, đang xử lý")
    shot(page, "portal-feedback")

    # The administrative map: the ward's shape opens its page.
    page.get_by_role("link", name="Bản đồ hành chính").click()
    expect(page.get_by_test_id("unit-map")).to_have_attribute("data-ready", "true")
    # Each shape carries its unit's name (the squares were nameless; nothing hovers on a phone).
    shapes = page.locator("#unit-map path.leaflet-interactive")
    expect(page.locator("#unit-map .unit-map-label")).to_have_count(shapes.count())
    expect(page.locator("#unit-map .unit-map-label").first).to_contain_text("Phường Trần Phú")
    page.locator("#unit-map path.leaflet-interactive").first.click()
    expect(page).to_have_url(
        f"{live_server.url}/don-vi/{OrgUnit.objects.get(name='Phường Trần Phú').code}/"
    )
    # The one 400 is the refused comment (a page, as it should be); nothing else went wrong.
    assert [e for e in page.console_errors if "400" not in e] == []


def test_an_editor_writes_the_body_as_a_page_not_as_html(page, live_server, article):
    """The body was a bare textarea of HTML ("<p>…</p>") for communications staff who do not
    write HTML: it is written as a page, with headings, bold and lists from a toolbar; the
    HTML is still there under "HTML" (and without JavaScript)."""
    log_in(page, live_server, "portal_editor")
    page.goto(f"{live_server.url}/editor/articles/{article.pk}/")
    area = page.get_by_test_id("richtext-area")
    expect(area).to_contain_text("Đã giảm từ 03 cuộc kiểm tra")  # the stored body, as a page
    expect(page.locator("#id_body")).to_be_hidden()
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Kết quả nổi bật")
    page.keyboard.press("Home")
    page.get_by_role("button", name="Tiêu đề", exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Danh sách", exact=True).click()
    page.keyboard.type("Một cửa")
    page.keyboard.down("Shift")
    page.keyboard.press("Home")
    page.keyboard.up("Shift")
    page.get_by_role("button", name="Chữ đậm").click()
    shot(page, "editor-richtext")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    article.refresh_from_db()
    assert "<h2>Kết quả nổi bật</h2>" in article.body, article.body
    assert "<ul><li><b>Một cửa</b></li></ul>" in article.body, article.body
    assert "<p>Đã giảm từ 03 cuộc kiểm tra xuống còn 01 cuộc kiểm tra.</p>" in article.body
    # The source, for who wants it; the formatting buttons wait meanwhile (they acted on the
    # hidden page and wrote it over the source being edited).
    page.get_by_role("button", name="HTML").click()
    expect(page.locator("#id_body")).to_be_visible()
    assert "<h2>Kết quả nổi bật</h2>" in page.locator("#id_body").input_value()
    expect(page.get_by_role("button", name="Chữ đậm")).to_be_disabled()
    page.locator("#id_body").fill("<p>Viết tay</p>")
    page.get_by_role("button", name="HTML").click()
    expect(page.get_by_test_id("richtext-area")).to_have_text("Viết tay")
    expect(page.get_by_role("button", name="Chữ đậm")).to_be_enabled()
    assert page.console_errors == []


def test_a_hostile_body_sent_back_with_a_form_error_does_nothing_in_the_editor(
    page, live_server, article
):
    log_in(page, live_server, "portal_editor")
    page.goto(f"{live_server.url}/editor/articles/{article.pk}/")
    page.get_by_role("button", name="HTML").click()
    page.locator("#id_body").fill(
        '<p onclick="document.title=1">x</p><a href="javascript:alert(1)">y</a><script>1</script>'
    )
    # No title: refused by the server (the browser's own check set aside), the page comes back
    # with the body as typed.
    page.locator("#id_title").fill("")
    page.evaluate("document.querySelector('#id_title').removeAttribute('required')")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    area = page.get_by_test_id("richtext-area")
    expect(area.locator("a")).to_have_text("y")
    html = area.inner_html()
    assert "onclick" not in html and "javascript:" not in html and "<script" not in html, html
    # Nothing ran or was refused by the page's policy (the refused form's own 400 aside).
    assert [e for e in page.console_errors if "status of 400" not in e] == []
