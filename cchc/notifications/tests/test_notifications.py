import datetime

import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cchc.accounts.models import User
from cchc.assessments.services import assessment_return, assessment_submit
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import BaseTestCase
from cchc.notifications.models import Notification
from cchc.notifications.services import Message, notify, notify_all


class RoundNoticeTests(BaseTestCase):
    def setUp(self):
        User.objects.filter(username="ward_officer").update(email="canbo@example.gov.vn")

    def test_opening_a_round_tells_each_unit_in_its_language_and_by_email(self):
        User.objects.filter(username="ward_chair").update(language="en")
        with self.captureOnCommitCallbacks(execute=True):
            round_ = make_round(self.cast)
        officer_note = Notification.objects.get(user=self.ward_officer)
        chair_note = Notification.objects.get(user=self.ward_chair)
        assert officer_note.title == "Đợt 6 tháng năm 2026 đã mở"
        assert "is open" in chair_note.title
        assert officer_note.url == assessment_of(round_, self.cast.ward_a).get_absolute_url()
        assert not Notification.objects.filter(user=self.home_affairs).exists()
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["canbo@example.gov.vn"]

    def test_the_link_in_an_email_is_absolute_from_the_site_url(self):
        with (
            self.settings(SITE_URL="https://cchc.hatinh.gov.vn"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            round_ = make_round(self.cast)
        path = assessment_of(round_, self.cast.ward_a).get_absolute_url()
        (message,) = mail.outbox
        assert message.body.endswith(f"https://cchc.hatinh.gov.vn{path}")
        assert f"\n{path}" not in message.body

    def test_a_returned_assessment_tells_the_unit_why(self):
        round_ = make_round(self.cast)
        assessment = assessment_of(round_, self.cast.ward_a)
        fill(assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=assessment)
        assessment_return(actor=self.home_affairs, assessment=assessment, reason="Thiếu kế hoạch.")
        note = Notification.objects.get(user=self.ward_officer, kind=Notification.Kind.RETURNED)
        assert note.body == "Thiếu kế hoạch."

    def test_reminders_go_three_days_and_one_day_before_the_deadline_once_each(self):
        round_ = make_round(self.cast, due=datetime.date(2026, 7, 10))
        due = assessment_of(round_, self.cast.ward_a).due_on
        with time_machine.travel(datetime.datetime(2026, 7, 7, 8, 0, tzinfo=datetime.UTC)):
            call_command("send_reminders", stdout=__import__("io").StringIO())
            call_command("send_reminders", stdout=__import__("io").StringIO())
        with time_machine.travel(datetime.datetime(2026, 7, 9, 8, 0, tzinfo=datetime.UTC)):
            call_command("send_reminders", stdout=__import__("io").StringIO())
        reminders = Notification.objects.filter(
            user=self.ward_officer, kind=Notification.Kind.DEADLINE_SOON
        )
        assert due == datetime.date(2026, 7, 10)
        assert reminders.count() == 2
        # Ward B's people are reminded too, ward A's submitted unit is not reminded again.
        assert (
            Notification.objects.filter(
                user=self.outsider, kind=Notification.Kind.DEADLINE_SOON
            ).count()
            == 2
        )


class NotifyAllTests(BaseTestCase):
    """Opening a province's round told each of its people with a query, a savepoint and an
    INSERT, inside the round's transaction: a country's round, some 40,000 statements."""

    def people(self, n, email=""):
        first = User.objects.count()
        return [
            User.objects.create_user(
                username=f"p{first + i}", password="x", email=email, language="vi"
            )
            for i in range(n)
        ]

    def send(self, users, key="k"):
        return notify_all(
            [
                Message(
                    users,
                    Notification.Kind.ROUND_OPENED,
                    lambda u: ("Tiêu đề", u.username),
                    "/x/",
                    key,
                )
            ]
        )

    def test_the_statements_do_not_grow_with_the_people_told(self):
        few, many = self.people(2), self.people(40)[2:]
        with self.assertNumQueries(4):  # sent already? · the INSERT, in a savepoint
            self.send(few)
        with self.assertNumQueries(4):
            self.send(many)
        assert Notification.objects.filter(dedupe_key="k").count() == 40
        with self.assertNumQueries(1):  # all told already: the one read, nothing written
            assert self.send(many) == []

    def test_a_key_is_sent_once_to_each_even_twice_in_one_call(self):
        users = self.people(3)
        self.send(users[:2])
        written = notify_all(
            [
                Message(users, Notification.Kind.ROUND_OPENED, lambda u: ("a", "b"), "", "k"),
                Message(users, Notification.Kind.ROUND_OPENED, lambda u: ("a", "b"), "", "k"),
            ]
        )
        assert [n.user for n in written] == [users[2]]
        assert Notification.objects.filter(dedupe_key="k").count() == 3
        # Without a key, every call tells again.
        notify_all([Message(users, Notification.Kind.ROUND_OPENED, lambda u: ("a", "b"))] * 2)
        assert Notification.objects.filter(dedupe_key="").count() == 6

    def test_only_the_new_notices_of_people_with_an_address_are_emailed(self):
        mailed, silent = self.people(2, email="x@example.gov.vn"), self.people(1)
        with self.captureOnCommitCallbacks(execute=True):
            self.send(mailed[:1])
        assert len(mail.outbox) == 1
        with self.captureOnCommitCallbacks(execute=True):
            self.send([*mailed, *silent])  # the first was told already
            notify(users=mailed[:1], kind="round_opened", compose=lambda u: ("a", "b"))
        assert len(mail.outbox) == 3
        assert Notification.objects.filter(user=silent[0], emailed_at__isnull=True).exists()


class InboxTests(BaseTestCase):
    def test_i_see_only_my_own_notifications_and_can_mark_them_read(self):
        make_round(self.cast)
        self.login("ward_officer")
        response = self.client.get(reverse("notifications:inbox"))
        items = list(response.context["page"].object_list)
        assert items and all(item.user_id == self.ward_officer.pk for item in items)
        self.client.post(reverse("notifications:inbox_read"))
        assert not Notification.objects.filter(
            user=self.ward_officer, read_at__isnull=True
        ).exists()
        assert Notification.objects.filter(user=self.outsider, read_at__isnull=True).exists()

    def test_the_inbox_query_count_does_not_grow_with_notifications(self):
        make_round(self.cast)
        self.login("ward_officer")
        # session, user, memberships, count, page, session save ×3
        with self.assertNumQueries(8):
            self.client.get(reverse("notifications:inbox"))

    def test_unread_notifications_come_first_on_the_home_page(self):
        make_round(self.cast)
        self.login("ward_officer")
        response = self.client.get(reverse("core:home"))
        assert response.context["panels"][0].key == "inbox"
