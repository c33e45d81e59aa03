"""Issue 17 item 20: in the demo (DEBUG on) a record not yours to see is CCHC's own page in
Vietnamese, not Django's English debug page listing the project's URLs."""

from django.test import override_settings
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.frameworks.tests.factories import make_framework

DEBUG_PAGE_WORDS = ("Page not found", "Using the URLconf", "technical_404", "Django")


@override_settings(DEBUG=True)
class RefusalPagesInDevelopmentTests(BaseTestCase):
    def test_a_record_not_yours_to_see_is_cchcs_404_page_in_vietnamese(self) -> None:
        draft = make_framework(self.cast.city, name="Bản nháp")
        self.login("leader")
        response = self.client.get(reverse("frameworks:framework_detail", args=[draft.pk]))
        assert response.status_code == 404
        page = response.content.decode()
        assert "Trang này không tồn tại" in page
        assert "Không tìm thấy trang" in page
        for words in DEBUG_PAGE_WORDS:
            assert words not in page, words

    def test_a_page_not_for_your_role_is_cchcs_403_page_in_vietnamese(self) -> None:
        self.login("leader")
        response = self.client.get(reverse("frameworks:framework_import"))
        assert response.status_code == 403
        page = response.content.decode()
        assert "Bạn không có quyền truy cập trang này" in page
        for words in DEBUG_PAGE_WORDS:
            assert words not in page, words

    def test_an_unknown_address_is_cchcs_404_page_in_development_too(self) -> None:
        # A mistyped portal link, as an anonymous visitor of the demo would meet it.
        response = self.client.get("/khong-ton-tai/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Trang này không tồn tại" in page
        for words in DEBUG_PAGE_WORDS:
            assert words not in page, words

    def test_a_developer_may_ask_for_djangos_list_of_urls(self) -> None:
        self.login("leader")
        with self.settings(TECHNICAL_404=True):
            response = self.client.get("/app/no-such-page/")
        assert response.status_code == 404
        assert "Using the URLconf" in response.content.decode()


class RefusalPagesInProductionTests(BaseTestCase):
    def test_a_record_not_yours_to_see_is_the_same_page(self) -> None:
        draft = make_framework(self.cast.city, name="Bản nháp")
        self.login("leader")
        response = self.client.get(reverse("frameworks:framework_detail", args=[draft.pk]))
        assert response.status_code == 404
        assert "Trang này không tồn tại" in response.content.decode()

    def test_an_address_that_receives_a_form_opened_in_the_browser_says_so(self) -> None:
        # Found walking the demo: the portal's rating address, opened, was a blank white page.
        url = reverse("portal:rate", args=["unit", self.cast.ward_a.pk])
        browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        response = self.client.get(url, headers=browser)
        assert response.status_code == 405 and "POST" in response["Allow"]
        page = response.content.decode()
        assert 'data-testid="method-not-allowed"' in page
        assert "Địa chỉ này chỉ dùng để gửi biểu mẫu" in page
        # A form posted the wrong way elsewhere keeps Django's bare answer, and so does the API.
        posted = self.client.post("/app/health/")  # the benchmarks' empty POST, unchanged
        assert (posted.status_code, posted.content) == (405, b"")
        api = self.client.get("/api/v1/dossiers/batch", headers={"Accept": "application/json"})
        assert api.status_code == 405 and b"method-not-allowed" not in api.content
        assert self.client.get(url).content == b""  # a program asking for anything: bare


class RefusalPageFrameTests(BaseTestCase):
    """Found walking the demo: a citizen's mistyped portal link was a page of the officials'
    work space whose only way on, "Quay lại trang Tổng quan", led to the officials' sign-in."""

    def test_a_visitor_meets_the_refusal_in_the_portal_and_is_sent_back_to_it(self) -> None:
        response = self.client.get("/khong-ton-tai/")
        assert response.status_code == 404
        page = response.content.decode()
        assert 'data-testid="portal-nav"' in page  # the portal's own menu
        assert "Về trang chủ cổng thông tin" in page
        back = page.split('data-testid="back-home"')[0].rsplit("<a", 1)[1]
        assert f'href="{reverse("portal:home")}"' in back
        assert "Quay lại trang Tổng quan" not in page
        assert response.context["portal"].site_name in page  # the portal's name and foot

    def test_a_form_address_opened_by_a_visitor_is_framed_by_the_portal_too(self) -> None:
        url = reverse("portal:rate", args=["unit", self.cast.ward_a.pk])
        response = self.client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 405
        page = response.content.decode()
        assert 'data-testid="method-not-allowed"' in page
        assert 'data-testid="portal-nav"' in page
        assert "Về trang chủ cổng thông tin" in page

    def test_someone_signed_in_stays_in_the_work_space(self) -> None:
        self.login("leader")
        response = self.client.get("/khong-ton-tai/")
        assert response.status_code == 404
        page = response.content.decode()
        assert 'data-testid="portal-nav"' not in page
        back = page.split('data-testid="back-home"')[0].rsplit("<a", 1)[1]
        assert f'href="{reverse("core:home")}"' in back
        assert "Quay lại trang Tổng quan" in page


class BusyDatabaseTests(BaseTestCase):
    def test_a_login_while_an_import_holds_the_database_is_told_to_retry_not_a_500(self):
        """A login during a 150,000-row import waited past SQLite's busy timeout: a bare 500
        (a new-user walk). It says the system is busy, and when to try again."""
        from unittest import mock

        from django.db import OperationalError

        from cchc.core.testing import TEST_PASSWORD

        client = self.client_class(raise_request_exception=False)
        with mock.patch(
            "django.contrib.sessions.backends.db.SessionStore.save",
            side_effect=OperationalError("database is locked"),
        ):
            response = client.post(
                reverse("accounts:login"), {"username": "leader", "password": TEST_PASSWORD}
            )
        assert response.status_code == 503 and response["Retry-After"] == "30"
        page = response.content.decode()
        assert "Hệ thống đang bận" in page and "thử lại sau 30 giây" in page
        assert f'href="{reverse("accounts:login")}"' in page  # try again: the same page
        # An address that would be another site's as a link ("//elsewhere/") is not one.
        from django.test import RequestFactory

        from cchc.core.views import server_error

        request = RequestFactory().get("/x")
        request.path = "//khac.example/x"  # as a server hands such a request on
        try:
            raise OperationalError("database is locked")
        except OperationalError:
            busy = server_error(request)
        assert busy.status_code == 503 and 'href="/khac.example/x"' in busy.content.decode()
        with mock.patch(
            "django.contrib.sessions.backends.db.SessionStore.save",
            side_effect=OperationalError("no such table: x"),
        ):
            other = client.post(
                reverse("accounts:login"), {"username": "leader", "password": TEST_PASSWORD}
            )
        assert other.status_code == 500
