"""Who sees which round, assessment, score and evidence.

Which units a user reaches is cchc.orgunits.scope's (`Scope.of(user)`); this module says what
that means for rounds.

- Keepers (Home Affairs, administrators) see the rounds they organise, drafts included.
- A ward or commune sees only its own assessment, and its appraised scores only once the
  round is published.
- Appraisers, inspectors and leaders see the rounds of their city (an agency belongs to its
  city) once they are opened, every unit included. A role that does not read rounds (the
  portal's editors) widens nothing, even for a user who also holds another role.
- An appraiser appraises the criteria that name their agency; a criterion that names no agency,
  by the areas on their membership (`appraises`, read through `can_appraise`).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cchc.accounts.models import Membership
from cchc.assessments.models import Appeal, Assessment, Evidence, Round, Score
from cchc.core.permissions import require_capability, user_has_capability
from cchc.core.roles import Capability, Role
from cchc.frameworks.models import Criterion
from cchc.orgunits.scope import KEEPER_ROLES, Scope, ancestor_paths, around_q, under_q


def round_list_for_user(*, user: Any) -> QuerySet[Round]:
    """Return the rounds the user may see, newest first."""
    require_capability(user, Capability.VIEW_ROUNDS)
    rounds = Round.objects.select_related("framework", "organiser")
    scope = Scope.of(user)
    if scope.is_admin:
        return rounds.order_by("-year", "-created_at")
    visible = under_q(scope.keeper_paths, "organiser")
    opened = ~Q(status=Round.Status.DRAFT)
    roots = scope.reader_roots
    # A round of a unit above (the province's) is the reader's when it assesses a unit of
    # their tree: the province's round of its own new units was listed to the city, whose
    # readers could do nothing with it (a walk).
    visible |= opened & (
        under_q(roots, "organiser")
        | (around_q(roots, "organiser") & under_q(roots, "assessments__org_unit"))
    )
    units = scope.own_unit_ids
    if units:
        visible |= opened & Q(assessments__org_unit_id__in=units)
    return rounds.filter(visible).distinct().order_by("-year", "-created_at")


def round_get_for_user(*, user: Any, pk: int) -> Round:
    return get_object_or_404(round_list_for_user(user=user), pk=pk)


def round_can_manage(*, user: Any, round_: Round) -> bool:
    if not user_has_capability(user, Capability.MANAGE_ROUNDS):
        return False
    return Scope.of(user).keeps(round_.organiser)


def round_results_visible(*, user: Any, round_: Round) -> bool:
    """The ranking (results page, its export, the ranking announcement): everyone who reads
    the round once it is published; before that its keepers and the readers who follow it
    (agencies, leaders), never the units."""
    return round_.status == Round.Status.PUBLISHED or round_follows_whole(user=user, round_=round_)


def round_follows_whole(*, user: Any, round_: Round) -> bool:
    """Does the user follow every unit of the round (its board, its ranking before
    publication, its dashboards)? Whoever runs it, and the readers whose tree holds its
    organiser. A round organised above the reader's tree (the province's, read by the city's
    office) shows them their own tree's units only, and its ranking once published."""
    return round_can_manage(user=user, round_=round_) or Scope.of(user).covers(round_.organiser)


def round_get_for_manage(*, user: Any, pk: int) -> Round:
    round_ = round_get_for_user(user=user, pk=pk)
    if not round_can_manage(user=user, round_=round_):
        raise PermissionDenied
    return round_


def assessments_for_board(*, user: Any, round_: Round) -> QuerySet[Assessment]:
    """Return the round's assessments the user may see: all of them (`round_follows_whole`),
    or those of the units their scope reaches."""
    assessments = round_.assessments.select_related("org_unit").order_by(
        "org_unit__sort_order", "org_unit__name"
    )
    if round_follows_whole(user=user, round_=round_):
        return assessments
    return Scope.of(user).filter(assessments, "org_unit")


def assessments_to_appraise(*, user: Any, round_: Round) -> QuerySet[Assessment]:
    """The round's submitted assessments the user's appraisal page lists and counts: those of
    its board (`assessments_for_board`); a round organised above an appraiser's tree lists its
    own tree's units only; never a unit the user works for (an officer who also appraises)."""
    return (
        assessments_for_board(user=user, round_=round_)
        .filter(status=Assessment.Status.SUBMITTED)
        .exclude(org_unit_id__in=Scope.of(user).own_unit_ids)  # not their own (can_appraise)
    )


