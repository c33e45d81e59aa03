"""Which round a dashboard opens on: found walking the demo, the province's office opened
its overview on a city's newer round instead of the province's own."""

import datetime

from django.utils import timezone

from cchc.accounts.models import User
from cchc.accounts.services import membership_add, user_create
from cchc.analytics.pages import Params, _chosen_round, progress_page
from cchc.assessments.models import Round
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, make_round
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.services import org_unit_create


def published(round_: Round, year: int) -> Round:
    Round.objects.filter(pk=round_.pk).update(
        status=Round.Status.PUBLISHED, published_at=timezone.now(), year=year
    )
    return Round.objects.get(pk=round_.pk)


class DefaultRoundTests(BaseTestCase):
    def test_the_overview_opens_on_the_readers_own_units_round(self):
        cast = self.cast
        framework = make_framework(cast.province, text=ROUND_FRAMEWORK, publish=True, name="Tỉnh")
        start = datetime.date(2025, 6, 1)
        province_round = round_advance(
            actor=None,
            round_=round_create(
                actor=None,
                framework=framework,
                organiser=cast.province,
                period=Round.Period.ANNUAL,
                year=2025,
                units=[cast.ward_a],
                self_assessment_due_on=start + datetime.timedelta(days=30),
                appraisal_due_on=start + datetime.timedelta(days=45),
                appeals_due_on=start + datetime.timedelta(days=60),
            ),
        )
        province_round = published(province_round, 2025)
        city_round = published(make_round(cast), 2026)  # newer
        officer = user_create(actor=None, username="noivu.tinh", password=TEST_PASSWORD)
        membership_add(actor=None, user=officer, role=Role.HOME_AFFAIRS, org_unit=cast.province)
        officer = User.objects.get(pk=officer.pk)
        assert _chosen_round(officer, Params()) == province_round
        home_affairs = User.objects.get(pk=cast.users["home_affairs"].pk)
        assert _chosen_round(home_affairs, Params()) == city_round


class DefaultProgressRoundTests(BaseTestCase):
    def test_progress_opens_on_the_readers_own_round_before_an_open_one_above_them(self):
        """Once the city's round was published, the city's office and leader opened the
        progress page on the province's open round: none of its units theirs, every count 0,
        "no unit at this step"."""
        cast = self.cast
        commune = org_unit_create(
            actor=None, code="X99001", name="Xã Ngoài", kind="commune", parent=cast.province
        )
        framework = make_framework(cast.province, text=ROUND_FRAMEWORK, publish=True, name="Tỉnh")
        due = timezone.localdate() + datetime.timedelta(days=20)
        province_round = round_advance(
            actor=None,
            round_=round_create(
                actor=None,
                framework=framework,
                organiser=cast.province,
                period=Round.Period.ANNUAL,
                year=2026,
                units=[commune],
                self_assessment_due_on=due,
                appraisal_due_on=due + datetime.timedelta(days=15),
                appeals_due_on=due + datetime.timedelta(days=30),
            ),
        )
        assert province_round.status == Round.Status.OPEN
        city_round = published(make_round(cast), 2026)
        for persona in ("home_affairs", "leader"):
            reader = User.objects.get(pk=cast.users[persona].pk)
            assert progress_page(reader, Params())["round"] == city_round, persona
        officer = user_create(actor=None, username="noivu.tinh", password=TEST_PASSWORD)
        membership_add(actor=None, user=officer, role=Role.HOME_AFFAIRS, org_unit=cast.province)
        officer = User.objects.get(pk=officer.pk)
        assert progress_page(officer, Params())["round"] == province_round
