"""Guessing and robots behind the documented proxy: the login lockout counts by username and
the client's real address (the one function that decides it), so nobody locks someone
else's account; the verification code cannot be read by a generic script and anonymous
requests cannot fill the database with codes; a feedback code cannot be looked up without
limit, and a lookup shows only what may be shown."""

import re
from typing import Any

from captcha.models import CaptchaStore
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cchc.core.addresses import client_address
from cchc.core.testing import TEST_PASSWORD, BaseTestCase

PROXY = "10.0.0.1"  # the proxy the application sees every request come from
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.9"


def through_proxy(client_ip: str, forged: str = "") -> dict[str, str]:
    """What a request looks like behind one proxy that appends the client's address."""
    forwarded = f"{forged}, {client_ip}" if forged else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@override_settings(TRUSTED_PROXY_HOPS=1, AXES_FAILURE_LIMIT=5)
class LoginLockoutBehindProxyTests(BaseTestCase):
    url = reverse("accounts:login")

    def attempt(self, client_ip: str, password: str, forged: str = ""):
        headers: Any = through_proxy(client_ip, forged)
        return self.client_class(**headers).post(
            self.url, {"username": "ward_chair", "password": password}
        )

    def test_failures_from_one_client_lock_that_client_not_the_user_everywhere(self):
        statuses = [self.attempt(CLIENT_A, "wrong").status_code for _n in range(5)]
        assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
        # The real user, from another address behind the same proxy, still gets in.
        assert self.attempt(CLIENT_B, TEST_PASSWORD).status_code == 302
        # The guesser is locked out, even with the right password.
        locked = self.attempt(CLIENT_A, TEST_PASSWORD)
        assert locked.status_code == 429
        assert 'data-testid="locked-out"' in locked.content.decode()

    def test_a_forged_forwarded_address_does_not_lock_its_owner(self):
        # The guesser writes B's address into X-Forwarded-For; the proxy appends A's own.
        for _n in range(5):
            self.attempt(CLIENT_A, "wrong", forged=CLIENT_B)
        assert self.attempt(CLIENT_B, TEST_PASSWORD).status_code == 302
        assert self.attempt(CLIENT_A, TEST_PASSWORD, forged=CLIENT_B).status_code == 429

    def test_the_lockout_and_the_portal_read_the_address_from_one_function(self):
        from axes.helpers import get_client_ip_address

        from cchc.portal import visitors

        request = RequestFactory().get("/", **through_proxy(CLIENT_A, forged=CLIENT_B))
        assert settings.AXES_CLIENT_IP_CALLABLE == "cchc.core.addresses.client_address"
        assert get_client_ip_address(request) == client_address(request) == CLIENT_A
        assert visitors.client_address is client_address


def feedback(**fields):
    from cchc.portal import services

    return services.feedback_submit(
        name="Hoàng Văn D",
        contact="0912345678",
        org_unit=fields.pop("org_unit"),
        subject="Thủ tục chứng thực",
        text="Niêm yết chưa rõ phí chứng thực.",
        address=fields.pop("address", "hash-of-someone"),
    )


class FeedbackLookupTests(BaseTestCase):
    url = reverse("portal:feedback_lookup")

    def test_lookups_from_one_address_are_limited_with_a_vietnamese_429(self):
        from cchc.portal.services import LOOKUPS_PER_WINDOW

        known = feedback(org_unit=self.cast.ward_a)
        guesser = self.client_class(REMOTE_ADDR=CLIENT_A)
        statuses = [
            guesser.get(self.url, {"code": f"PA-GUESS{n:03d}"}).status_code
            for n in range(LOOKUPS_PER_WINDOW)
        ]
        assert statuses == [200] * LOOKUPS_PER_WINDOW
        refused = guesser.get(self.url, {"code": known.code})
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 600
        page = refused.content.decode()
        assert "Bạn đã tra cứu quá nhiều lần" in page and known.subject not in page
        # Another address is not held back by the guesser, and the page without a code is
        # still there for the guesser.
        other = self.client_class(REMOTE_ADDR=CLIENT_B).get(self.url, {"code": known.code})
        assert other.status_code == 200 and known.subject in other.content.decode()
        assert guesser.get(self.url).status_code == 200

    @override_settings(TRUSTED_PROXY_HOPS=1)
    def test_behind_the_proxy_each_client_has_its_own_limit(self):
        from cchc.portal.services import LOOKUPS_PER_WINDOW

        guesser = self.client_class(**through_proxy(CLIENT_A))
        for n in range(LOOKUPS_PER_WINDOW):
            guesser.get(self.url, {"code": f"PA-GUESS{n:03d}"})
        assert guesser.get(self.url, {"code": "PA-ONEMORE"}).status_code == 429
        neighbour = self.client_class(**through_proxy(CLIENT_B))
        assert neighbour.get(self.url, {"code": "PA-MINE"}).status_code == 200

    def test_the_code_holder_reads_the_answer_published_or_not_everyone_only_once_published(self):
        from cchc.portal import services

        item = feedback(org_unit=self.cast.ward_a)
        services.feedback_answer(
            actor=self.ward_officer,
            feedback=item,
            answer="Trả lời nội bộ, chưa công khai.",
            publish=False,
        )
        # The ward is told the citizen reads it with the code: so they do (it reached nobody).
        page = self.client.get(self.url, {"code": item.code}).content.decode()
        assert "Đã trả lời" in page and 'data-testid="feedback-answer"' in page
        assert "Trả lời nội bộ, chưa công khai." in page
        listed = self.client.get(reverse("portal:feedback_answers")).content.decode()
        assert "Trả lời nội bộ, chưa công khai." not in listed and item.subject not in listed
        services.feedback_answer(
            actor=self.ward_officer, feedback=item, answer="Đã niêm yết bổ sung.", publish=True
        )
        page = self.client.get(self.url, {"code": item.code}).content.decode()
        assert "Đã niêm yết bổ sung." in page
        listed = self.client.get(reverse("portal:feedback_answers")).content.decode()
        assert "Đã niêm yết bổ sung." in listed


