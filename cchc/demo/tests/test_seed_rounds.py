"""The demo's published rounds keep the rules a real round keeps, whenever it is seeded."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from cchc.assessments.models import Round

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
@time_machine.travel(datetime.datetime(2027, 3, 2, 3, 0, tzinfo=datetime.UTC))
@pytest.mark.once  # a whole seeding: test_seed_demo seeds on PostgreSQL
def test_seeded_early_in_the_year_the_six_month_round_is_published_after_its_appeals():
    """Seeded on 02/03/2027, this year's 6-month round (due 10/07) cannot be finalised before
    its appeals deadline: the demo moves its schedule into the past instead."""
    call_command("seed_demo", "--quiet")
    h1 = Round.objects.get(year=2027, period=Round.Period.H1)
    assert h1.status == Round.Status.PUBLISHED
    today = datetime.date(2027, 3, 2)
    assert h1.self_assessment_due_on < h1.appraisal_due_on < h1.appeals_due_on < today
    assert h1.decision_date is not None and h1.appeals_due_on < h1.decision_date <= today
    for earlier in Round.objects.filter(status=Round.Status.PUBLISHED):
        assert earlier.appeals_due_on < today
    assert Round.objects.get(year=2027, period=Round.Period.M9).status == Round.Status.OPEN