def appraisal_progress(
    *, user: Any, round_: Round, criterion: Criterion | None = None
) -> tuple[int, dict[int, int]]:
    """How far the user's appraisal of the round is: the units their page lists
    (`assessments_to_appraise`) and, criterion id → how many of them have an appraised score;
    for one criterion only when `criterion` is given (the answer to a save)."""
    listed = assessments_to_appraise(user=user, round_=round_)
    scores = Score.objects.filter(
        assessment__in=listed.values("pk"), appraised_points__isnull=False
    )
    if criterion is not None:
        return listed.count(), {criterion.pk: scores.filter(criterion=criterion).count()}
    # One grouped count over the round's appraised scores (no list of criteria in the query:
    # with one, the database probes each unit's scores once per criterion).
    done: dict[int, int] = dict(
        scores.values("criterion_id")
        .annotate(n=Count("id"))
        .values_list("criterion_id", "n")
        .order_by()
    )
    return listed.count(), done


def round_unit_ids_for_user(*, user: Any, round_: Round) -> set[int] | None:
    """The units of the round the user follows on its progress board: None for all of them
    (`round_follows_whole`), otherwise those of its units their scope reaches."""
    if round_follows_whole(user=user, round_=round_):
        return None
    return set(
        assessments_for_board(user=user, round_=round_).values_list("org_unit_id", flat=True)
    )


def assessment_get_for_user(*, user: Any, pk: int) -> Assessment:
    """Return an assessment the user may read: of a round they run, or of a unit their scope
    reaches; another's is 404 (a round organised above the reader's tree holds units that are
    not theirs)."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("round__framework", "round__organiser", "org_unit"),
        pk=pk,
    )
    round_get_for_user(user=user, pk=assessment.round_id)
    if not round_can_manage(user=user, round_=assessment.round) and not Scope.of(user).covers(
        assessment.org_unit
    ):
        raise Http404
    return assessment


def can_fill(*, user: Any, assessment: Assessment) -> bool:
    """Officers and chairs of the unit fill in its self-assessment (and, working for it, never
    appraise it nor decide its appeals)."""
    return assessment.org_unit_id in Scope.of(user).own_unit_ids


def can_submit(*, user: Any, assessment: Assessment) -> bool:
    return any(
        m.role == Role.UNIT_CHAIR and m.org_unit_id == assessment.org_unit_id
        for m in user.active_memberships
    )


def shows_appraisal(*, user: Any, assessment: Assessment) -> bool:
    """The unit sees its appraised scores only once the round is published (or in appeals,
    where it must see them to contest them); everyone else who may read it sees them once the
    round has reached its appraisal (before, there is nothing appraised: "0 / 100" misled)."""
    if assessment.round.status in (Round.Status.DRAFT, Round.Status.OPEN):
        return False
    scope = Scope.of(user)
    if assessment.org_unit_id in scope.own_unit_ids and not (
        round_can_manage(user=user, round_=assessment.round) or scope.reader_roots
    ):
        return assessment.round.status in (
            Round.Status.APPEALS,
            Round.Status.FINALISED,
            Round.Status.PUBLISHED,
        )
    return True


def appraises(membership: Any, criterion: Criterion) -> bool:
    """The one rule of who appraises what, for one appraiser's membership.

    A criterion names the agency that appraises it (the framework file's "Cơ quan thẩm định",
    on the criterion's own row): then exactly that agency's appraisers appraise it, whatever
    areas their membership lists. Only a criterion that names no agency falls back to the
    areas on the membership ("2" covers 2, 2.1, 2.1.3)."""
    if membership.role != Role.APPRAISER:
        return False
    if criterion.agency_id is not None:
        return bool(criterion.agency_id == membership.org_unit_id)
    return any(
        criterion.code == code or criterion.code.startswith(f"{code}.")
        for code in membership.area_codes or []
    )


def appraisable_criteria(*, user: Any, round_: Round) -> list[Criterion]:
    """Return the leaf criteria the user appraises in this round, in order: a keeper of the
    round all of them, an appraiser those `appraises` gives them (one query)."""
    leaves = Criterion.objects.filter(
        framework_id=round_.framework_id, children__isnull=True
    ).order_by("order")
    if round_can_manage(user=user, round_=round_):
        return list(leaves)
    memberships = [m for m in user.active_memberships if m.role == Role.APPRAISER]
    if not memberships:
        return []
    return [c for c in leaves if any(appraises(m, c) for m in memberships)]


def unknown_area_codes(*, user: Any, round_: Round) -> list[str]:
    """The areas listed on the user's appraiser memberships that name no criterion of the
    round's framework (a typo, or another framework's numbering): with them the user is given
    nothing to appraise and would not know why. Memberships are written where no framework
    is known (accounts), so the round's framework is the first place to check them."""
    listed = sorted(
        {
            code
            for m in user.active_memberships
            if m.role == Role.APPRAISER
            for code in m.area_codes or []
        }
    )
    if not listed:
        return []
    codes = set(
        Criterion.objects.filter(framework_id=round_.framework_id).values_list("code", flat=True)
    )
    return [code for code in listed if code not in codes]


