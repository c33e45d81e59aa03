"""Who is told what, at each step of a round (in-app inbox and e-mail)."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.accounts.models import Membership, User
from cchc.assessments.models import Assessment, Round
from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.core.roles import Role
from cchc.notifications.models import Notification
from cchc.notifications.services import Message, notify, notify_all

UNIT_ROLES = [Role.UNIT_OFFICER, Role.UNIT_CHAIR]
REMINDER_DAYS = (3, 1)


def people_of(unit_ids: Iterable[int], roles: Iterable[str] = UNIT_ROLES) -> list[User]:
    """Return the active users holding one of the roles in the units (one query)."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            org_unit_id__in=list(unit_ids), role__in=list(roles), is_active=True
        ).select_related("user")
    ]


def notify_each_unit(
    assessments: Iterable[Assessment],
    *,
    kind: str,
    compose: Callable[[Assessment], tuple[str, str]],
    key: str,
) -> None:
    """Tell the people of each assessment's unit about it: `compose(assessment)` in each
    user's language, the link its page, once per `key` and assessment. The people of every
    unit are read in one query (one a unit was a query per unit of the round)."""
    assessments = list(assessments)
    people: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        org_unit_id__in={a.org_unit_id for a in assessments}, role__in=UNIT_ROLES, is_active=True
    ).select_related("user"):
        people[membership.org_unit_id].append(membership.user)
    notify_all(
        Message(
            users=people[assessment.org_unit_id],
            kind=kind,
            compose=partial(_composed, compose, assessment),
            url=assessment.get_absolute_url(),
            dedupe_key=f"{key}:{assessment.pk}",
        )
        for assessment in assessments
    )


def _composed(
    compose: Callable[[Assessment], tuple[str, str]], assessment: Assessment, _user: Any
) -> tuple[str, str]:
    return compose(assessment)


def notify_round_opened(round_: Round) -> None:
    notify_each_unit(
        round_.assessments.select_related("org_unit"),
        kind=Notification.Kind.ROUND_OPENED,
        compose=lambda a: (
            _("%(round)s is open") % {"round": round_},
            _("Fill in the self-assessment of %(unit)s by %(date)s.")
            % {"unit": a.org_unit, "date": short_date(a.due_on)},
        ),
        key="opened",
    )


def notify_deadlines_changed(round_: Round, *, reason: str, change: int) -> None:
    """The people of each unit of the round: its deadlines now, and why they changed (once
    for each `change`, the audit event that records it)."""
    notify_each_unit(
        round_.assessments.select_related("org_unit"),
        kind=Notification.Kind.DEADLINES_CHANGED,
        compose=lambda a: (
            _("The deadlines of %(round)s have changed") % {"round": round_},
            _(
                "Self-assessment of %(unit)s by %(own)s; appraisal by %(appraisal)s; "
                "appeals by %(appeals)s. Reason: %(reason)s"
            )
            % {
                "unit": a.org_unit,
                "own": short_date(a.due_on),
                "appraisal": short_date(round_.appraisal_due_on),
                "appeals": short_date(round_.appeals_due_on),
                "reason": reason,
            },
        ),
        key=f"deadlines:{change}",
    )


def notify_appraised(round_: Round) -> None:
    notify_each_unit(
        round_.assessments.filter(status=Assessment.Status.SUBMITTED),
        kind=Notification.Kind.APPRAISED,
        compose=lambda a: (
            _("Appraisal results of %(round)s") % {"round": round_},
            _("The appraised scores can be read now; appeals are accepted until %(date)s.")
            % {"date": short_date(round_.appeals_due_on)},
        ),
        key="appraised",
    )


def notify_published(round_: Round) -> None:
    unit_ids = list(round_.assessments.values_list("org_unit_id", flat=True))
    leaders = people_of([round_.organiser_id], [Role.LEADER])
    notify(
        users=[*people_of(unit_ids), *leaders],
        kind=Notification.Kind.PUBLISHED,
        compose=lambda user: (
            _("Results of %(round)s are published") % {"round": round_},
            _("Decision %(number)s of %(date)s.")
            % {"number": round_.decision_number, "date": short_date(round_.decision_date)},
        ),
        url=f"/rounds/{round_.pk}/results/",
        dedupe_key=f"published:{round_.pk}",
    )


def notify_returned(assessment: Assessment) -> None:
    notify(
        users=people_of([assessment.org_unit_id]),
        kind=Notification.Kind.RETURNED,
        compose=lambda user: (
            _("The self-assessment of %(unit)s was returned") % {"unit": assessment.org_unit},
            assessment.return_reason,
        ),
        url=assessment.get_absolute_url(),
    )


def send_deadline_reminders(*, today: Any = None) -> int:
    """Remind units 3 days and 1 day before their deadline; each reminder goes once."""
    today = today or timezone.localdate()
    sent = 0
    pending = (
        Assessment.objects.filter(round__status=Round.Status.OPEN)
        .exclude(status=Assessment.Status.SUBMITTED)
        .select_related("org_unit", "round")
    )
    for assessment in pending:
        days = assessment.days_left(today)
        if days not in REMINDER_DAYS:
            continue

        def compose(user: Any, a: Assessment = assessment, d: int = days) -> tuple[str, str]:
            return (
                _("%(days)s days left for the self-assessment of %(unit)s")
                % {"days": d, "unit": a.org_unit},
                _("The deadline is %(date)s; %(done)s of %(total)s criteria have figures.")
                % {"date": short_date(a.due_on), "done": a.declared_count, "total": a.leaf_count},
            )

        sent += len(
            notify(
                users=people_of([assessment.org_unit_id]),
                kind=Notification.Kind.DEADLINE_SOON,
                compose=compose,
                url=assessment.get_absolute_url(),
                dedupe_key=f"deadline:{days}:{assessment.pk}",
            )
        )
    return sent


def remind_units(*, actor: Any, assessments: Iterable[Assessment], today: Any = None) -> int:
    """Remind the units of these assessments that have not submitted yet (the coordinator's
    button on the round's progress board). At most once a day per unit, however often it is
    pressed; returns how many units were reminded now."""
    today = today or timezone.localdate()
    reminded = 0
    for assessment in assessments:
        if assessment.status == Assessment.Status.SUBMITTED:
            continue
        if assessment.round.status != Round.Status.OPEN:
            continue
        days = assessment.days_left(today)

        def compose(user: Any, a: Assessment = assessment, d: int = days) -> tuple[str, str]:
            title = (
                _("Reminder: the self-assessment of %(unit)s is %(days)s days late")
                % {"unit": a.org_unit, "days": -d}
                if d < 0
                else _("Reminder: %(days)s days left for the self-assessment of %(unit)s")
                % {"days": d, "unit": a.org_unit}
            )
            return (
                title,
                _("The deadline is %(date)s; %(done)s of %(total)s criteria have figures.")
                % {"date": short_date(a.due_on), "done": a.declared_count, "total": a.leaf_count},
            )

        sent = notify(
            users=people_of([assessment.org_unit_id]),
            kind=Notification.Kind.DEADLINE_SOON,
            compose=compose,
            url=assessment.get_absolute_url(),
            dedupe_key=f"remind:{today.isoformat()}:{assessment.pk}",
        )
        if sent:
            reminded += 1
            audit_record(
                actor=actor, action="assessment.remind", target=assessment, after={"days": days}
            )
    return reminded
