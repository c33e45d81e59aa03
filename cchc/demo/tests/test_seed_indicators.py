"""The demo's indicators: a year of one-stop-shop dossiers for every ward and commune plus the
same period of last year, and the year's directives, loaded once."""

import datetime
import io
import tempfile

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q
from django.test import TestCase, override_settings
from django.utils import timezone

from cchc.demo.indicators import seed_indicators
from cchc.indicators.models import Directive, Dossier
from cchc.orgunits.models import OrgUnit


def start_of(year: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, 1, 1))


@pytest.mark.once  # a whole seeding: test_seed_demo seeds on PostgreSQL
class SeedIndicatorsTests(TestCase):
    output: str
    units: list[OrgUnit]

    @classmethod
    def setUpClass(cls) -> None:
        # Settings first: the demo is loaded once for the class, in setUpTestData.
        media = cls.enterClassContext(tempfile.TemporaryDirectory())
        cls.enterClassContext(override_settings(DEBUG=True, MEDIA_ROOT=media))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        stdout = io.StringIO()
        call_command("seed_demo", "--quiet", stdout=stdout)
        cls.output = stdout.getvalue()
        cls.units = list(OrgUnit.objects.filter(parent__code="436", kind__in=["ward", "commune"]))

    def test_tens_of_thousands_of_dossiers_for_every_unit_last_year_and_this_year(self) -> None:
        total = Dossier.objects.count()
        assert 20_000 <= total <= 80_000
        assert f"Dossiers: {total} (last year and this year)" in self.output
        assert len(self.units) == 15
        this_year = timezone.localdate().year
        per_unit = {
            row["org_unit"]: row
            for row in Dossier.objects.values("org_unit").annotate(
                last=Count("id", filter=Q(received_at__lt=start_of(this_year))),
                this=Count("id", filter=Q(received_at__gte=start_of(this_year))),
            )
        }
        assert set(per_unit) == {unit.pk for unit in self.units}
        assert not Dossier.objects.filter(received_at__lt=start_of(this_year - 1)).exists()
        assert not Dossier.objects.filter(received_at__gt=timezone.now()).exists()
        # Busy central wards and quiet communes: 1,000 to 4,000 a year.
        last_year = sorted(row["last"] for row in per_unit.values())
        assert last_year[0] >= 900 and last_year[-1] <= 4_000
        assert last_year[-1] > 2 * last_year[0]
        today = timezone.localdate()
        if today >= datetime.date(today.year, 1, 8):  # a working day has passed this year
            assert all(row["this"] > 0 for row in per_unit.values())

    def test_the_dossiers_are_plausible(self) -> None:
        dossiers = Dossier.objects.all()
        assert not dossiers.filter(finished_at__lt=F("received_at")).exists()
        assert not dossiers.filter(due_at__lte=F("received_at")).exists()
        assert not dossiers.filter(due_at__isnull=True).exists()
        # Received in office hours on working days (local time).
        assert not dossiers.filter(received_at__week_day__in=[1, 7]).exists()
        assert not dossiers.filter(Q(received_at__hour__lt=7) | Q(received_at__hour__gte=17))
        assert dossiers.values("procedure_code").distinct().count() >= 10
        assert not dossiers.filter(procedure_name="").exists()
        codes = dossiers.filter(org_unit__gso_code="18070").values_list("code", flat=True)
        assert all(code.startswith("H42.436.X18070-") for code in codes[:50])
        statuses = set(dossiers.values_list("status", flat=True).distinct())
        assert statuses == {"open", "finished", "returned", "cancelled"}
        assert not dossiers.filter(status="finished", finished_at__isnull=True).exists()
        assert not dossiers.filter(status="open", finished_at__isnull=False).exists()

    def test_late_dossiers_with_and_without_an_apology_and_some_open_past_due(self) -> None:
        now = timezone.now()
        late = Dossier.objects.filter(finished_at__gt=F("due_at"))
        assert late.filter(apology_issued=True).exists()
        assert late.filter(apology_issued=False).exists()
        with_apology = late.filter(apology_issued=True).count()
        assert 0.6 < with_apology / late.count() < 0.97
        # An apology is dated the (working) day after the due day, never before.
        apologies = Dossier.objects.filter(apology_issued=True)
        assert not apologies.filter(apology_on__isnull=True).exists()
        for due_at, apology_on in apologies.values_list("due_at", "apology_on")[:200]:
            assert due_at is not None and apology_on is not None
            due_day = timezone.localdate(due_at)
            assert due_day < apology_on <= due_day + datetime.timedelta(days=14)
        assert not Dossier.objects.filter(apology_issued=False, apology_on__isnull=False).exists()
        open_past_due = Dossier.objects.filter(
            status="open", finished_at__isnull=True, due_at__lt=now
        )
        assert open_past_due.exists()
        assert open_past_due.count() < 0.01 * Dossier.objects.count()
        # Late rates between 1 and 8 %, lower this year for most units, higher for some.
        this_year = start_of(timezone.localdate().year)
        rows = Dossier.objects.values("org_unit").annotate(
            last=Count("id", filter=Q(received_at__lt=this_year)),
            last_late=Count("id", filter=Q(received_at__lt=this_year, finished_at__gt=F("due_at"))),
            this=Count("id", filter=Q(received_at__gte=this_year)),
            this_late=Count(
                "id", filter=Q(received_at__gte=this_year, finished_at__gt=F("due_at"))
            ),
        )
        rates = [(row["last_late"] / row["last"], row["this_late"] / row["this"]) for row in rows]
        assert all(0.005 < last < 0.1 for last, _ in rates)
        assert sum(1 for last, this in rates if this < last) >= 9
        assert any(this > last for last, this in rates)

    def test_online_share_rises_and_satisfaction_is_rated(self) -> None:
        this_year = start_of(timezone.localdate().year)
        shares = Dossier.objects.aggregate(
            last=Count("id", filter=Q(received_at__lt=this_year)),
            last_online=Count("id", filter=Q(received_at__lt=this_year, channel="online")),
            this=Count("id", filter=Q(received_at__gte=this_year)),
            this_online=Count("id", filter=Q(received_at__gte=this_year, channel="online")),
        )
        last = shares["last_online"] / shares["last"]
        this = shares["this_online"] / shares["this"]
        assert 0.25 < last < this < 0.8
        channels = set(Dossier.objects.values_list("channel", flat=True).distinct())
        assert channels == {"online", "in_person", "post"}
        rated = Dossier.objects.filter(satisfaction__isnull=False)
        bounds = rated.aggregate(low=Min("satisfaction"), high=Max("satisfaction"))
        assert bounds["low"] >= 1 and bounds["high"] <= 5
        finished = Dossier.objects.filter(status="finished").count()
        assert 0.25 < rated.count() / finished < 0.55
        assert rated.filter(satisfaction__gte=4).count() > 0.7 * rated.count()
        assert not rated.exclude(status="finished").exists()

    def test_directives_on_time_late_and_overdue(self) -> None:
        today = timezone.localdate()
        directives = list(Directive.objects.filter(org_unit__in=self.units))
        assert len(directives) >= 40
        assert f"directives: {len(directives)}" in self.output
        states = [directive.state(today) for directive in directives]
        for state in ("done_on_time", "done_late", "overdue"):
            assert state in states, state
        assert states.count("done_on_time") > states.count("done_late")
        numbers = Directive.objects.values("number").annotate(units=Count("org_unit"))
        assert any(row["units"] > 1 for row in numbers)
        assert all(row["number"].endswith("/TB-UBND") for row in numbers)
        for directive in directives:
            assert 15 <= (directive.deadline - directive.issued_on).days <= 60
            assert directive.issued_on <= today
            assert directive.issued_on.weekday() < 5 and directive.deadline.weekday() < 5
            if directive.completed_on is not None:
                assert directive.issued_on <= directive.completed_on <= today

    def test_running_it_again_adds_nothing(self) -> None:
        before = (Dossier.objects.count(), Directive.objects.count())
        stdout = io.StringIO()
        call_command("seed_demo", "--quiet", stdout=stdout)
        assert (Dossier.objects.count(), Directive.objects.count()) == before
        assert "The demo is already loaded" in stdout.getvalue()
        # A database loaded before the demo marked its load is completed step by step: this
        # step then reads what is there and adds nothing.
        assert seed_indicators(city=OrgUnit.objects.get(code="436"))["line"] == (
            f"Dossiers: {before[0]} (last year and this year) · directives: {before[1]} "
            "(already loaded)"
        )
