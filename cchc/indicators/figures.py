"""What each dossier and directive figure means, said once.

Every figure is a `Figure`: its condition for the database (a Q over the model's rows) and
the same condition for one row in Python, with the label people read. The indicator page
(selectors.figures_for_units and the rows behind each figure), the monthly counts the
imports keep (summary.py), the dashboards (cchc.analytics.indicators) and the inputs a
criterion takes from a data source (selectors.source_inputs) all count through these;
tests/…/test_figures.py generates dossiers and checks that each of them agrees with the
Python predicate, row by row.

A dossier counts in the period (or month) it was received. Figures that change with time
(a dossier falls overdue as the days pass) take `as_of`: the first instant they are no
longer counted at, the end of the period or now, whichever comes first (`cutoff`).

Dossiers:
- received: every dossier received in the period;
- finished: with a finished time; of those, on time (no due time, or finished by it) and
  late (finished after its due time);
- open: being handled (status open, no finished time); of those, past due (due time before
  as_of) and not yet due (no due time, or due at as_of or later);
- overdue: late, or open past due; with an apology: overdue, and an apology letter issued;
- online: received online; rated: with a satisfaction score (the satisfaction is their
  average).
Directives (counted in the period of their deadline; as_of is a date, the day after the
period or today, whichever comes first):
- done on time: completed by the deadline; done late: completed after it;
- overdue: not completed, the deadline before as_of; late: done late or overdue;
- open: not completed, the deadline not passed.
Citizens' feedback (the portal's, counted in the period of its due date): answered on time,
answered on or before its due date (local date).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from cchc.indicators.models import Dossier


@dataclass(frozen=True)
class Figure:
    """One figure: `q(as_of)` for querysets, `holds(row, as_of)` for one row, `label`
    (English, through gettext_noop: translate it where it is shown)."""

    name: str
    label: str
    condition: Callable[[Any], Q]
    predicate: Callable[[Any, Any], bool]
    timed: bool = False  # changes with as_of (needs one)

    def q(self, as_of: Any = None) -> Q:
        self._check(as_of)
        return self.condition(as_of)

    def holds(self, row: Any, as_of: Any = None) -> bool:
        self._check(as_of)
        return self.predicate(row, as_of)

    def _check(self, as_of: Any) -> None:
        if self.timed and as_of is None:
            raise ValueError(f"The figure {self.name!r} needs an as_of.")


# --- Dossiers ---------------------------------------------------------------------------------

OPEN = Dossier.Status.OPEN.value
ONLINE = Dossier.Channel.ONLINE.value


def _finished(d: Any) -> bool:
    return d.finished_at is not None


def _on_time(d: Any) -> bool:
    return d.finished_at is not None and (d.due_at is None or d.finished_at <= d.due_at)


def _late(d: Any) -> bool:
    return d.finished_at is not None and d.due_at is not None and d.finished_at > d.due_at


def _open(d: Any) -> bool:
    return d.status == OPEN and d.finished_at is None


def _open_past_due(d: Any, as_of: datetime.datetime) -> bool:
    return _open(d) and d.due_at is not None and d.due_at < as_of


def _overdue(d: Any, as_of: datetime.datetime) -> bool:
    return _late(d) or _open_past_due(d, as_of)


Q_FINISHED = Q(finished_at__isnull=False)
Q_LATE = Q(finished_at__isnull=False, due_at__isnull=False, finished_at__gt=F("due_at"))
Q_OPEN = Q(status=OPEN, finished_at__isnull=True)


def _q_open_past_due(as_of: datetime.datetime) -> Q:
    return Q_OPEN & Q(due_at__lt=as_of)


def _q_overdue(as_of: datetime.datetime) -> Q:
    return Q_LATE | _q_open_past_due(as_of)


RECEIVED = Figure("received", gettext_noop("Received"), lambda _a: Q(), lambda _d, _a: True)
FINISHED = Figure(
    "finished", gettext_noop("Finished"), lambda _a: Q_FINISHED, lambda d, _a: _finished(d)
)
ON_TIME = Figure(
    "on_time",
    gettext_noop("On time"),
    lambda _a: Q_FINISHED & (Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at"))),
    lambda d, _a: _on_time(d),
)
LATE = Figure("late", gettext_noop("Late"), lambda _a: Q_LATE, lambda d, _a: _late(d))
OPEN_PAST_DUE = Figure(
    "open_past_due",
    gettext_noop("Open past due"),
    _q_open_past_due,
    _open_past_due,
    timed=True,
)
NOT_YET_DUE = Figure(
    "not_yet_due",
    gettext_noop("Not yet due"),
    lambda as_of: Q_OPEN & (Q(due_at__isnull=True) | Q(due_at__gte=as_of)),
    lambda d, as_of: _open(d) and (d.due_at is None or d.due_at >= as_of),
    timed=True,
)
OVERDUE = Figure("overdue", gettext_noop("Overdue"), _q_overdue, _overdue, timed=True)
APOLOGY = Figure(
    "apology",
    gettext_noop("Apology letters"),
    lambda as_of: _q_overdue(as_of) & Q(apology_issued=True),
    lambda d, as_of: _overdue(d, as_of) and bool(d.apology_issued),
    timed=True,
)
# Of the late ones, with an apology: the part of APOLOGY that does not change with time.
LATE_WITH_APOLOGY = Figure(
    "late_with_apology",
    gettext_noop("Apology letters"),
    lambda _a: Q_LATE & Q(apology_issued=True),
    lambda d, _a: _late(d) and bool(d.apology_issued),
)
ONLINE_RECEIVED = Figure(
    "online",
    gettext_noop("Online"),
    lambda _a: Q(channel=ONLINE),
    lambda d, _a: d.channel == ONLINE,
)
RATED = Figure(
    "rated",
    gettext_noop("Satisfaction"),
    lambda _a: Q(satisfaction__isnull=False),
    lambda d, _a: d.satisfaction is not None,
)

DOSSIER_FIGURES: dict[str, Figure] = {
    figure.name: figure
    for figure in (
        RECEIVED,
        FINISHED,
        ON_TIME,
        LATE,
        OPEN_PAST_DUE,
        NOT_YET_DUE,
        OVERDUE,
        APOLOGY,
        LATE_WITH_APOLOGY,
        ONLINE_RECEIVED,
        RATED,
    )
}


def satisfaction(rows: Any) -> tuple[int, int]:
    """(ratings given, their sum) of dossier rows: the satisfaction is sum / count."""
    scores = [d.satisfaction for d in rows if RATED.holds(d)]
    return len(scores), sum(scores)


# --- When: a period's received window and its cut-off ----------------------------------------


def month_start(year: int, month: int) -> datetime.datetime:
    """The first instant of a local month (month 13: January of the next year)."""
    if month == 13:
        year, month = year + 1, 1
    return datetime.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())


def received_in(year: int, first_month: int, last_month: int) -> Q:
    """Dossiers received in the local months first_month..last_month of the year."""
    return Q(
        received_at__gte=month_start(year, first_month),
        received_at__lt=month_start(year, last_month + 1),
    )


def cutoff(year: int, last_month: int, now: datetime.datetime | None = None) -> datetime.datetime:
    """as_of for the dossiers of a period ending with `last_month`: its end, or now."""
    return min(month_start(year, last_month + 1), now or timezone.now())


def directive_cutoff(last_day: datetime.date, today: datetime.date | None = None) -> datetime.date:
    """as_of for the directives due in a period ending on `last_day`: the day after, or today."""
    return min(last_day + datetime.timedelta(days=1), today or timezone.localdate())


# --- Directives -------------------------------------------------------------------------------


def _done_on_time(d: Any) -> bool:
    return d.completed_on is not None and d.completed_on <= d.deadline


def _done_late(d: Any) -> bool:
    return d.completed_on is not None and d.completed_on > d.deadline


def _directive_overdue(d: Any, as_of: datetime.date) -> bool:
    return d.completed_on is None and d.deadline < as_of


Q_DONE_ON_TIME = Q(completed_on__isnull=False, completed_on__lte=F("deadline"))
Q_DONE_LATE = Q(completed_on__isnull=False, completed_on__gt=F("deadline"))

DIRECTIVE_DUE = Figure("due", gettext_noop("Due"), lambda _a: Q(), lambda _d, _a: True)
DIRECTIVE_DONE_ON_TIME = Figure(
    "done_on_time",
    gettext_noop("Done on time"),
    lambda _a: Q_DONE_ON_TIME,
    lambda d, _a: _done_on_time(d),
)
DIRECTIVE_DONE_LATE = Figure(
    "done_late",
    gettext_noop("Done late"),
    lambda _a: Q_DONE_LATE,
    lambda d, _a: _done_late(d),
)
DIRECTIVE_OVERDUE = Figure(
    "overdue",
    gettext_noop("Overdue"),
    lambda as_of: Q(completed_on__isnull=True, deadline__lt=as_of),
    _directive_overdue,
    timed=True,
)
DIRECTIVE_LATE = Figure(
    "late",
    gettext_noop("Late"),
    lambda as_of: Q_DONE_LATE | Q(completed_on__isnull=True, deadline__lt=as_of),
    lambda d, as_of: _done_late(d) or _directive_overdue(d, as_of),
    timed=True,
)
DIRECTIVE_OPEN = Figure(
    "open",
    gettext_noop("Open"),
    lambda as_of: Q(completed_on__isnull=True, deadline__gte=as_of),
    lambda d, as_of: d.completed_on is None and d.deadline >= as_of,
    timed=True,
)

DIRECTIVE_FIGURES: dict[str, Figure] = {
    figure.name: figure
    for figure in (
        DIRECTIVE_DUE,
        DIRECTIVE_DONE_ON_TIME,
        DIRECTIVE_DONE_LATE,
        DIRECTIVE_OVERDUE,
        DIRECTIVE_LATE,
        DIRECTIVE_OPEN,
    )
}


def directive_state(d: Any, today: datetime.date) -> str:
    """ "done_on_time", "done_late", "overdue" or "open" (as of `today`)."""
    for figure in (DIRECTIVE_DONE_ON_TIME, DIRECTIVE_DONE_LATE, DIRECTIVE_OVERDUE):
        if figure.holds(d, today):
            return figure.name
    return DIRECTIVE_OPEN.name


# --- Citizens' feedback -----------------------------------------------------------------------

FEEDBACK_ON_TIME = Figure(
    "feedback_on_time",
    gettext_noop("Answered on time"),
    lambda _a: Q(answered_at__isnull=False, answered_at__date__lte=F("due_on")),
    lambda f, _a: f.answered_at is not None and timezone.localdate(f.answered_at) <= f.due_on,
)
