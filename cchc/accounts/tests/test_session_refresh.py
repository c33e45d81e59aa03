"""A session in use stays alive without being written on every request (issue 18, item 6):
written again at most every 5 minutes, it still ends 8 hours after its last request."""

import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.accounts.middleware import SESSION_REFRESH_SECONDS
from cchc.core.testing import BaseTestCase

START = datetime.datetime(2026, 9, 7, 7, 30, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


class SessionRefreshTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("core:home")

    def signed_in(self) -> bool:
        response = self.client.get(self.url)
        return response.status_code == 200

    def session_writes(self) -> int:
        """Get the home page; return how many times the session row was written."""
        with CaptureQueriesContext(connection) as queries:
            assert self.client.get(self.url).status_code == 200
        return sum(1 for query in queries if 'UPDATE "django_session"' in query["sql"])

    def test_a_session_is_written_at_most_every_few_minutes(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.login("ward_officer")
            assert self.session_writes() == 1  # the first request after signing in
            for _n in range(4):
                traveller.shift(MINUTE)
                assert self.session_writes() == 0
            traveller.shift(datetime.timedelta(seconds=SESSION_REFRESH_SECONDS) - 3 * MINUTE)
            assert self.session_writes() == 1  # 5 minutes after the last write
            assert self.session_writes() == 0

    def test_active_use_keeps_the_session_all_day(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.login("ward_officer")
            for _n in range(10 * 60 // 4):  # a request every 4 minutes for 10 hours
                assert self.signed_in()
                traveller.shift(4 * MINUTE)
            assert self.signed_in()

    def test_eight_hours_idle_end_the_session(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.login("ward_officer")
            assert self.signed_in()
            traveller.shift(8 * 60 * MINUTE + datetime.timedelta(seconds=1))
            assert not self.signed_in()

    def test_a_session_ends_between_7_h_55_and_8_h_after_its_last_request(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.login("ward_officer")
            assert self.signed_in()  # written: it expires at 8 h
            traveller.shift(4 * MINUTE)
            assert self.signed_in()  # not written: the last write was 4 minutes ago
            traveller.shift(7 * 60 * MINUTE + 55 * MINUTE)
            assert self.signed_in()  # 7 h 55 idle: still there (and written again)
            traveller.shift(8 * 60 * MINUTE)
            assert not self.signed_in()  # 8 h idle: gone

    def test_the_last_request_not_written_still_ends_it_within_8_h(self):
        with time_machine.travel(START, tick=False) as traveller:
            self.login("ward_officer")
            assert self.signed_in()  # written at 0
            traveller.shift(4 * MINUTE)
            assert self.signed_in()  # not written
            traveller.shift(8 * 60 * MINUTE - 4 * MINUTE)  # 7 h 56 after it, 8 h after the write
            assert not self.signed_in()

    def test_a_visitor_is_given_no_session(self):
        response = self.client.get(reverse("accounts:login"))
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
