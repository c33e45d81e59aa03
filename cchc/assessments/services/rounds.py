"""Rounds: open, move through their states (one function decides), extend deadlines, publish."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments.models import Appeal, Assessment, Round, Score
from cchc.assessments.services import notices
from cchc.assessments.services.data import assessment_fill_from_data
from cchc.assessments.services.results import round_freeze
from cchc.assessments.services.self_assessment import carry_over_round
from cchc.core.audit import audit_record, snapshot
from cchc.core.dates import short_date
from cchc.core.exceptions import ConflictError
from cchc.core.versioning import version_token
from cchc.frameworks.models import Framework
from cchc.orgunits.models import OrgUnit

NOT_PUBLISHED_FRAMEWORK_MESSAGE = gettext_noop(
    "Only a published framework can be used for a round."
)
DEADLINES_ORDER_MESSAGE = gettext_noop(
    "The deadlines must follow each other: self-assessment, then appraisal, then appeals."
)
NO_UNITS_MESSAGE = gettext_noop("Choose at least one ward or commune for the round.")
DEADLINE_PAST_MESSAGE = gettext_noop(
    "The self-assessment deadline has already passed: choose a later day."
)
DEADLINE_BEFORE_YEAR_MESSAGE = gettext_noop(
    "The self-assessment deadline of a round of {year} cannot fall before {year}."
)
LATER_FRAMEWORK_MESSAGE = gettext_noop(
    "The framework is of {framework_year}: a round of {year} cannot be scored on it."
)
OLDER_FRAMEWORK_MESSAGE = gettext_noop(
    "The framework is of {framework_year}, and “{newer}” of {year} has been published: choose it."
)
SAME_PERIOD_MESSAGE = gettext_noop(
    "{unit} already has the round “{round}”: a unit self-scores once for a period of a year."
)
WRONG_KIND_MESSAGE = gettext_noop("{unit} is not a kind of unit this framework scores.")
NOT_NEXT_MESSAGE = gettext_noop("A round in “{current}” cannot move to “{target}”.")
# A page read before someone moved the round (a second tab, a double click, a colleague) asks
# for the step it showed: the round never moves twice for one click.
ALREADY_MOVED_MESSAGE = gettext_noop(
    "The round is already in “{current}”: someone moved it since this page was opened. "
    "Nothing more was changed."
)
MOVED_SINCE_MESSAGE = gettext_noop(
    "The round has moved to “{current}” since this page was opened; nothing was changed. "
    "Check it, then choose the next step again."
)
LAST_STATE_MESSAGE = gettext_noop("The round is “{current}”: it has no further step.")
NOT_ALL_APPRAISED_MESSAGE = gettext_noop(
    "{count} criteria of submitted assessments are not appraised yet."
)
PENDING_APPEALS_MESSAGE = gettext_noop("Decide every appeal before finalising the round.")
STILL_TIME_MESSAGE = gettext_noop(
    "{count} units have not submitted and their deadline has not passed (the last one is "
    "{date}). Wait for them, or for their deadlines, before appraisal locks the self-assessments."
)
APPEALS_STILL_OPEN_MESSAGE = gettext_noop(
    "Units may appeal until {date}: the round can move to “{target}” from {next_day}, once "
    "their time to appeal has passed."
)
NOTHING_SUBMITTED_MESSAGE = gettext_noop("No unit has submitted its self-assessment yet.")
DECISION_NEEDED_MESSAGE = gettext_noop(
    "Give the number and date of the decision that publishes it."
)
DECISION_FUTURE_MESSAGE = gettext_noop(
    "The decision is dated {date}, after today: publish the results once it is signed, "
    "with its date."
)
DEADLINES_STATE_MESSAGE = gettext_noop(
    "The deadlines of a finalised or published round no longer change."
)
DEADLINES_REASON_MESSAGE = gettext_noop("Say why the deadlines change: the units are told.")
DEADLINE_STAGE_OVER_MESSAGE = gettext_noop(
    "This stage is over: its deadline ({date}) no longer changes."
)
DEADLINE_CHANGED_PAST_MESSAGE = gettext_noop("A new deadline cannot be a day already past.")
APPRAISAL_BEFORE_UNIT_MESSAGE = gettext_noop(
    "{unit} has until {date} to self-score: the appraisal deadline must come after it."
)
DEADLINES_UNCHANGED_MESSAGE = gettext_noop("These are the round's deadlines already.")
DEADLINE_TOO_FAR_MESSAGE = gettext_noop(
    "The deadlines of a round fall by {date}, the end of the year after the round's."
)
DEADLINES_STALE_MESSAGE = gettext_noop(
    "Someone changed this round after you opened the page, so nothing was changed. Its "
    "deadlines as they are now are shown: check them and change them again."
)
DEADLINE_EARLIER_MESSAGE = gettext_noop(
    "The units were told they have until {date}, and some were given more: the "
    "self-assessment deadline of an opened round can only be postponed."
)
EXTEND_REASON_MESSAGE = gettext_noop("Say why the deadline is extended.")
EXTEND_ORDER_MESSAGE = gettext_noop("The new deadline must be later than the current one.")
EXTEND_LIMIT_MESSAGE = gettext_noop(
    "The new deadline must come before the appraisal deadline ({date})."
)
# A deadline already gone gives no time: it was set, and the unit shown late (a walk).
EXTEND_PAST_MESSAGE = gettext_noop("The new deadline cannot be before today ({date}).")
EXTEND_STATE_MESSAGE = gettext_noop("Deadlines can be extended only while the round is open.")

# The one order of a round's life.
NEXT_STATUS = {
    Round.Status.DRAFT: Round.Status.OPEN,
    Round.Status.OPEN: Round.Status.APPRAISAL,
    Round.Status.APPRAISAL: Round.Status.APPEALS,
    Round.Status.APPEALS: Round.Status.FINALISED,
    Round.Status.FINALISED: Round.Status.PUBLISHED,
}
# The deadline that must have passed before a round moves to a state, and the message saying
# so. Finalising closes the appeals: not while a unit may still file one; publishing follows it
# (a round finalised early still waits).
WAITS_FOR_DEADLINE = {
    Round.Status.FINALISED: ("appeals_due_on", APPEALS_STILL_OPEN_MESSAGE),
    Round.Status.PUBLISHED: ("appeals_due_on", APPEALS_STILL_OPEN_MESSAGE),
}
ROUND_FIELDS = [
    "framework",
    "organiser",
    "period",
    "year",
    "status",
    "self_assessment_due_on",
    "appraisal_due_on",
    "appeals_due_on",
    "previous",
    "decision_number",
    "decision_date",
]


def unappraised_count(round_: Round) -> int:
    """Count leaf criteria of submitted assessments that have no appraised score yet."""
    leaf_ids = set(
        round_.framework.criteria.filter(children__isnull=True).values_list("pk", flat=True)
    )
    submitted = round_.assessments.filter(status=Assessment.Status.SUBMITTED)
    # A criterion the unit declared not applicable needs no appraised score.
    done = (
        Score.objects.filter(assessment__in=submitted, criterion_id__in=leaf_ids)
        .filter(Q(appraised_points__isnull=False) | Q(is_not_applicable=True))
        .count()
    )
    return len(leaf_ids) * submitted.count() - done


def round_transition_refusal(round_: Round, target: str) -> str | None:
    """Return why the round cannot move to target now, or None when it can."""
    if NEXT_STATUS.get(Round.Status(round_.status)) != target:
        return _(NOT_NEXT_MESSAGE).format(
            current=round_.get_status_display(), target=Round.Status(target).label
        )
    if target == Round.Status.OPEN:
        if round_.framework.status != Framework.Status.PUBLISHED:
            return _(NOT_PUBLISHED_FRAMEWORK_MESSAGE)
        if not round_.assessments.exists():
            return _(NO_UNITS_MESSAGE)
    if target == Round.Status.APPRAISAL:
        if not round_.assessments.filter(status=Assessment.Status.SUBMITTED).exists():
            return _(NOTHING_SUBMITTED_MESSAGE)
        # Appraisal locks every self-assessment: not while a unit still has time to submit.
        waiting = round_.assessments.exclude(status=Assessment.Status.SUBMITTED).filter(
            due_on__gte=timezone.localdate()
        )
        latest = waiting.order_by("-due_on").values_list("due_on", flat=True).first()
        if latest is not None:
            return _(STILL_TIME_MESSAGE).format(count=waiting.count(), date=short_date(latest))
    if target == Round.Status.APPEALS:
        missing = unappraised_count(round_)
        if missing:
            return _(NOT_ALL_APPRAISED_MESSAGE).format(count=missing)
    if target in WAITS_FOR_DEADLINE:
        field, message = WAITS_FOR_DEADLINE[Round.Status(target)]
        deadline: datetime.date = getattr(round_, field)
        if deadline >= timezone.localdate():  # the deadline's own day is still the units'
            return _(message).format(
                date=short_date(deadline),
                target=Round.Status(target).label,
                next_day=short_date(deadline + datetime.timedelta(days=1)),
            )
    if (
        target == Round.Status.FINALISED
        and Appeal.objects.filter(
            score__assessment__round=round_, status=Appeal.Status.PENDING
        ).exists()
    ):
        return _(PENDING_APPEALS_MESSAGE)
    if target == Round.Status.PUBLISHED and not (round_.decision_number and round_.decision_date):
        return _(DECISION_NEEDED_MESSAGE)
    if (
        target == Round.Status.PUBLISHED
        and round_.decision_date
        and round_.decision_date > timezone.localdate()
    ):
        # The portal, the export and the notices would name a decision not yet signed.
        return _(DECISION_FUTURE_MESSAGE).format(date=short_date(round_.decision_date))
    return None


def _check_deadlines(
    self_assessment_due_on: datetime.date,
    appraisal_due_on: datetime.date,
    appeals_due_on: datetime.date,
) -> None:
    if not self_assessment_due_on <= appraisal_due_on <= appeals_due_on:
        raise ValidationError(_(DEADLINES_ORDER_MESSAGE))


def deadline_too_far(appeals_due_on: datetime.date, *, year: int) -> str | None:
    """Why a round set up or changed today may not close so late: its deadlines fall by the
    end of the year after its own (31/12/9999 was taken, and the board, naming the day after
    the appeals deadline, would go past the calendar's end). `round_create` builds past and
    test rounds and does not ask."""
    last = datetime.date(year + 1, 12, 31)
    if appeals_due_on > last:
        return _(DEADLINE_TOO_FAR_MESSAGE).format(date=short_date(last))
    return None


def round_setup_refusals(
    *,
    framework: Framework,
    organiser: OrgUnit,
    period: str,
    year: int,
    units: list[OrgUnit],
    self_assessment_due_on: datetime.date,
    appeals_due_on: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with a round a coordinator sets up today, by field (empty: nothing): a
    deadline already past or before the round's year; a framework of a later year, or of an
    earlier one while its issuer has published one for the round's year; a unit that already
    has a round of this period and year. Asked by the set-up page before `round_create`, which
    also builds past rounds (the demo's history, tests) and so does not ask it."""
    refusals: dict[str, str] = {}
    if self_assessment_due_on < timezone.localdate():
        refusals["self_assessment_due_on"] = _(DEADLINE_PAST_MESSAGE)
    elif self_assessment_due_on.year < year:
        refusals["self_assessment_due_on"] = _(DEADLINE_BEFORE_YEAR_MESSAGE).format(year=year)
    too_far = deadline_too_far(appeals_due_on, year=year) if appeals_due_on else None
    if too_far:
        refusals["appeals_due_on"] = too_far
    if framework.year > year:
        refusals["framework"] = _(LATER_FRAMEWORK_MESSAGE).format(
            framework_year=framework.year, year=year
        )
    elif framework.year < year:
        newer = (
            Framework.objects.filter(
                issuer_id=framework.issuer_id, year=year, status=Framework.Status.PUBLISHED
            )
            .order_by("-version")
            .first()
        )
        if newer is not None:
            refusals["framework"] = _(OLDER_FRAMEWORK_MESSAGE).format(
                framework_year=framework.year, newer=newer.name, year=year
            )
    same = same_period_assessment(organiser=organiser, period=period, year=year, units=units)
    if same is not None:
        refusals["units"] = _(SAME_PERIOD_MESSAGE).format(unit=same.org_unit.name, round=same.round)
    return refusals


def same_period_assessment(
    *,
    organiser: OrgUnit,
    period: str,
    year: int,
    units: Any,
    besides: Round | None = None,
) -> Assessment | None:
    """A unit's assessment in another round of this organiser, period and year that has been
    opened (a draft set up by mistake blocks nothing: opening one asks again), or None."""
    rounds = Round.objects.filter(organiser=organiser, period=period, year=year).exclude(
        status=Round.Status.DRAFT
    )
    if besides is not None:
        rounds = rounds.exclude(pk=besides.pk)
    return (
        Assessment.objects.filter(org_unit__in=units, round__in=rounds)
        .select_related("org_unit", "round")
        .first()
    )


def round_open_refusal(round_: Round) -> str | None:
    """Why the set-up page may not open this draft round: a unit of it already has an opened
    round of the same period and year (asked by the page, as round_setup_refusals is)."""
    if round_.status != Round.Status.DRAFT:
        return None
    same = same_period_assessment(
        organiser=round_.organiser,
        period=round_.period,
        year=round_.year,
        units=round_.assessments.values("org_unit"),
        besides=round_,
    )
    if same is None:
        return None
    return str(_(SAME_PERIOD_MESSAGE).format(unit=same.org_unit.name, round=same.round))


@transaction.atomic
def round_create(
    *,
    actor: Any,
    framework: Framework,
    organiser: OrgUnit,
    period: str,
    year: int,
    units: list[OrgUnit],
    self_assessment_due_on: datetime.date,
    appraisal_due_on: datetime.date,
    appeals_due_on: datetime.date,
    previous: Round | None = None,
) -> Round:
    """Create a draft round with one assessment per unit (nothing is visible to units yet)."""
    if framework.status != Framework.Status.PUBLISHED:
        raise ValidationError({"framework": _(NOT_PUBLISHED_FRAMEWORK_MESSAGE)})
    if not units:
        raise ValidationError({"units": _(NO_UNITS_MESSAGE)})
    for unit in units:
        if unit.kind not in framework.unit_kinds:
            raise ValidationError({"units": _(WRONG_KIND_MESSAGE).format(unit=unit.name)})
    _check_deadlines(self_assessment_due_on, appraisal_due_on, appeals_due_on)
    round_ = Round(
        framework=framework,
        organiser=organiser,
        period=period,
        year=year,
        self_assessment_due_on=self_assessment_due_on,
        appraisal_due_on=appraisal_due_on,
        appeals_due_on=appeals_due_on,
        previous=previous,
    )
    round_.full_clean()
    round_.save()
    Assessment.objects.bulk_create(
        Assessment(round=round_, org_unit=unit, due_on=self_assessment_due_on) for unit in units
    )
    audit_record(
        actor=actor,
        action="round.create",
        target=round_,
        after={**snapshot(round_, ROUND_FIELDS), "units": [unit.code for unit in units]},
    )
    return round_


@transaction.atomic
def round_advance(
    *,
    actor: Any,
    round_: Round,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    expected_target: str | None = None,
) -> Round:
    """Move the round to its next state, or refuse with the reason. `expected_target` is the
    state the page offered (its button's): a round moved since is not moved again. None only
    for a caller without a page (the demo, tests)."""
    round_ = Round.objects.select_for_update().select_related("framework").get(pk=round_.pk)
    target = NEXT_STATUS.get(Round.Status(round_.status))
    current = round_.get_status_display()
    if target is None:
        raise ValidationError(_(LAST_STATE_MESSAGE).format(current=current))
    if expected_target is not None and target != expected_target:
        if round_.status == expected_target:
            raise ValidationError(_(ALREADY_MOVED_MESSAGE).format(current=current))
        raise ValidationError(_(MOVED_SINCE_MESSAGE).format(current=current))
    if target == Round.Status.PUBLISHED:
        round_.decision_number = decision_number.strip() or round_.decision_number
        round_.decision_date = decision_date or round_.decision_date
    refusal = round_transition_refusal(round_, target)
    if refusal:
        raise ValidationError(refusal)
    before = round_.status
    if target == Round.Status.OPEN:
        carry_over_round(round_=round_)
    if target == Round.Status.PUBLISHED:
        round_.published_at = timezone.now()
        round_freeze(round_)
    round_.status = target
    round_.save(
        update_fields=[
            "status",
            "decision_number",
            "decision_date",
            "published_at",
            "published_results",
            "published_summary",
            "updated_at",
        ]
    )
    if target == Round.Status.OPEN:
        # Criteria fed by the province's data start filled in (once the round is open).
        for assessment in round_.assessments.select_related("round__framework", "org_unit"):
            assessment_fill_from_data(actor=actor, assessment=assessment)
        notices.notify_round_opened(round_)
    elif target == Round.Status.APPEALS:
        notices.notify_appraised(round_)
    elif target == Round.Status.PUBLISHED:
        notices.notify_published(round_)
    audit_record(
        actor=actor,
        action="round.advance",
        target=round_,
        before={"status": before},
        after={
            "status": target,
            **(
                {
                    "decision_number": round_.decision_number,
                    "decision_date": str(round_.decision_date),
                }
                if target == Round.Status.PUBLISHED
                else {}
            ),
        },
    )
    return round_


# Each deadline and the last state in which it may still change (its stage not over).
DEADLINE_STAGES = {
    "self_assessment_due_on": (Round.Status.DRAFT, Round.Status.OPEN),
    "appraisal_due_on": (Round.Status.DRAFT, Round.Status.OPEN, Round.Status.APPRAISAL),
    "appeals_due_on": (
        Round.Status.DRAFT,
        Round.Status.OPEN,
        Round.Status.APPRAISAL,
        Round.Status.APPEALS,
    ),
}


@transaction.atomic
def round_deadlines_change(
    *,
    actor: Any,
    round_: Round,
    self_assessment_due_on: datetime.date,
    appraisal_due_on: datetime.date,
    appeals_due_on: datetime.date,
    reason: str,
    expected_version: str | None = None,
) -> Round:
    """Move the round's deadlines (the province postpones the self-assessment for everyone,
    or gives appeals a week more), with the reason, which the units are told. A page read
    before another change of the round (`expected_version`, its version token) is refused:
    ConflictError with the round as it is now.

    Only the deadlines of stages not over change, never to a day already past, and they
    still follow each other. A unit whose deadline was the round's follows the new one; a unit
    given more time keeps it unless the new deadline is later still. The appraisal deadline
    must come after every unit's own. Audited; the people of every unit of an opened round
    are notified."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if expected_version is not None and version_token(round_) != expected_version:
        raise ConflictError(_(DEADLINES_STALE_MESSAGE), current=round_)
    if round_.status in (Round.Status.FINALISED, Round.Status.PUBLISHED):
        raise ValidationError(_(DEADLINES_STATE_MESSAGE))
    new = {
        "self_assessment_due_on": self_assessment_due_on,
        "appraisal_due_on": appraisal_due_on,
        "appeals_due_on": appeals_due_on,
    }
    old = {field: getattr(round_, field) for field in new}
    errors: dict[str, str] = {}
    today = timezone.localdate()
    for field, value in new.items():
        if value == old[field]:
            continue
        if round_.status not in DEADLINE_STAGES[field]:
            errors[field] = _(DEADLINE_STAGE_OVER_MESSAGE).format(date=short_date(old[field]))
        elif value < today:
            errors[field] = _(DEADLINE_CHANGED_PAST_MESSAGE)
        elif (
            field == "self_assessment_due_on"
            and value < old[field]
            and round_.status != Round.Status.DRAFT
        ):
            # The units were told they have until then, some given more: only later.
            errors[field] = _(DEADLINE_EARLIER_MESSAGE).format(date=short_date(old[field]))
    if not reason.strip():
        errors["reason"] = _(DEADLINES_REASON_MESSAGE)
    if errors:
        raise ValidationError(errors)
    if new == old:
        raise ValidationError(_(DEADLINES_UNCHANGED_MESSAGE))
    _check_deadlines(self_assessment_due_on, appraisal_due_on, appeals_due_on)
    too_far = deadline_too_far(appeals_due_on, year=round_.year)
    if too_far:
        raise ValidationError({"appeals_due_on": too_far})
    assessments = round_.assessments.select_related("org_unit")
    # Units still to submit: a submission keeps the deadline it was made against (a late one
    # stays late). Only later (above): the round's deadline, or an extension the new one
    # passes, becomes the new one; a longer extension stays.
    waiting = assessments.exclude(status=Assessment.Status.SUBMITTED)
    moving = waiting.filter(due_on__lt=self_assessment_due_on)
    moved = [
        {"unit": str(a.org_unit), "before": a.due_on.isoformat()}
        for a in moving.order_by("org_unit__sort_order")
    ]
    moving.update(due_on=self_assessment_due_on, updated_at=timezone.now())
    # While units still self-score, each must have done so by the appraisal deadline.
    still_scoring = round_.status in DEADLINE_STAGES["self_assessment_due_on"]
    latest = waiting.order_by("-due_on").first() if still_scoring else None
    if latest is not None and latest.due_on > appraisal_due_on:
        raise ValidationError(
            {
                "appraisal_due_on": _(APPRAISAL_BEFORE_UNIT_MESSAGE).format(
                    unit=latest.org_unit, date=short_date(latest.due_on)
                )
            }
        )
    for field, value in new.items():
        setattr(round_, field, value)
    round_.save(update_fields=[*new, "updated_at"])
    event = audit_record(
        actor=actor,
        action="round.deadlines",
        target=round_,
        before={field: value.isoformat() for field, value in old.items()},
        after={
            **{field: value.isoformat() for field, value in new.items()},
            "reason": reason.strip(),
            "units_moved": moved,
        },
    )
    if round_.status != Round.Status.DRAFT:
        notices.notify_deadlines_changed(round_, reason=reason.strip(), change=event.pk)
    return round_


@transaction.atomic
def assessment_extend(
    *, actor: Any, assessment: Assessment, due_on: datetime.date, reason: str
) -> Assessment:
    """Give one unit more time; the reason is kept in the audit trail. The round is locked and
    the unit read again: a change of the round's deadlines at the same moment is seen."""
    round_ = Round.objects.select_for_update().get(pk=assessment.round_id)
    assessment = Assessment.objects.select_related("org_unit").get(pk=assessment.pk)
    assessment.round = round_
    if assessment.round.status != Round.Status.OPEN:
        raise ValidationError(_(EXTEND_STATE_MESSAGE))
    if not reason.strip():
        raise ValidationError({"reason": _(EXTEND_REASON_MESSAGE)})
    if due_on <= assessment.due_on:
        raise ValidationError({"due_on": _(EXTEND_ORDER_MESSAGE)})
    today = timezone.localdate()
    if due_on < today:
        raise ValidationError({"due_on": _(EXTEND_PAST_MESSAGE).format(date=short_date(today))})
    if due_on >= assessment.round.appraisal_due_on:
        raise ValidationError(
            {
                "due_on": _(EXTEND_LIMIT_MESSAGE).format(
                    date=short_date(assessment.round.appraisal_due_on)
                )
            }
        )
    before = assessment.due_on
    assessment.due_on = due_on
    assessment.save(update_fields=["due_on", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.extend",
        target=assessment,
        before={"due_on": before.isoformat()},
        after={"due_on": due_on.isoformat(), "reason": reason.strip()},
    )
    return assessment
