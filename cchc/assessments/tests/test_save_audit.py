"""The trail records what a save changed (found on a walk: an explanation rewritten showed
the same before and after, and a save that changed nothing was logged as a change)."""

from cchc.assessments.services import score_save
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion


class SaveAuditTests(BaseTestCase):
    def setUp(self):
        self.assessment = assessment_of(make_round(self.cast), self.cast.ward_a)
        self.criterion = Criterion.objects.get(
            framework=self.assessment.round.framework, code="1.1"
        )

    def save(self, data: dict, explanation: str | None = None) -> None:
        score_save(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion,
            data=data,
            explanation=explanation,
        )

    def test_a_new_explanation_is_in_the_trail_before_and_after(self):
        self.save({"answer": "yes"}, "Đã ban hành kế hoạch.")
        self.save({"answer": "yes"}, "Đã ban hành kế hoạch số 12/KH-UBND.")
        event = AuditEvent.objects.filter(action="score.save").order_by("-pk").first()
        assert event is not None
        assert event.before["explanation"] == "Đã ban hành kế hoạch."
        assert event.after["explanation"] == "Đã ban hành kế hoạch số 12/KH-UBND."

    def test_a_save_that_changes_nothing_writes_no_line(self):
        self.save({"answer": "yes"}, "Đã ban hành.")
        count = AuditEvent.objects.filter(action="score.save").count()
        self.save({"answer": "yes"}, "Đã ban hành.")
        self.save({"answer": "yes"})  # no explanation sent: the saved one stays
        assert AuditEvent.objects.filter(action="score.save").count() == count