def spelled_letters(question: str) -> str:
    """Read a spelled-out code back as a person would, with the table of letter names."""
    from cchc.portal.codes import NAMES

    spoken = question.split(":", 1)[1].split(".", 1)[0]
    by_name = {name: letter for letter, name in NAMES["vi"].items()}
    return "".join(by_name[part.strip()] for part in spoken.split(","))


class VerificationCodeTests(BaseTestCase):
    url = reverse("portal:captcha")

    def test_the_text_alternative_spells_the_letters_and_holds_no_sum(self):
        html = self.client.get(self.url, {"text": "1"}).content.decode()
        key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
        code = CaptchaStore.objects.get(hashkey=key)
        question = re.search(r'data-testid="captcha-question">([^<]+)<', html).group(1)
        # The same kind of code as the image (letters), spelled one by one: no digits, no sum
        # for a generic solver to work out, and not the answer itself written out.
        assert re.fullmatch(r"[a-z]{5}", code.response)
        assert not re.search(r"\d|cộng|trừ|nhân|bằng bao nhiêu", question)
        assert code.response not in question.lower().replace(" ", "").replace(",", "")
        assert spelled_letters(question) == code.response.upper()

    def test_many_requests_for_codes_make_few_rows(self):
        from cchc.portal.services import CODES_PER_WINDOW

        robot = self.client_class(REMOTE_ADDR=CLIENT_A)
        statuses = [robot.get(self.url).status_code for _n in range(300)]
        assert statuses.count(200) == CODES_PER_WINDOW
        assert CaptchaStore.objects.count() == CODES_PER_WINDOW
        refused = robot.get(self.url, {"text": "1"})
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "quá nhiều mã xác thực" in refused.content.decode()
        # The page's own "show the code" link (?ma=1) counts the same way.
        page = robot.get(reverse("portal:feedback"), {"ma": "1"}).content.decode()
        assert "quá nhiều mã xác thực" in page and CaptchaStore.objects.count() == CODES_PER_WINDOW
        # A person at another address still gets a code.
        person = self.client_class(REMOTE_ADDR=CLIENT_B).get(self.url)
        assert person.status_code == 200 and CaptchaStore.objects.count() == CODES_PER_WINDOW + 1

    def test_expired_codes_are_deleted_as_new_ones_are_made(self):
        import datetime

        from django.utils import timezone

        stale = CaptchaStore.objects.create(challenge="ABCDE", response="abcde")
        CaptchaStore.objects.filter(pk=stale.pk).update(
            expiration=timezone.now() - datetime.timedelta(minutes=1)
        )
        assert self.client.get(self.url).status_code == 200
        assert not CaptchaStore.objects.filter(pk=stale.pk).exists()
        assert CaptchaStore.objects.count() == 1


def test_counted_requests_leave_no_address_hash_after_a_day(db):
    import datetime

    import time_machine
    from django.utils import timezone

    from cchc.portal import services
    from cchc.portal.models import CountedRequest
    from cchc.portal.visitors import BUFFER

    services.request_count(
        kind=CountedRequest.Kind.LOOKUP, address="a-hash", limit=5, message="too many"
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        BUFFER.purged = None
        BUFFER.count("home", "someone")
        BUFFER.flush()
    assert not CountedRequest.objects.exists()
