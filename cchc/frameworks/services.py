"""Writes to criteria frameworks. A published framework is frozen: changes go into a copy."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record, changed_only, snapshot
from cchc.core.versioning import check_version
from cchc.frameworks.importers import FrameworkFile
from cchc.frameworks.models import ClassificationBand, Criterion, Framework
from cchc.frameworks.rules import RuleError, SumRule, parse_rule
from cchc.frameworks.scoring import sum_problems
from cchc.orgunits.models import OrgUnit

BAND_COLOURS = ("excellent", "good", "fair", "average", "weak")
FRAMEWORK_FIELDS = [
    "name",
    "year",
    "unit_kinds",
    "decision_number",
    "decision_date",
    "description",
    "is_illustrative",
]
CRITERION_FIELDS = [
    "code",
    "title",
    "guidance",
    "legal_basis",
    "max_points",
    "rule_text",
    "section",
    "is_self_scored",
    "evidence_required",
    "evidence_kind",
    "agency",
    "data_source",
]

FROZEN_MESSAGE = gettext_noop(
    "This framework is published and frozen. Copy it to a new version to change it."
)
NOT_DRAFT_MESSAGE = gettext_noop("Only a draft can be published.")
NOT_PUBLISHED_MESSAGE = gettext_noop("Only a published framework can be archived.")
ARCHIVED_COPY_MESSAGE = gettext_noop("An archived framework cannot be copied; copy a newer one.")
EMPTY_FRAMEWORK_MESSAGE = gettext_noop("The framework has no criteria yet.")
NO_BANDS_MESSAGE = gettext_noop("The framework has no classification bands.")
NO_KINDS_MESSAGE = gettext_noop("Say which kinds of unit the framework applies to.")
PROBLEM_MESSAGE = gettext_noop("Criterion {code}: {message}")
CODE_TAKEN_MESSAGE = gettext_noop("Another criterion of this framework already has this code.")


# --- The state machine ------------------------------------------------------------------------


def framework_transition_refusal(framework: Framework, to_status: str) -> str | None:
    """Return why the framework cannot move to to_status, or None when it can."""
    status = framework.status
    if to_status == Framework.Status.PUBLISHED:
        if status != Framework.Status.DRAFT:
            return _(NOT_DRAFT_MESSAGE)
        problems = framework_publish_problems(framework)
        return problems[0] if problems else None
    if to_status == Framework.Status.ARCHIVED:
        return None if status == Framework.Status.PUBLISHED else _(NOT_PUBLISHED_MESSAGE)
    return _(NOT_DRAFT_MESSAGE)


def framework_publish_problems(
    framework: Framework,
    *,
    criteria: list[Criterion] | None = None,
    bands: list[ClassificationBand] | None = None,
) -> list[str]:
    """Return every reason the framework cannot be published, criterion by criterion.

    Pass the criteria and bands when the caller has loaded them already."""
    criteria = list(framework.criteria.all()) if criteria is None else criteria
    has_bands = framework.bands.exists() if bands is None else bool(bands)
    problems = []
    if not criteria:
        problems.append(_(EMPTY_FRAMEWORK_MESSAGE))
    if not has_bands:
        problems.append(_(NO_BANDS_MESSAGE))
    if not framework.unit_kinds:
        problems.append(_(NO_KINDS_MESSAGE))
    for code, _field, message in sum_problems(criterion.as_node() for criterion in criteria):
        problems.append(_(PROBLEM_MESSAGE).format(code=code, message=message))
    return problems


def _require_draft(framework: Framework) -> None:
    if framework.status != Framework.Status.DRAFT:
        raise ValidationError(_(FROZEN_MESSAGE))


# --- Frameworks -------------------------------------------------------------------------------


def _next_version(*, issuer: OrgUnit, name: str, year: int) -> int:
    latest = Framework.objects.filter(issuer=issuer, name=name, year=year).aggregate(
        latest=Max("version")
    )["latest"]
    return (latest or 0) + 1


def _set_bands(framework: Framework, bands: list[tuple[str, Decimal]]) -> None:
    framework.bands.all().delete()
    ordered = sorted(bands, key=lambda band: band[1], reverse=True)
    ClassificationBand.objects.bulk_create(
        ClassificationBand(
            framework=framework,
            name=name,
            min_percent=min_percent,
            colour=BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)],
        )
        for index, (name, min_percent) in enumerate(ordered)
    )


@transaction.atomic
def framework_import(
    *,
    actor: Any,
    issuer: OrgUnit,
    content: FrameworkFile,
    agencies: dict[str, OrgUnit],
    name: str,
    year: int,
    unit_kinds: list[str],
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    description: str = "",
    is_illustrative: bool = False,
    source: str = "",
) -> Framework:
    """Create a draft framework from a checked file, in one transaction."""
    framework = Framework(
        issuer=issuer,
        name=name.strip(),
        year=year,
        version=_next_version(issuer=issuer, name=name.strip(), year=year),
        unit_kinds=unit_kinds,
        decision_number=decision_number,
        decision_date=decision_date,
        description=description,
        is_illustrative=is_illustrative,
    )
    framework.full_clean()
    framework.save()
    # Parents before children: one bulk insert per depth keeps a 500-row file to a few queries.
    saved: dict[str, Criterion] = {}
    for depth in sorted({row.depth for row in content.criteria}):
        level = [row for row in content.criteria if row.depth == depth]
        created = Criterion.objects.bulk_create(
            Criterion(
                framework=framework,
                parent=saved.get(row.parent_code),
                code=row.code,
                title=row.title,
                guidance=row.guidance,
                legal_basis=row.legal_basis,
                max_points=row.max_points,
                rule_type=parse_rule(row.rule_text).type,
                rule_text=row.rule_text,
                section=row.section,
                is_self_scored=row.is_self_scored,
                evidence_required=row.evidence_required,
                evidence_kind=row.evidence_kind,
                agency=agencies.get(row.agency_code),
                data_source=row.data_source,
                order=row.order,
                depth=row.depth,
            )
            for row in level
        )
        saved.update({criterion.code: criterion for criterion in created})
    _set_bands(framework, content.bands)
    audit_record(
        actor=actor,
        action="framework.import",
        target=framework,
        after={
            **snapshot(framework, FRAMEWORK_FIELDS),
            "criteria": len(content.criteria),
            "source": source,
        },
    )
    return framework


@transaction.atomic
def framework_update(
    *,
    actor: Any,
    framework: Framework,
    expected_version: str | None = None,
    bands: list[tuple[str, Decimal]] | None = None,
    **changes: Any,
) -> Framework:
    """Change a draft's name, year, kinds, legal basis or bands."""
    unknown = set(changes) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise TypeError(f"framework_update got unknown fields: {sorted(unknown)}")
    _require_draft(framework)
    check_version(instance=framework, expected_version=expected_version)
    before = snapshot(framework, FRAMEWORK_FIELDS)
    before_bands = [[band.name, str(band.min_percent)] for band in framework.bands.all()]
    for name, value in changes.items():
        setattr(framework, name, value)
    framework.full_clean()
    framework.save(update_fields=[*changes, "updated_at"])
    if bands is not None:
        _set_bands(framework, bands)
    before_changed, after_changed = changed_only(before, snapshot(framework, FRAMEWORK_FIELDS))
    after_bands = [
        [name, str(percent)] for name, percent in sorted(bands or [], key=lambda b: -b[1])
    ]
    if bands is not None and after_bands != before_bands:
        before_changed["bands"], after_changed["bands"] = before_bands, after_bands
    if after_changed:
        audit_record(
            actor=actor,
            action="framework.update",
            target=framework,
            before=before_changed,
            after=after_changed,
        )
    return framework


