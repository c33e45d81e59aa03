"""Records each kind of document is built from, made through the services."""

from decimal import Decimal

from cchc.assessments.models import Assessment, Round, Score
from cchc.assessments.services import assessment_submit, round_advance, score_appraise
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import Cast
from cchc.frameworks.models import Criterion
from cchc.inspections.models import Finding, Inspection
from cchc.inspections.services import findings
from cchc.inspections.tests.factories import approved_inspection, to_status

SENTENCE = "Việc triển khai duy trì Hệ thống quản lý chất lượng theo tiêu chuẩn ISO còn chậm"


def concluded_inspection(cast: Cast) -> Inspection:
    """Ward A's visit, concluded with a strength, a shortcoming on a root cause, a
    recommendation and its action."""
    inspection = to_status(cast, approved_inspection(cast), Inspection.Status.VISITING)
    findings.finding_create(
        actor=None,
        inspection=inspection,
        kind=Finding.Kind.STRENGTH,
        topic="tthc",
        area="Công khai thủ tục hành chính",
        text="Niêm yết công khai thủ tục hành chính đầy đủ, kịp thời",
    )
    cause = findings.root_cause_get_or_create(
        actor=None, organiser=cast.city, title="Kinh phí còn hạn hẹp"
    )
    findings.finding_create(
        actor=None,
        inspection=inspection,
        kind=Finding.Kind.SHORTCOMING,
        topic="iso",
        area="Duy trì và cải tiến",
        text=SENTENCE,
        severity=Finding.Severity.MODERATE,
        cause_kind=Finding.CauseKind.OBJECTIVE,
        cause="Nguồn kinh phí của phường hạn chế",
        root_causes=[cause],
    )
    return to_status(cast, inspection, Inspection.Status.CONCLUDED)


def submitted_assessment(cast: Cast) -> Assessment:
    round_ = make_round(cast)
    assessment = assessment_of(round_, cast.ward_a)
    fill(assessment, cast.ward_officer)
    return assessment_submit(actor=cast.ward_chair, assessment=assessment)


def published_round(cast: Cast) -> Round:
    """A round with both wards submitted, appraised as declared, and published."""
    from cchc.accounts.services import membership_add, user_create
    from cchc.core.roles import Role

    assessment = submitted_assessment(cast)
    other = assessment_of(assessment.round, cast.ward_b)
    fill(other, cast.outsider)
    chair_b = user_create(actor=None, username="chair_b", password="a-long-test-password-42")
    membership_add(actor=None, user=chair_b, role=Role.UNIT_CHAIR, org_unit=cast.ward_b)
    assessment_submit(actor=chair_b, assessment=other)
    round_ = round_advance(actor=cast.home_affairs, round_=assessment.round)
    for unit_assessment in (assessment, other):
        for criterion in Criterion.objects.filter(
            framework=round_.framework, children__isnull=True
        ):
            score = Score.objects.get(assessment=unit_assessment, criterion=criterion)
            score_appraise(
                actor=cast.home_affairs,
                assessment=unit_assessment,
                criterion=criterion,
                points=score.self_points or Decimal(0),
                reason="",
            )
    round_ = round_advance(actor=cast.home_affairs, round_=round_)
    round_ = round_advance(actor=cast.home_affairs, round_=round_)
    return round_advance(
        actor=cast.home_affairs,
        round_=round_,
        decision_number="15/QĐ-UBND",
        decision_date=round_.appeals_due_on,
    )
