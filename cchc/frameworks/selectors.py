"""Reads of frameworks. Published and archived frameworks are open to every logged-in role;
drafts only to those who keep the issuing unit (Home Affairs in scope, administrators)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cchc.core.permissions import require_capability, user_has_capability
from cchc.core.roles import Capability
from cchc.frameworks.models import ClassificationBand, Criterion, Framework
from cchc.frameworks.scoring import Section
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, Scope


def framework_issuers_for_user(*, user: Any) -> QuerySet[OrgUnit]:
    """Return the units whose frameworks the user may write (and so issue)."""
    if not user_has_capability(user, Capability.MANAGE_FRAMEWORKS):
        return OrgUnit.objects.none()
    units = OrgUnit.objects.exclude(kind=OrgUnit.Kind.AGENCY).filter(
        kind__in=[OrgUnit.Kind.PROVINCE, OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT]
    )
    return Scope.of(user).filter(units, purpose=KEEP)


def framework_list_for_user(*, user: Any) -> QuerySet[Framework]:
    """Return the frameworks the user may read, with their criteria counts."""
    require_capability(user, Capability.VIEW_FRAMEWORKS)
    visible = Q(status__in=[Framework.Status.PUBLISHED, Framework.Status.ARCHIVED])
    issuers = framework_issuers_for_user(user=user)
    if user_has_capability(user, Capability.MANAGE_FRAMEWORKS):
        visible |= Q(issuer__in=issuers.values("pk"))
    return (
        Framework.objects.filter(visible)
        .select_related("issuer")
        .annotate(criterion_count=Count("criteria"))
        .order_by("-year", "name", "-version")
    )


def framework_get_for_user(*, user: Any, pk: int) -> Framework:
    """Return a framework the user may read; drafts of others are 404."""
    return get_object_or_404(framework_list_for_user(user=user), pk=pk)


def framework_can_manage(*, user: Any, framework: Framework) -> bool:
    """Return whether the user keeps the framework's issuing unit."""
    return framework_issuers_for_user(user=user).filter(pk=framework.issuer_id).exists()


def framework_get_for_edit(*, user: Any, pk: int) -> Framework:
    """Return a framework the user keeps; 404 if unseen, 403 if seen but not theirs."""
    require_capability(user, Capability.MANAGE_FRAMEWORKS)
    framework = framework_get_for_user(user=user, pk=pk)
    if not framework_can_manage(user=user, framework=framework):
        raise PermissionDenied
    return framework


def criterion_get_for_edit(*, user: Any, pk: int) -> Criterion:
    """Return a criterion of a framework the user keeps."""
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "parent", "agency"), pk=pk
    )
    framework_get_for_edit(user=user, pk=criterion.framework_id)
    return criterion


def criterion_get_for_user(*, user: Any, pk: int) -> Criterion:
    """Return a criterion of a framework the user may read."""
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "parent", "agency"), pk=pk
    )
    framework_get_for_user(user=user, pk=criterion.framework_id)
    return criterion


def criteria_of(framework: Framework) -> list[Criterion]:
    """Return the whole tree in order, parents and agencies loaded (one query)."""
    return list(
        Criterion.objects.filter(framework=framework)
        .select_related("parent", "agency")
        .order_by("order")
    )


def bands_of(framework: Framework) -> list[ClassificationBand]:
    return list(framework.bands.order_by("-min_percent"))


def band_for(percent: Decimal | None, bands: list[ClassificationBand]) -> ClassificationBand | None:
    """Return the band a percentage falls in (bands highest first)."""
    if percent is None:
        return None
    for band in sorted(bands, key=lambda band: band.min_percent, reverse=True):
        if percent >= band.min_percent:
            return band
    return None


def agencies_for_criteria() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY, active_to__isnull=True).order_by("name")


DIFF_FIELDS = [
    "title",
    "parent",
    "max_points",
    "rule_text",
    "section",
    "is_self_scored",
    "evidence_required",
    "evidence_kind",
    "agency",
    "guidance",
    "legal_basis",
]


@dataclass
class DiffRow:
    code: str
    change: str  # "added", "removed", "changed"
    title: str
    fields: list[tuple[str, str, str]]  # (field label, old, new)


def _diff_value(criterion: Criterion, name: str) -> str:
    if name == "parent":
        return criterion.parent.code if criterion.parent else ""
    if name == "agency":
        return criterion.agency.name if criterion.agency else ""
    value = getattr(criterion, name)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def framework_diff(*, old: Framework, new: Framework) -> list[DiffRow]:
    """Compare two frameworks criterion by criterion (matched by code), in the new one's order."""
    old_by_code = {criterion.code: criterion for criterion in criteria_of(old)}
    new_criteria = criteria_of(new)
    new_codes = {criterion.code for criterion in new_criteria}
    rows: list[DiffRow] = []
    for criterion in new_criteria:
        before = old_by_code.get(criterion.code)
        if before is None:
            rows.append(DiffRow(criterion.code, "added", criterion.title, []))
            continue
        changes = []
        for name in DIFF_FIELDS:
            old_value, new_value = _diff_value(before, name), _diff_value(criterion, name)
            if old_value != new_value:
                label = str(getattr(Criterion._meta.get_field(name), "verbose_name", name))
                changes.append((label, old_value, new_value))
        if changes:
            rows.append(DiffRow(criterion.code, "changed", criterion.title, changes))
    for code, criterion in old_by_code.items():
        if code not in new_codes:
            rows.append(DiffRow(code, "removed", criterion.title, []))
    return rows


def framework_versions(*, user: Any, framework: Framework) -> list[Framework]:
    """Return the other versions of the same framework the user may read, to diff against."""
    return list(
        framework_list_for_user(user=user)
        .filter(issuer=framework.issuer_id, name=framework.name, year=framework.year)
        .exclude(pk=framework.pk)
        .order_by("-version")
    )


def framework_get_version_for_diff(*, user: Any, framework: Framework, pk: int) -> Framework:
    versions = {other.pk: other for other in framework_versions(user=user, framework=framework)}
    if pk not in versions:
        raise Http404
    return versions[pk]


def areas_of(criteria: list[Criterion]) -> list[Criterion]:
    """The areas of a framework (its criteria in order): the lowest groups, whose
    sub-criteria are all scored directly. Bonus and penalty sections are caps, not shares of
    a maximum: they are not areas."""
    children: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        if criterion.parent_id:
            children[criterion.parent_id].append(criterion)
    return [
        criterion
        for criterion in criteria
        if children.get(criterion.pk)
        and all(not children.get(kid.pk) for kid in children[criterion.pk])
        and criterion.section == Section.NORMAL
    ]
