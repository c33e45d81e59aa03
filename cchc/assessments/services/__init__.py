"""Writes of the scoring cycle, one module per stage (see docs/architecture.md)."""

from cchc.assessments.services.appeals import appeal_decide, appeal_file
from cchc.assessments.services.appraisal import (
    score_appraise,
    scores_appraise,
    self_scores_accept,
)
from cchc.assessments.services.evidence import (
    evidence_check_signatures,
    evidence_cite,
    evidence_detach,
    evidence_reuse,
    evidence_upload,
)
from cchc.assessments.services.questions import question_answer, question_ask
from cchc.assessments.services.rounds import (
    assessment_extend,
    round_advance,
    round_create,
    round_deadlines_change,
    round_open_refusal,
    round_setup_refusals,
    round_transition_refusal,
)
from cchc.assessments.services.self_assessment import (
    area_confirm,
    assessment_return,
    assessment_submit,
    carry_over_round,
    score_confirm,
    score_save,
    submission_problems,
)

__all__ = [
    "appeal_decide",
    "appeal_file",
    "area_confirm",
    "assessment_extend",
    "assessment_return",
    "assessment_submit",
    "carry_over_round",
    "evidence_check_signatures",
    "evidence_cite",
    "question_answer",
    "question_ask",
    "evidence_detach",
    "evidence_reuse",
    "evidence_upload",
    "round_advance",
    "round_create",
    "round_deadlines_change",
    "round_open_refusal",
    "round_setup_refusals",
    "round_transition_refusal",
    "score_appraise",
    "scores_appraise",
    "self_scores_accept",
    "score_confirm",
    "score_save",
    "submission_problems",
]
