"""What the inspections put on each role's home page."""

from typing import Any

from django.db.models import Case, Count, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cchc.core.dashboard import LivePanel, PanelItem
from cchc.core.dates import short_date
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.inspections import selectors
from cchc.inspections.models import Inspection, RemediationAction
from cchc.orgunits.scope import Scope


def inspection_panels(user: Any) -> list[LivePanel]:
    if not user_has_capability(user, Capability.VIEW_INSPECTIONS):
        return []
    panels: list[LivePanel] = []
    today = timezone.localdate()
    # Visits still to make or under way first (an overdue one among them), then those
    # concluded and being remedied: six concluded visits of last month hid today's.
    upcoming = list(
        selectors.inspection_list_for_user(user=user)
        .exclude(status=Inspection.Status.CLOSED)
        .annotate(concluded=Case(When(status=Inspection.Status.CONCLUDED, then=1), default=0))
        .order_by("concluded", "visit_date")[:6]
    )
    if upcoming:
        panels.append(
            LivePanel(
                "inspections",
                _("Inspections"),
                [
                    PanelItem(
                        f"{inspection.org_unit} — {short_date(inspection.visit_date)}",
                        inspection.get_absolute_url(),
                        inspection.get_status_display()
                        + (
                            " · " + _("overdue")
                            if selectors.visit_overdue(inspection, today=today)
                            else ""
                        ),
                    )
                    for inspection in upcoming
                ],
            )
        )
    # The coordinator follows the remediation of the visits they manage: those reported done
    # wait for them, then the overdue, then the rest (screens.md: "open remediation, overdue
    # first"); the counts say how many there are in all.
    following = selectors.open_actions_to_follow(user=user)
    shown = list(following[:6])
    if shown:
        counts = following.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            reported=Count("pk", filter=Q(status=RemediationAction.Status.REPORTED)),
        )
        items = [
            PanelItem(
                _("%(total)s open, %(overdue)s overdue, %(reported)s reported done to verify")
                % counts,
                reverse("inspections:inspection_list") + "#open-remediation",
                "",
            )
        ]
        items += [_action_item(action, today, with_owner=True) for action in shown]
        panels.append(LivePanel("remediation_follow", _("Open remediation"), items))
    # Whoever reports on actions is asked to: a ward's people for the ward's, an agency's for
    # those given to it (an agency had no reminder of its action on its home page).
    units = selectors.reporting_unit_ids(user=user)
    if units:
        actions = list(selectors.actions_for_units(unit_ids=units).order_by("deadline")[:6])
        if actions:
            items = [_action_item(action, today) for action in actions]
            # A ward's people have a remediation panel of their role; an agency's get this one.
            key = "remediation" if Scope.of(user).own_unit_ids else "agency_remediation"
            panels.append(LivePanel(key, _("Remediation to report"), items))
    return panels


def _action_item(action: RemediationAction, today: Any, *, with_owner: bool = False) -> PanelItem:
    """An action on a home panel: its text, a link to it on its visit's page, its status and
    deadline (and whose it is, for the coordinator who follows every unit's)."""
    note = _("%(status)s · by %(date)s") % {
        "status": action.get_status_display(),
        "date": short_date(action.deadline),
    }
    if with_owner:
        note = f"{action.owner} · {note}"
    if action.is_overdue(today):
        note += " · " + _("overdue")
    return PanelItem(
        Truncator(action.text).chars(90),
        action.recommendation.inspection.get_absolute_url() + f"#action-{action.pk}",
        note,
    )
