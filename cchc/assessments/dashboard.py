"""What the scoring cycle puts on each role's home page."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.assessments import selectors
from cchc.assessments.models import Assessment, Round
from cchc.core.dashboard import LivePanel, PanelItem
from cchc.core.dates import short_date
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability, Role

CURRENT = [Round.Status.OPEN, Round.Status.APPRAISAL, Round.Status.APPEALS, Round.Status.FINALISED]


def scoring_panels(user: Any) -> list[LivePanel]:
    if not user_has_capability(user, Capability.VIEW_ROUNDS):
        return []
    roles = user.role_set()
    rounds = list(selectors.round_list_for_user(user=user)[:6])
    panels: list[LivePanel] = []
    today = timezone.localdate()
    own_units = selectors.own_unit_ids(user)
    if own_units:
        items = []
        for assessment in Assessment.objects.filter(
            org_unit_id__in=own_units, round__status__in=CURRENT
        ).select_related("round", "org_unit"):
            days = assessment.days_left(today)
            note = _("%(status)s · %(done)s/%(total)s with figures · deadline %(date)s") % {
                "status": assessment.get_status_display(),
                "done": assessment.declared_count,
                "total": assessment.leaf_count,
                "date": short_date(assessment.due_on),
            }
            if (
                assessment.round.status == Round.Status.OPEN
                and days < 0
                and assessment.status != Assessment.Status.SUBMITTED
            ):
                note += " · " + _("late")
            items.append(
                PanelItem(
                    f"{assessment.round} — {assessment.org_unit}",
                    assessment.get_absolute_url(),
                    note,
                )
            )
        key = (
            "approve"
            if Role.UNIT_CHAIR in roles and Role.UNIT_OFFICER not in roles
            else "self_assessment"
        )
        if items:
            panels.append(
                LivePanel(
                    key,
                    _("Self-assessment") if key == "self_assessment" else _("Approve and submit"),
                    items,
                )
            )
    if user_has_capability(user, Capability.MANAGE_ROUNDS):
        items = [
            PanelItem(
                str(round_),
                round_.get_absolute_url(),
                _("%(status)s · self-assessment by %(date)s")
                % {
                    "status": round_.get_status_display(),
                    "date": short_date(round_.self_assessment_due_on),
                },
            )
            for round_ in rounds
            if round_.status != Round.Status.PUBLISHED
        ]
        if items:
            panels.append(LivePanel("rounds", _("Scoring rounds"), items))
    if Role.APPRAISER in roles:
        items = [
            PanelItem(
                str(round_),
                reverse("assessments:appraisal", args=[round_.pk]),
                _("Appraisal is open"),
            )
            for round_ in rounds
            if round_.status == Round.Status.APPRAISAL
        ]
        if items:
            panels.append(LivePanel("appraisal", _("Appraisal"), items))
    if Role.LEADER in roles and rounds:
        items = [
            PanelItem(
                str(round_),
                reverse("assessments:results", args=[round_.pk])
                if round_.status == Round.Status.PUBLISHED
                else round_.get_absolute_url(),
                round_.get_status_display(),
            )
            for round_ in rounds
            if round_.status != Round.Status.DRAFT
        ]
        panels.append(LivePanel("overview", _("City overview"), items))
    return panels
