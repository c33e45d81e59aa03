import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cchc.assessments.models import Question, Round
from cchc.assessments.services import (
    assessment_submit,
    evidence_cite,
    question_answer,
    question_ask,
    round_advance,
)
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.notifications.models import Notification


class QuestionTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        self.criterion = Criterion.objects.get(framework=self.round.framework, code="2.1")

    def test_questions_wait_for_appraisal(self):
        with pytest.raises(ValidationError):
            question_ask(
                actor=self.appraiser, assessment=self.assessment, criterion=self.criterion, text="?"
            )

    def test_the_unit_answers_and_adds_evidence_to_the_asked_criterion_only(self):
        round_advance(actor=None, round_=self.round)
        self.assessment.refresh_from_db()
        question = question_ask(
            actor=self.appraiser,
            assessment=self.assessment,
            criterion=self.criterion,
            text="Gửi danh sách hồ sơ trễ hạn.",
        )
        assert Notification.objects.filter(
            user=self.ward_officer, kind=Notification.Kind.QUESTION
        ).exists()
        evidence_cite(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion,
            title="Danh sách hồ sơ",
            document_number="5/BC",
            document_date=datetime.date(2026, 7, 1),
        )
        other = Criterion.objects.get(framework=self.round.framework, code="1.2")
        with pytest.raises(ValidationError):
            evidence_cite(
                actor=self.ward_officer,
                assessment=self.assessment,
                criterion=other,
                title="X",
                document_number="1",
                document_date=datetime.date(2026, 7, 1),
            )
        question_answer(actor=self.ward_officer, question=question, answer="Đã gửi kèm.")
        assert Notification.objects.filter(
            user=self.appraiser, kind=Notification.Kind.ANSWER
        ).exists()
        with pytest.raises(ValidationError):
            question_answer(actor=self.ward_officer, question=question, answer="Lần hai.")

    def test_through_the_pages(self):
        round_advance(actor=None, round_=self.round)
        self.login("appraiser")
        self.client.post(
            reverse("assessments:question_ask", args=[self.assessment.pk, self.criterion.pk]),
            {"text": "Có bao nhiêu hồ sơ trễ hạn?"},
        )
        question = Question.objects.get()
        self.login("outsider")
        assert (
            self.client.post(
                reverse("assessments:question_answer", args=[question.pk]), {"answer": "x"}
            ).status_code
            == 404
        )
        self.login("ward_officer")
        response = self.client.get(self.assessment.get_absolute_url(), {"questions": "1"})
        assert [row["criterion"].code for row in response.context["rows"]] == ["2.1"]
        self.client.post(
            reverse("assessments:question_answer", args=[question.pk]), {"answer": "Một hồ sơ."}
        )
        question.refresh_from_db()
        assert question.answer == "Một hồ sơ."
        assert Round.objects.get().status == Round.Status.APPRAISAL
