"""What the dashboards put on a leader's home page: the latest published ranking's top and
who fell most, units late in an open round, and remediation past its deadline. A fixed number
of queries, whatever the number of units."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.analytics import selectors
from cchc.analytics.results import ranking
from cchc.assessments.models import Assessment, Round
from cchc.core.dashboard import LivePanel, PanelItem
from cchc.core.dates import format_points
from cchc.core.roles import Role
from cchc.frameworks.selectors import bands_of
from cchc.inspections.models import RemediationAction
from cchc.inspections.selectors import inspection_list_for_user

TOP = 3


def analytics_panels(user: Any) -> list[LivePanel]:
    if Role.LEADER not in user.role_set():
        return []
    rounds = selectors.rounds_for_analytics(user=user)
    items: list[PanelItem] = []
    overview = reverse("analytics:overview")
    published = next((r for r in rounds if r.status == Round.Status.PUBLISHED), None)
    if published is not None:
        board = ranking(published, bands=bands_of(published.framework))
        for row in board.rows[:TOP]:
            items.append(
                PanelItem(
                    f"{row.rank}. {row.unit_name} — {format_points(row.percent)}%",
                    f"{overview}?round={published.pk}",
                    row.band,
                )
            )
        for row in board.fell[:1]:
            items.append(
                PanelItem(
                    _("Fell most: %(unit)s (%(change)s percentage points)")
                    % {"unit": row.unit_name, "change": format_points(row.change)},
                    f"{overview}?round={published.pk}",
                    str(published),
                )
            )
    today = timezone.localdate()
    for round_ in (r for r in rounds if r.status == Round.Status.OPEN):
        late = (
            round_.assessments.exclude(status=Assessment.Status.SUBMITTED)
            .filter(due_on__lt=today)
            .count()
        )
        if late:
            items.append(
                PanelItem(
                    _("%(count)s units late with their self-assessment") % {"count": late},
                    reverse("analytics:progress") + f"?round={round_.pk}",
                    str(round_),
                )
            )
    overdue = (
        RemediationAction.objects.filter(
            recommendation__inspection__in=inspection_list_for_user(user=user).values("pk"),
            status=RemediationAction.Status.OPEN,
            deadline__lt=today,
        )
        .order_by()
        .count()
    )
    if overdue:
        items.append(
            PanelItem(
                _("%(count)s remediation actions past their deadline") % {"count": overdue},
                reverse("analytics:inspections"),
            )
        )
    if not items:
        return []
    return [LivePanel("overview", _("Overview of the area"), items)]
