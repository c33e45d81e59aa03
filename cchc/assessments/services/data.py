"""Criteria fed by data: the figures come from the province's systems (cchc.indicators), are
kept on the score as what the data says, and fill the unit's declaration unless the unit has
declared something else (which it may do only with an explanation)."""

import json
from typing import Any

from django.db import transaction

from cchc.assessments.models import Assessment, Score
from cchc.assessments.services.self_assessment import score_save
from cchc.frameworks.rules import InputError
from cchc.indicators.selectors import figures_for_units, source_inputs


def _normal(inputs: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(inputs, default=str))


@transaction.atomic
def assessment_fill_from_data(*, actor: Any, assessment: Assessment) -> int:
    """Refresh what the data says for each data-fed criterion and fill the declaration where
    the unit has not declared otherwise; return how many criteria the data filled."""
    round_ = assessment.round
    criteria = list(
        round_.framework.criteria.exclude(data_source="").filter(
            children__isnull=True, is_self_scored=True
        )
    )
    if not criteria:
        return 0
    figures = figures_for_units([assessment.org_unit_id], round_.year, round_.period)[
        assessment.org_unit_id
    ]
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment, criterion__in=criteria)
    }
    filled = 0
    for criterion in criteria:
        data, _rows = source_inputs(criterion.data_source, figures)
        if data is None:
            continue
        try:
            system = _normal(criterion.rule.parse_inputs(data))
        except InputError:
            continue  # the criterion's rule does not read this kind of figure
        score = scores.get(criterion.pk)
        previous = score.system_inputs if score else None
        # Figures carried over from the previous round are not the unit's word: the data wins.
        declared_otherwise = bool(
            score and score.inputs and score.inputs != previous and not score.is_carried_over
        )
        if score is not None:
            Score.objects.filter(pk=score.pk).update(system_inputs=system)
        if declared_otherwise:
            continue
        saved, _tree = score_save(
            actor=actor, assessment=assessment, criterion=criterion, data=data
        )
        Score.objects.filter(pk=saved.pk).update(system_inputs=system)
        filled += 1
    return filled
