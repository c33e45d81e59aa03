"""E-mail addresses: a user sets their own, a keeper the address of a user they keep; the
address is checked (in Vietnamese), audited, and where notifications are e-mailed."""

from django.urls import reverse

from cchc.accounts.models import User
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase


class EmailAddressTests(BaseTestCase):
    def test_a_user_sets_their_own_address_and_it_is_audited(self):
        self.login("ward_officer")
        page = self.client.get(reverse("accounts:profile")).content.decode()
        assert 'data-testid="email-form"' in page
        response = self.client.post(
            reverse("accounts:profile_email"), {"email": " Canbo@HaTinh.gov.vn "}, follow=True
        )
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email == "Canbo@hatinh.gov.vn"
        assert "Đã lưu địa chỉ thư điện tử" in response.content.decode()
        event = AuditEvent.objects.get(action="user.set_email")
        assert event.after == {"email": "Canbo@hatinh.gov.vn"}

    def test_an_address_that_is_not_one_is_refused_in_vietnamese_and_nothing_changes(self):
        User.objects.filter(pk=self.ward_officer.pk).update(email="cu@example.gov.vn")
        self.login("ward_officer")
        response = self.client.post(
            reverse("accounts:profile_email"), {"email": "không phải thư"}, follow=True
        )
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email == "cu@example.gov.vn"
        assert "ten@hatinh.gov.vn" in response.content.decode()
        assert not AuditEvent.objects.filter(action="user.set_email").exists()

    def test_an_empty_address_means_notifications_only_in_cchc(self):
        User.objects.filter(pk=self.ward_officer.pk).update(email="cu@example.gov.vn")
        self.login("ward_officer")
        self.client.post(reverse("accounts:profile_email"), {"email": ""})
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email == ""

    def test_a_keeper_sets_the_address_of_a_user_they_keep_and_not_of_others(self):
        self.login("home_affairs")
        page = self.client.get(reverse("accounts:user_detail", args=[self.ward_officer.pk]))
        assert 'data-testid="user-email-form"' in page.content.decode()
        self.client.post(
            reverse("accounts:user_email", args=[self.ward_officer.pk]),
            {"email": "canbo.tranphu@hatinh.gov.vn"},
        )
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email == "canbo.tranphu@hatinh.gov.vn"
        # The administrator's role is in the province, outside the city: hidden.
        response = self.client.post(
            reverse("accounts:user_email", args=[self.admin.pk]), {"email": "x@example.gov.vn"}
        )
        assert response.status_code == 404
        self.admin.refresh_from_db()
        assert self.admin.email != "x@example.gov.vn"
        # A ward officer keeps nobody.
        self.login("outsider")
        response = self.client.post(
            reverse("accounts:user_email", args=[self.ward_officer.pk]), {"email": "y@a.vn"}
        )
        assert response.status_code == 403


def test_a_production_without_site_url_is_warned_by_check_deploy(settings):
    from cchc.core.links import absolute_url, check_site_url

    settings.SITE_URL = ""
    assert [message.id for message in check_site_url(None)] == ["cchc.W001"]
    assert absolute_url("/rounds/") == "/rounds/"
    settings.SITE_URL = "https://cchc.hatinh.gov.vn/"
    assert check_site_url(None) == []
    assert absolute_url("/rounds/") == "https://cchc.hatinh.gov.vn/rounds/"
    assert absolute_url("https://elsewhere.vn/x") == "https://elsewhere.vn/x"
