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
    score_confirm,
    score_save,
    scores_appraise,
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
APPEALS_DAYS = datetime.timedelta(days=26)  # from the self-assessment deadline


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


def seed_rounds(
    *,
    framework: Framework,
    city: OrgUnit,
    coordinator: Any,
    history: Framework | None = None,
) -> list[Round]:
    """Create the demo rounds once (by period and year): last year's two published rounds
    (from `history`, last year's framework) so that the dashboards have trends, this year's
    published 6-month round, and this year's open 9-month round."""
    year = framework.year
    existing = Round.objects.filter(framework=framework, year=year)
    if existing.exists():
        return list(existing)
    units = list(
        OrgUnit.objects.filter(parent=city, kind__in=OrgUnit.ASSESSED_KINDS).order_by("sort_order")
    )
    rng = random.Random(2026)
    strengths = {unit.pk: rng.random() for unit in units}
    rounds: list[Round] = []
    previous: Round | None = None
    if history is not None:
        # Its own random sequence: this year's rounds stay what they were without history.
        history_rng = random.Random(2025)
        for period, due, decision in (
            (Round.Period.H1, datetime.date(year - 1, 7, 10), "1102/QĐ-UBND"),
            (Round.Period.ANNUAL, datetime.date(year - 1, 12, 20), "96/QĐ-UBND"),
        ):
            # Units drift from round to round: some improve, a few fall back.
            drifted = {
                pk: min(1.0, max(0.0, value + history_rng.uniform(-0.25, 0.1)))
                for pk, value in strengths.items()
            }
            previous = _published_round(
                framework=history,
                city=city,
                coordinator=coordinator,
                units=units,
                period=period,
                due=due,
                rng=history_rng,
                strengths=drifted,
                previous=previous,
                decision=(decision, due + datetime.timedelta(days=36)),
            )
            rounds.append(previous)
    h1 = _published_round(
        framework=framework,
        city=city,
        coordinator=coordinator,
        units=units,
        period=Round.Period.H1,
        due=datetime.date(year, 7, 10),
        rng=rng,
        strengths=strengths,
        previous=previous,
        decision=("1234/QĐ-UBND", datetime.date(year, 8, 15)),
    )
    rounds.append(h1)
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
    return [*rounds, m9]


def _published_round(
    *,
    framework: Framework,
    city: OrgUnit,
    coordinator: Any,
    units: list[OrgUnit],
    period: str,
    due: datetime.date,
    rng: random.Random,
    strengths: dict[int, float],
    previous: Round | None,
    decision: tuple[str, datetime.date],
) -> Round:
    """One round taken through every step: self-assessment with evidence, appraisal (a few
    scores lowered, with the reason), appeals, finalised, published."""
    year = framework.year
    due, decided_on = _in_the_past(due, decision[1])
    round_ = round_create(
        actor=coordinator,
        framework=framework,
        organiser=city,
        period=period,
        year=year,
        units=units,
        self_assessment_due_on=due,
        appraisal_due_on=due + datetime.timedelta(days=15),
        appeals_due_on=due + APPEALS_DAYS,
        previous=previous,
    )
    round_ = round_advance(actor=coordinator, round_=round_)
    for assessment in round_.assessments.select_related("org_unit"):
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
        # Submitted in the days before the deadline, as it would have been: stamped at seeding
        # time, every past round read "submitted 08/12/2026 · 151 days late" (a walk).
        # (The random draws stay as they were: the demo's figures do not move.)
        day = due - datetime.timedelta(days=unit.pk % 10)
        submitted = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 30)))
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=submitted)
    round_ = round_advance(actor=coordinator, round_=round_)
    for assessment in round_.assessments.select_related("org_unit"):
        tree = load_tree(assessment)
        appraisals: list[tuple[Criterion, Decimal, str]] = []
        for criterion in tree.leaves:
            score = tree.scores.get(criterion.pk)
            if score is not None and score.is_not_applicable:
                continue
            if not criterion.is_self_scored:
                points = (criterion.max_points * Decimal(rng.randint(68, 96)) / 100).quantize(
                    Decimal("0.01")
                )
                appraisals.append((criterion, points, ""))
                continue
            points = score.self_points if score and score.self_points is not None else Decimal(0)
            reason = ""
            # Weaker units over-claim more often: the dashboards' over-claim index shows it.
            if points > 0 and rng.random() < 0.06 + 0.14 * (1 - strengths[assessment.org_unit_id]):
                points = (points / 2).quantize(Decimal("0.25"))
                reason = APPRAISAL_REASON
            appraisals.append((criterion, points, reason))
        # The whole unit at once: its totals are scored once, not after each criterion.
        scores_appraise(actor=coordinator, assessment=assessment, appraisals=appraisals)
    round_ = round_advance(actor=coordinator, round_=round_)  # appeals
    round_ = round_advance(actor=coordinator, round_=round_)  # finalised
    return round_advance(
        actor=coordinator, round_=round_, decision_number=decision[0], decision_date=decided_on
    )


def _in_the_past(
    due: datetime.date, decided_on: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The self-assessment deadline and decision date of a round the demo publishes, moved back
    when the demo is seeded before that round would have ended (this year's 6-month round,
    seeded before August): a round is finalised only once its units' time to appeal has passed
    (`rounds.WAITS_FOR_DEADLINE`), and a decision is not dated in the future."""
    today = timezone.localdate()
    latest = today - APPEALS_DAYS - datetime.timedelta(days=1)  # appeals closed yesterday
    shift = max(due - latest, datetime.timedelta(0))
    return due - shift, min(decided_on - shift, today)
