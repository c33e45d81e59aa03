"""What the scoring cycle puts on each role's home page."""

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments import selectors
from cchc.assessments.models import Appeal, Assessment, Round
from cchc.core.dashboard import LivePanel, PanelItem
from cchc.core.dates import short_date
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability, Role
from cchc.orgunits.scope import Scope

CURRENT = [Round.Status.OPEN, Round.Status.APPRAISAL, Round.Status.APPEALS, Round.Status.FINALISED]
APPEAL_STATUSES = (Round.Status.APPEALS, Round.Status.FINALISED)
NONE_TO_APPRAISE_MESSAGE = gettext_noop(
    "In appraisal; the framework gives your agency none of its criteria to appraise."
)
NO_UNIT_IN_AREA_MESSAGE = gettext_noop(
    "In appraisal; the units that have submitted lie outside your area: its organiser "
    "appraises them."
)
UNKNOWN_AREAS_MESSAGE = gettext_noop(
    "The areas on your account that its framework does not have: {codes}. Ask the system "
    "administrator to correct them."
)


def scoring_panels(user: Any) -> list[LivePanel]:
    if not user_has_capability(user, Capability.VIEW_ROUNDS):
        return []
    roles = user.role_set()
    rounds = list(selectors.round_list_for_user(user=user)[:6])
    panels: list[LivePanel] = []
    today = timezone.localdate()
    own_units = Scope.of(user).own_unit_ids
    if own_units:
        items = []
        own_assessments = list(
            Assessment.objects.filter(
                org_unit_id__in=own_units, round__status__in=CURRENT
            ).select_related("round", "org_unit")
        )
        for assessment in own_assessments:
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
        items.extend(_appeal_items(own_assessments))
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
            # The rounds the user runs: a round organised above their tree (the province's)
            # is read, not theirs to act on.
            if round_.status != Round.Status.PUBLISHED
            and selectors.round_can_manage(user=user, round_=round_)
        ]
        if items:
            panels.append(LivePanel("rounds", _("Scoring rounds"), items))
    if Role.APPRAISER in roles:
        items = []
        # Rounds holding criteria the user appraises (one query each, only for the few rounds
        # in appraisal); a round in appraisal with none of theirs is said so, not "nothing
        # to appraise yet, when a round reaches appraisal…" while one has.
        for round_ in rounds:
            if round_.status != Round.Status.APPRAISAL:
                continue
            if not selectors.appraisable_criteria(user=user, round_=round_):
                url, note = "", _(NONE_TO_APPRAISE_MESSAGE)
            elif (
                not selectors.assessments_to_appraise(user=user, round_=round_).exists()
                and round_.assessments.filter(status=Assessment.Status.SUBMITTED).exists()
            ):
                # A round organised above their tree whose units lie outside it.
                url, note = "", _(NO_UNIT_IN_AREA_MESSAGE)
            else:
                url = reverse("assessments:appraisal", args=[round_.pk])
                note = _("Appraisal is open")
            unknown = selectors.unknown_area_codes(user=user, round_=round_)
            if unknown:
                note += " " + _(UNKNOWN_AREAS_MESSAGE).format(codes=", ".join(unknown))
            items.append(PanelItem(str(round_), url, note))
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
        panels.append(LivePanel("overview", _("Overview of the area"), items))
    return panels


def _appeal_items(assessments: list[Assessment]) -> list[PanelItem]:
    """The way to a unit's appeals while its round is in appeals or finalised: how many wait
    and how many are decided (one grouped query, only when there is such a round)."""
    shown = [a for a in assessments if a.round.status in APPEAL_STATUSES]
    if not shown:
        return []
    counts: dict[int, dict[str, int]] = {}
    for assessment_id, status, count in (
        Appeal.objects.filter(score__assessment__in=shown)
        .values_list("score__assessment_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts.setdefault(assessment_id, {})[status] = count
    items = []
    for assessment in shown:
        mine = counts.get(assessment.pk, {})
        waiting = mine.get(Appeal.Status.PENDING, 0)
        decided = sum(mine.values()) - waiting
        if waiting or decided:
            note = _("%(waiting)s waiting for a decision · %(decided)s decided") % {
                "waiting": waiting,
                "decided": decided,
            }
        elif assessment.round.status == Round.Status.APPEALS:
            note = _("No appeal filed; appeals are accepted until %(date)s") % {
                "date": short_date(assessment.round.appeals_due_on)
            }
        else:
            continue
        items.append(
            PanelItem(
                _("Appeals of %(unit)s — %(round)s")
                % {"unit": assessment.org_unit, "round": assessment.round},
                reverse("assessments:appeal_list", args=[assessment.pk]),
                note,
            )
        )
    return items