@transaction.atomic
def framework_publish(*, actor: Any, framework: Framework) -> Framework:
    """Publish a draft whose sums and rules are right; archive the version it was copied from."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    refusal = framework_transition_refusal(framework, Framework.Status.PUBLISHED)
    if refusal:
        raise ValidationError(refusal)
    framework.status = Framework.Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="framework.publish",
        target=framework,
        before={"status": Framework.Status.DRAFT},
        after={"status": framework.status},
    )
    previous = framework.copied_from
    if previous is not None and previous.status == Framework.Status.PUBLISHED:
        framework_archive(actor=actor, framework=previous)
    return framework


@transaction.atomic
def framework_archive(*, actor: Any, framework: Framework) -> Framework:
    """Retire a published framework; it stays readable, and rounds scored with it keep it."""
    refusal = framework_transition_refusal(framework, Framework.Status.ARCHIVED)
    if refusal:
        raise ValidationError(refusal)
    framework.status = Framework.Status.ARCHIVED
    framework.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="framework.archive",
        target=framework,
        before={"status": Framework.Status.PUBLISHED},
        after={"status": framework.status},
    )
    return framework


@transaction.atomic
def framework_copy(*, actor: Any, framework: Framework) -> Framework:
    """Copy a framework into a new draft version with the same criteria and bands."""
    if framework.status == Framework.Status.ARCHIVED:
        raise ValidationError(_(ARCHIVED_COPY_MESSAGE))
    copy = Framework.objects.create(
        issuer=framework.issuer,
        name=framework.name,
        year=framework.year,
        version=_next_version(issuer=framework.issuer, name=framework.name, year=framework.year),
        unit_kinds=list(framework.unit_kinds),
        decision_number=framework.decision_number,
        decision_date=framework.decision_date,
        description=framework.description,
        is_illustrative=framework.is_illustrative,
        copied_from=framework,
    )
    criteria = list(framework.criteria.order_by("depth", "order"))
    new_by_old_id: dict[int, Criterion] = {}
    for depth in sorted({criterion.depth for criterion in criteria}):
        level = [criterion for criterion in criteria if criterion.depth == depth]
        created = Criterion.objects.bulk_create(
            Criterion(
                framework=copy,
                parent=new_by_old_id.get(criterion.parent_id or 0),
                **{
                    name: getattr(criterion, name)
                    for name in [*CRITERION_FIELDS, "rule_type", "order", "depth"]
                },
            )
            for criterion in level
        )
        new_by_old_id.update({old.pk: new for old, new in zip(level, created, strict=True)})
    _set_bands(copy, [(band.name, band.min_percent) for band in framework.bands.all()])
    audit_record(
        actor=actor,
        action="framework.copy",
        target=copy,
        after={"copied_from": framework.pk, "version": copy.version, "criteria": len(criteria)},
    )
    return copy


# --- Criteria ---------------------------------------------------------------------------------


def _clean_rule(criterion: Criterion) -> None:
    has_children = criterion.pk is not None and criterion.children.exists()
    try:
        rule = SumRule() if has_children else parse_rule(criterion.rule_text)
    except RuleError as error:
        raise ValidationError({"rule_text": error.message}) from error
    if not has_children and isinstance(rule, SumRule):
        raise ValidationError(
            {"rule_text": _("A criterion without sub-criteria needs a scoring rule.")}
        )
    problems = rule.problems_for(criterion.max_points)
    if problems:
        raise ValidationError({"rule_text": problems})
    criterion.rule_text = rule.to_text()
    criterion.rule_type = rule.type


@transaction.atomic
def criterion_update(
    *,
    actor: Any,
    criterion: Criterion,
    expected_version: str | None = None,
    **changes: Any,
) -> Criterion:
    """Change one criterion of a draft; the rule text is checked against the new maximum."""
    unknown = set(changes) - set(CRITERION_FIELDS)
    if unknown:
        raise TypeError(f"criterion_update got unknown fields: {sorted(unknown)}")
    _require_draft(criterion.framework)
    check_version(instance=criterion, expected_version=expected_version)
    before = snapshot(criterion, CRITERION_FIELDS)
    for name, value in changes.items():
        setattr(criterion, name, value.strip() if isinstance(value, str) else value)
    if (
        "code" in changes
        and Criterion.objects.filter(framework=criterion.framework, code=criterion.code)
        .exclude(pk=criterion.pk)
        .exists()
    ):
        raise ValidationError({"code": _(CODE_TAKEN_MESSAGE)})
    _clean_rule(criterion)
    criterion.full_clean(exclude=["framework", "parent"])
    # _clean_rule writes the rule back in its canonical text, with its type
    criterion.save(update_fields=[*changes, "rule_text", "rule_type", "updated_at"])
    before_changed, after_changed = changed_only(before, snapshot(criterion, CRITERION_FIELDS))
    if after_changed:
        audit_record(
            actor=actor,
            action="criterion.update",
            target=criterion,
            before=before_changed,
            after=after_changed,
        )
    return criterion


@transaction.atomic
def criterion_create(
    *,
    actor: Any,
    framework: Framework,
    parent: Criterion | None,
    code: str,
    title: str,
    max_points: Decimal,
    rule_text: str,
    **extra: Any,
) -> Criterion:
    """Add a criterion at the end of its parent's sub-criteria (or as a new area)."""
    _require_draft(framework)
    if Criterion.objects.filter(framework=framework, code=code.strip()).exists():
        raise ValidationError({"code": _(CODE_TAKEN_MESSAGE)})
    if parent is None:
        after = framework.criteria.aggregate(last=Max("order"))["last"] or 0
    else:
        subtree = [parent.pk]
        frontier = [parent.pk]
        while frontier:
            frontier = list(
                Criterion.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            subtree.extend(frontier)
        after = Criterion.objects.filter(pk__in=subtree).aggregate(last=Max("order"))["last"]
        if parent.rule_text != "sum":
            parent.rule_text, parent.rule_type = "sum", SumRule.type
            parent.save(update_fields=["rule_text", "rule_type", "updated_at"])
    framework.criteria.filter(order__gt=after).update(order=F("order") + 1)
    criterion = Criterion(
        framework=framework,
        parent=parent,
        code=code.strip(),
        title=title.strip(),
        max_points=max_points,
        rule_text=rule_text,
        order=after + 1,
        depth=0 if parent is None else parent.depth + 1,
        **extra,
    )
    _clean_rule(criterion)
    criterion.full_clean()
    criterion.save()
    audit_record(
        actor=actor,
        action="criterion.create",
        target=criterion,
        after=snapshot(criterion, CRITERION_FIELDS),
    )
    return criterion


@transaction.atomic
def criterion_delete(*, actor: Any, criterion: Criterion) -> None:
    """Remove a criterion of a draft, with its sub-criteria."""
    _require_draft(criterion.framework)
    audit_record(
        actor=actor,
        action="criterion.delete",
        target=criterion,
        before=snapshot(criterion, CRITERION_FIELDS),
    )
    criterion.delete()
