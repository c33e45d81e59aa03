"""Demo rounds: the 6-month round appraised and published, the 9-month round open with some
wards submitted, some in progress and one late. Everything goes through the real services."""

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cchc.accounts.models import Membership
from cchc.assessments.engine import load_tree
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import (
    assessment_submit,
    evidence_cite,
    round_advance,
    round_create,
    score_appraise,
    score_confirm,
    score_save,
)
from cchc.core.roles import Role
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.rules import (
    ChecklistRule,
    DeductionRule,
    GradedRule,
    ManualRule,
    RatioRule,
    TiersRule,
    YesNoRule,
)
from cchc.orgunits.models import OrgUnit

EXPLANATION = "Tài liệu lưu tại bộ phận văn thư của UBND (dữ liệu minh họa)."
APPRAISAL_REASON = "Tài liệu kiểm chứng chưa đầy đủ (dữ liệu minh họa)."


def _declared(criterion: Criterion, rng: random.Random, strength: float) -> dict[str, Any]:
    """Figures a unit might declare for a criterion; `strength` (0..1) makes a unit better."""
    rule = criterion.rule
    if isinstance(rule, YesNoRule):
        return {"answer": "yes" if rng.random() < 0.75 + strength / 4 else "no"}
    if isinstance(rule, TiersRule | RatioRule):
        denominator = rng.randint(40, 300)
        rate = min(1.0, 0.82 + strength * 0.15 + rng.random() * 0.06)
        return {"numerator": str(int(denominator * rate)), "denominator": str(denominator)}
    if isinstance(rule, DeductionRule):
        return {"count": str(rng.choice([0, 0, 1, 2] if strength > 0.5 else [0, 1, 2, 3]))}
    if isinstance(rule, ChecklistRule):
        done = rng.randint(1, len(rule.items))
        return {"ticked": [str(number) for number in range(1, done + 1)]}
    if isinstance(rule, GradedRule):
        return {"level": rule.levels[rng.randint(0, 1)].label}
    if isinstance(rule, ManualRule):
        steps = int(criterion.max_points / rule.step)
        return {"points": str(rule.step * rng.randint(0, max(1, steps // 2)))}
    return {}


def _chair(unit: OrgUnit) -> Any:
    membership = Membership.objects.filter(
        org_unit=unit, role=Role.UNIT_CHAIR, is_active=True
    ).first()
    return membership.user if membership else None


def _fill(
    assessment: Assessment, officer: Any, rng: random.Random, strength: float, share: float = 1.0
) -> None:
    tree = load_tree(assessment)
    leaves = [c for c in tree.leaves if c.is_self_scored]
    for index, criterion in enumerate(leaves):
        if index >= len(leaves) * share:
            break
        score = tree.scores.get(criterion.pk)
        if score is not None and score.system_inputs:
            continue  # filled from the province's data when the round opened
        score_save(
            actor=officer,
            assessment=assessment,
            criterion=criterion,
            data=_declared(criterion, rng, strength),
            explanation=EXPLANATION if criterion.evidence_required else None,
        )


def _officer(unit: OrgUnit) -> Any:
    membership = Membership.objects.filter(
        org_unit=unit, role=Role.UNIT_OFFICER, is_active=True
    ).first()
    return membership.user if membership else None


def seed_rounds(*, framework: Framework, city: OrgUnit, coordinator: Any) -> list[Round]:
    """Create the two demo rounds once (by period and year)."""
    year = framework.year
    existing = Round.objects.filter(framework=framework, year=year)
    if existing.exists():
        return list(existing)
    units = list(
        OrgUnit.objects.filter(parent=city, kind__in=OrgUnit.ASSESSED_KINDS).order_by("sort_order")
    )
    rng = random.Random(2026)
    strengths = {unit.pk: rng.random() for unit in units}
    h1 = round_create(
        actor=coordinator,
        framework=framework,
        organiser=city,
        period=Round.Period.H1,
        year=year,
        units=units,
        self_assessment_due_on=datetime.date(year, 7, 10),
        appraisal_due_on=datetime.date(year, 7, 25),
        appeals_due_on=datetime.date(year, 8, 5),
    )
    h1 = round_advance(actor=coordinator, round_=h1)
    for assessment in h1.assessments.select_related("org_unit"):
        unit = assessment.org_unit
        officer = _officer(unit)
        _fill(assessment, officer, rng, strengths[unit.pk])
        first_leaf = next(c for c in load_tree(assessment).leaves if c.evidence_required)
        evidence_cite(
            actor=officer,
            assessment=assessment,
            criterion=first_leaf,
            title=f"Kế hoạch CCHC năm {year} của {unit.name}",
            document_number=f"{rng.randint(1, 40)}/KH-UBND",
            # Never in the future, even when the demo is seeded in early January.
            document_date=min(datetime.date(year, 1, rng.randint(5, 25)), timezone.localdate()),
            issuer=f"UBND {unit.name}",
        )
        assessment_submit(actor=_chair(unit), assessment=assessment)
    h1 = round_advance(actor=coordinator, round_=h1)
    for assessment in h1.assessments.select_related("org_unit"):
        tree = load_tree(assessment)
        for criterion in tree.leaves:
            score = tree.scores.get(criterion.pk)
            if score is not None and score.is_not_applicable:
                continue
            if not criterion.is_self_scored:
                points = (criterion.max_points * Decimal(rng.randint(68, 96)) / 100).quantize(
                    Decimal("0.01")
                )
                score_appraise(
                    actor=coordinator, assessment=assessment, criterion=criterion, points=points
                )
                continue
            points = score.self_points if score and score.self_points is not None else Decimal(0)
            reason = ""
            if points > 0 and rng.random() < 0.12:
                points = (points / 2).quantize(Decimal("0.25"))
                reason = APPRAISAL_REASON
            score_appraise(
                actor=coordinator,
                assessment=assessment,
                criterion=criterion,
                points=points,
                reason=reason,
            )
    h1 = round_advance(actor=coordinator, round_=h1)  # appeals
    h1 = round_advance(actor=coordinator, round_=h1)  # finalised
    h1 = round_advance(
        actor=coordinator,
        round_=h1,
        decision_number="1234/QĐ-UBND",
        decision_date=datetime.date(year, 8, 15),
    )

    today = timezone.localdate()
    m9 = round_create(
        actor=coordinator,
        framework=framework,
        organiser=city,
        period=Round.Period.M9,
        year=year,
        units=units,
        self_assessment_due_on=today + datetime.timedelta(days=7),
        appraisal_due_on=today + datetime.timedelta(days=21),
        appeals_due_on=today + datetime.timedelta(days=35),
        previous=h1,
    )
    m9 = round_advance(actor=coordinator, round_=m9)  # carries the 6-month figures over
    for index, assessment in enumerate(
        m9.assessments.select_related("org_unit").order_by("org_unit__sort_order")
    ):
        unit = assessment.org_unit
        tree = load_tree(assessment)
        if index < 5:
            # Submitted: every carried value confirmed (a few updated), then submitted.
            for criterion in tree.leaves:
                score = tree.scores.get(criterion.pk)
                if score is not None and score.is_carried_over:
                    score_confirm(actor=_officer(unit), score=score)
            assessment_submit(actor=_chair(unit), assessment=assessment)
        elif index < 12:
            # In progress: some carried values confirmed.
            for criterion in tree.leaves[: 4 + index]:
                score = tree.scores.get(criterion.pk)
                if score is not None and score.is_carried_over:
                    score_confirm(actor=_officer(unit), score=score)
        elif index == 12:
            # Late: its deadline was set earlier for the demo (a unit that asked for no extension).
            Assessment.objects.filter(pk=assessment.pk).update(
                due_on=today - datetime.timedelta(days=3)
            )
    return [h1, m9]