def can_appraise(*, user: Any, assessment: Assessment, criterion: Criterion) -> bool:
    """May this user appraise this criterion of this assessment? The one answer the appraisal
    page, its progress, the save (view and service) and the questions read: a leaf of the
    round's framework that the round's keeper, or an appraiser by `appraises`, appraises. The
    caller has read the assessment through `assessment_get_for_user`."""
    if criterion.framework_id != assessment.round.framework_id:
        return False
    if can_fill(user=user, assessment=assessment):
        # Nobody appraises a unit they also work for (its officer or chair, who fill it in);
        # nor decides its appeals (services.appeals).
        return False
    if round_can_manage(user=user, round_=assessment.round):
        allowed = True
    else:
        allowed = any(appraises(m, criterion) for m in user.active_memberships)
    return allowed and not criterion.children.exists()


def evidence_get_for_user(*, user: Any, pk: int) -> Evidence:
    """Return evidence the user may download: whoever may read the assessment it belongs to."""
    evidence = get_object_or_404(Evidence.objects.select_related("assessment"), pk=pk)
    assessment_get_for_user(user=user, pk=evidence.assessment_id)
    return evidence


def unit_evidence(*, assessment: Assessment) -> QuerySet[Evidence]:
    """Return the unit's evidence, to reuse for another criterion."""
    return Evidence.objects.filter(org_unit_id=assessment.org_unit_id).order_by("-created_at")


def appeals_for_round(*, round_: Round) -> QuerySet[Appeal]:
    return Appeal.objects.filter(score__assessment__round=round_).select_related(
        "score__criterion", "score__assessment__org_unit", "filed_by"
    )


def appraisers_of(*, round_: Round, criterion: Criterion) -> list[Any]:
    """The appraisers of one criterion in a round, by the rule `appraises` (the members of the
    agency it names; when it names none, those whose areas hold it), in the agencies of the
    round's organiser (one query)."""
    memberships = Membership.objects.filter(
        under_q([round_.organiser], "org_unit"), role=Role.APPRAISER, is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships if appraises(membership, criterion)]


def keepers_of(*, round_: Round) -> list[Any]:
    """The Home Affairs officers who keep a round: those of its organiser or of a unit above
    it, as `round_can_manage` reads it (one query)."""
    paths = ancestor_paths(round_.organiser, include_self=True)
    return [
        membership.user
        for membership in Membership.objects.filter(
            role__in=KEEPER_ROLES, is_active=True, org_unit__path__in=paths
        ).select_related("user")
    ]


def appeals_for_assessment(*, assessment: Assessment) -> QuerySet[Appeal]:
    """The appeals of one assessment, in the order of the criteria, the latest first (the
    caller has read the assessment through `assessment_get_for_user`)."""
    return (
        Appeal.objects.filter(score__assessment=assessment)
        .select_related("score__criterion", "filed_by", "decided_by")
        .order_by("score__criterion__order", "-created_at")
    )


def assessment_get_for_fill(*, user: Any, pk: int) -> Assessment:
    """Return an assessment the user fills in: another unit's is 404 (as reading it), one the
    user only reads is 403. One query for its own unit's officer: a unit's assessment in an
    opened round is one its officers read (round_list_for_user), so the reading rule is asked
    only for anyone else."""
    try:
        assessment = Assessment.objects.select_related("round", "org_unit").get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None
    if (
        assessment.round.status != Round.Status.DRAFT
        and can_fill(user=user, assessment=assessment)
        and user_has_capability(user, Capability.VIEW_ROUNDS)
    ):
        return assessment
    assessment = assessment_get_for_user(user=user, pk=pk)
    if not can_fill(user=user, assessment=assessment):
        raise PermissionDenied
    return assessment
