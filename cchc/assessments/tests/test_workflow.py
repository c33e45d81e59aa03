"""The whole cycle through the services: every transition and every refusal."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cchc.assessments.models import Appeal, Assessment, Round, Score
from cchc.assessments.services import (
    appeal_decide,
    appeal_file,
    assessment_extend,
    assessment_return,
    assessment_submit,
    evidence_cite,
    round_advance,
    round_transition_refusal,
    score_appraise,
    score_save,
)
from cchc.assessments.services.results import rank_competition
from cchc.assessments.tests.factories import FULL_INPUTS, assessment_of, make_round
from cchc.core.dates import short_date
from cchc.core.exceptions import ConflictError
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion

D = Decimal


def fill(assessment: Assessment, actor, inputs=FULL_INPUTS, explain=True):
    for code, data in inputs.items():
        criterion = Criterion.objects.get(framework=assessment.round.framework, code=code)
        score_save(
            actor=actor,
            assessment=assessment,
            criterion=criterion,
            data=data,
            explanation="Đã ban hành, chưa số hóa."
            if explain and criterion.evidence_required
            else None,
        )


class SelfAssessmentTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)

    def criterion(self, code):
        return Criterion.objects.get(framework=self.round.framework, code=code)

    def test_saving_figures_scores_them_and_keeps_totals(self):
        score, _tree = score_save(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion("2.1"),
            data={"numerator": "17", "denominator": "18"},
        )
        assert score.self_points == 1
        assert score.self_explanation == "17/18 = 94,4% → 1 điểm (bậc 90–<95%)."
        self.assessment.refresh_from_db()
        assert (self.assessment.self_points, self.assessment.self_max) == (D(1), D(12))
        assert self.assessment.status == Assessment.Status.IN_PROGRESS
        assert (self.assessment.declared_count, self.assessment.leaf_count) == (1, 4)

    def test_bad_figures_are_refused_and_nothing_is_stored(self):
        with pytest.raises(ValidationError) as error:
            score_save(
                actor=self.ward_officer,
                assessment=self.assessment,
                criterion=self.criterion("2.1"),
                data={"numerator": "19", "denominator": "18"},
            )
        assert "numerator" in error.value.message_dict
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_a_stale_save_shows_the_other_value_and_overwrites_nothing(self):
        criterion = self.criterion("1.1")
        score, _ = score_save(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=criterion,
            data={"answer": "yes"},
        )
        stale = version_token(score)
        score_save(
            actor=self.ward_chair,
            assessment=self.assessment,
            criterion=criterion,
            data={"answer": "no"},
            expected_version=stale,
        )
        with pytest.raises(ConflictError) as conflict:
            score_save(
                actor=self.ward_officer,
                assessment=self.assessment,
                criterion=criterion,
                data={"answer": "yes"},
                expected_version=stale,
            )
        assert conflict.value.current.self_points == 0
        assert Score.objects.get(assessment=self.assessment, criterion=criterion).self_points == 0

    def test_submission_needs_every_figure_and_an_explanation_for_missing_evidence(self):
        fill(self.assessment, self.ward_officer, explain=False)
        with pytest.raises(ValidationError) as error:
            assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        assert any("1.1" in message for message in error.value.messages)
        evidence_cite(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion("1.1"),
            title="Kế hoạch CCHC năm 2026",
            document_number="12/KH-UBND",
            document_date=self.round.self_assessment_due_on,
        )
        submitted = assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        assert submitted.status == Assessment.Status.SUBMITTED
        assert len(submitted.fingerprint) == 64
        with pytest.raises(ValidationError):
            score_save(
                actor=self.ward_officer,
                assessment=self.assessment,
                criterion=self.criterion("1.2"),
                data={"count": "0"},
            )

    def test_the_coordinator_returns_and_the_unit_resubmits(self):
        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        with pytest.raises(ValidationError):
            assessment_return(actor=self.home_affairs, assessment=self.assessment, reason=" ")
        assessment_return(
            actor=self.home_affairs, assessment=self.assessment, reason="Thiếu kế hoạch."
        )
        # Found walking the demo: the returned page still read "Đã nộp …" beside "Trả lại".
        self.login("ward_officer")
        page = self.client.get(self.assessment.get_absolute_url()).content.decode()
        assert "Đã nộp trước khi bị trả lại" in page and "Thiếu kế hoạch." in page
        score_save(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion("1.2"),
            data={"count": "0"},
        )
        again = assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        assert again.status == Assessment.Status.SUBMITTED

    @time_machine.travel(datetime.datetime(2026, 6, 20, 8, 0, tzinfo=datetime.UTC))
    def test_deadlines_extend_with_a_reason_and_before_appraisal_only(self):
        # The round: self-assessment by 01/07, appraisal by 16/07; today 20/06.
        with pytest.raises(ValidationError):
            assessment_extend(
                actor=self.home_affairs,
                assessment=self.assessment,
                due_on=datetime.date(2026, 7, 10),
                reason="",
            )
        with pytest.raises(ValidationError) as error:
            assessment_extend(
                actor=self.home_affairs,
                assessment=self.assessment,
                due_on=datetime.date(2026, 8, 1),
                reason="Lũ lụt",
            )
        assert "16/07/2026" in str(error.value)
        assessment_extend(
            actor=self.home_affairs,
            assessment=self.assessment,
            due_on=datetime.date(2026, 7, 10),
            reason="Lũ lụt",
        )
        self.assessment.refresh_from_db()
        assert self.assessment.due_on == datetime.date(2026, 7, 10)

    def test_an_extension_to_a_day_already_gone_is_refused(self):
        # A walk: a deadline extended to a day before today was set, and the unit shown late
        # at once. Today 05/07: the unit's 01/07 may go to 06/07, not to 03/07.
        with time_machine.travel(datetime.datetime(2026, 7, 5, 8, 0, tzinfo=datetime.UTC)):
            with pytest.raises(ValidationError) as error:
                assessment_extend(
                    actor=self.home_affairs,
                    assessment=self.assessment,
                    due_on=datetime.date(2026, 7, 3),
                    reason="Lũ lụt",
                )
            assert "05/07/2026" in str(error.value)
            self.assessment.refresh_from_db()
            assert self.assessment.due_on == datetime.date(2026, 7, 1)
            assessment_extend(
                actor=self.home_affairs,
                assessment=self.assessment,
                due_on=datetime.date(2026, 7, 5),
                reason="Lũ lụt",
            )
        self.assessment.refresh_from_db()
        assert self.assessment.due_on == datetime.date(2026, 7, 5)

    def test_appraisal_waits_while_a_unit_still_has_time(self):

        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        with time_machine.travel(datetime.datetime(2026, 6, 20, 8, 0, tzinfo=datetime.UTC)):
            refusal = round_transition_refusal(self.round, Round.Status.APPRAISAL)
        assert refusal and "01/07/2026" in refusal
        assert (
            round_transition_refusal(self.round, Round.Status.APPRAISAL) is None
        )  # today is past it

    def test_a_checklist_with_nothing_ticked_is_declared_as_none_done(self):
        from cchc.assessments.services import round_create
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(
            self.cast.city,
            text="code,title,max_points,rule\nK,Danh mục ISO,3,checklist: A; B; C\n",
            publish=True,
            name="Checklist",
        )
        round_ = round_create(
            actor=None,
            framework=framework,
            organiser=self.cast.city,
            period="annual",
            year=2026,
            units=[self.cast.ward_a],
            self_assessment_due_on=datetime.date(2026, 12, 1),
            appraisal_due_on=datetime.date(2026, 12, 10),
            appeals_due_on=datetime.date(2026, 12, 20),
        )
        round_ = round_advance(actor=None, round_=round_)
        assessment = assessment_of(round_, self.cast.ward_a)
        criterion = Criterion.objects.get(framework=framework, code="K")
        score, _tree = score_save(
            actor=self.ward_officer,
            assessment=assessment,
            criterion=criterion,
            data={"declared": "1"},
        )
        assert score.self_points == 0 and score.inputs == {"ticked": []}
        assessment.refresh_from_db()
        assert assessment.declared_count == 1


class RoundLifeTests(BaseTestCase):
    def test_the_whole_cycle_to_publication(self):
        round_ = make_round(self.cast)
        assert round_transition_refusal(round_, Round.Status.APPRAISAL)  # nothing submitted
        a = assessment_of(round_, self.cast.ward_a)
        b = assessment_of(round_, self.cast.ward_b)
        fill(a, self.ward_officer)
        fill(
            b,
            self.outsider,
            inputs={**FULL_INPUTS, "2.1": {"numerator": "18", "denominator": "18"}},
        )
        chair_b = self.make_chair(self.cast.ward_b)
        assessment_submit(actor=self.ward_chair, assessment=a)
        assessment_submit(actor=chair_b, assessment=b)
        round_ = round_advance(actor=self.home_affairs, round_=round_)
        assert round_.status == Round.Status.APPRAISAL
        refusal = round_transition_refusal(round_, Round.Status.APPEALS)
        assert refusal and "8" in refusal
        for assessment in (a, b):
            for criterion in Criterion.objects.filter(
                framework=round_.framework, children__isnull=True
            ):
                score = Score.objects.get(assessment=assessment, criterion=criterion)
                points = score.self_points
                reason = ""
                if criterion.code == "2.2" and assessment == a:
                    points, reason = D("1.5"), "Chỉ 2/4 có phiếu xin lỗi."
                score_appraise(
                    actor=self.home_affairs,
                    assessment=assessment,
                    criterion=criterion,
                    points=points,
                    reason=reason,
                )
        round_ = round_advance(actor=self.home_affairs, round_=round_)
        assert round_.status == Round.Status.APPEALS
        score = Score.objects.get(assessment=a, criterion__code="2.2")
        appeal = appeal_file(
            actor=self.ward_chair, score=score, reason="Có đủ phiếu.", requested_points=D("2.63")
        )
        assert round_transition_refusal(round_, Round.Status.FINALISED)
        appeal_decide(
            actor=self.home_affairs,
            appeal=appeal,
            accept=True,
            reason="Đã kiểm tra phiếu.",
            points=D(2),
        )
        assert Appeal.objects.get().status == Appeal.Status.ACCEPTED
        round_ = round_advance(actor=self.home_affairs, round_=round_)
        assert round_.status == Round.Status.FINALISED
        with pytest.raises(ValidationError):
            round_advance(actor=self.home_affairs, round_=round_)  # no decision number
        round_ = round_advance(
            actor=self.home_affairs,
            round_=round_,
            decision_number="15/QĐ-UBND",
            decision_date=round_.appeals_due_on,
        )
        assert round_.status == Round.Status.PUBLISHED
        table = round_.published_results
        assert [row["unit_name"] for row in table] == ["Phường Nam Hà", "Phường Trần Phú"]
        a.refresh_from_db()
        # 2.5 + 0.75 + 1 + 2 = 6.25 of 12
        assert a.appraised_points == D("6.25")
        assert table[1]["percent"] == "52.08"
        # Later changes cannot alter what was published.
        Score.objects.filter(assessment=a).update(appraised_points=0)
        round_.refresh_from_db()
        assert round_.published_results == table

    def test_results_wait_while_a_unit_may_still_appeal(self):
        """Issue 17, item 9: a round was finalised and published on 07/12 while its units could
        appeal until 10/01. Finalising closes the appeals: not before their deadline; nor
        publishing (a round finalised early)."""

        round_ = self.appraised_round()
        deadline = round_.appeals_due_on  # 31/07/2026
        before = datetime.datetime(2026, 7, 31, 9, 0, tzinfo=datetime.UTC)
        after = datetime.datetime(2026, 8, 1, 9, 0, tzinfo=datetime.UTC)
        with time_machine.travel(before, tick=False):
            refusal = round_transition_refusal(round_, Round.Status.FINALISED)
            assert refusal and short_date(deadline) in refusal
            with pytest.raises(ValidationError) as error:
                round_advance(actor=self.home_affairs, round_=round_)
            assert short_date(deadline) in str(error.value)
        round_.refresh_from_db()
        assert round_.status == Round.Status.APPEALS
        # A round finalised before the rule existed is not published before the deadline either.
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.FINALISED)
        round_.refresh_from_db()
        with time_machine.travel(before, tick=False):
            refusal = round_transition_refusal(round_, Round.Status.PUBLISHED)
            assert refusal and short_date(deadline) in refusal
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPEALS)
        round_.refresh_from_db()
        with time_machine.travel(after, tick=False):
            round_ = round_advance(actor=self.home_affairs, round_=round_)
            assert round_.status == Round.Status.FINALISED
            # A decision dated after today (01/03/2027 typed on 01/08/2026) went public as
            # such on the portal and in the export: refused until it is signed.
            with pytest.raises(ValidationError) as error:
                round_advance(
                    actor=self.home_affairs,
                    round_=round_,
                    decision_number="15/QĐ-UBND",
                    decision_date=datetime.date(2027, 3, 1),
                )
            assert "01/03/2027, sau ngày hôm nay" in str(error.value)
            round_.refresh_from_db()
            assert round_.status == Round.Status.FINALISED and round_.decision_date is None
            round_ = round_advance(
                actor=self.home_affairs,
                round_=round_,
                decision_number="15/QĐ-UBND",
                decision_date=datetime.date(2026, 8, 1),
            )
        assert round_.status == Round.Status.PUBLISHED

    def appraised_round(self):
        """Both wards submitted and appraised as declared: the round is in appeals."""
        round_ = make_round(self.cast)
        a = assessment_of(round_, self.cast.ward_a)
        b = assessment_of(round_, self.cast.ward_b)
        fill(a, self.ward_officer)
        fill(b, self.outsider)
        assessment_submit(actor=self.ward_chair, assessment=a)
        assessment_submit(actor=self.make_chair(self.cast.ward_b), assessment=b)
        round_ = round_advance(actor=self.home_affairs, round_=round_)
        for assessment in (a, b):
            for score in Score.objects.filter(assessment=assessment):
                score_appraise(
                    actor=self.home_affairs,
                    assessment=assessment,
                    criterion=score.criterion,
                    points=score.self_points or D(0),
                )
        return round_advance(actor=self.home_affairs, round_=round_)

    def make_chair(self, unit):
        from cchc.accounts.services import membership_add, user_create
        from cchc.core.roles import Role

        user = user_create(actor=None, username="chair_b", password="a-long-test-password-42")
        membership_add(actor=None, user=user, role=Role.UNIT_CHAIR, org_unit=unit)
        return user

    def test_a_round_needs_a_published_framework_and_ordered_deadlines(self):
        import datetime

        from cchc.assessments.services import round_create
        from cchc.frameworks.tests.factories import make_framework

        draft = make_framework(self.cast.city, name="Nháp")
        with pytest.raises(ValidationError):
            round_create(
                actor=None,
                framework=draft,
                organiser=self.cast.city,
                period="h1",
                year=2026,
                units=[self.cast.ward_a],
                self_assessment_due_on=datetime.date(2026, 7, 1),
                appraisal_due_on=datetime.date(2026, 7, 2),
                appeals_due_on=datetime.date(2026, 7, 3),
            )
        published = make_framework(self.cast.city, name="Đã ban hành", publish=True)
        with pytest.raises(ValidationError):
            round_create(
                actor=None,
                framework=published,
                organiser=self.cast.city,
                period="h1",
                year=2026,
                units=[self.cast.ward_a],
                self_assessment_due_on=datetime.date(2026, 7, 5),
                appraisal_due_on=datetime.date(2026, 7, 2),
                appeals_due_on=datetime.date(2026, 7, 3),
            )

    def test_a_nine_month_round_starts_from_the_six_month_one(self):
        first = make_round(self.cast)
        a = assessment_of(first, self.cast.ward_a)
        fill(a, self.ward_officer)
        import datetime

        from cchc.assessments.services import round_create

        second = round_create(
            actor=None,
            framework=first.framework,
            organiser=self.cast.city,
            period=Round.Period.M9,
            year=2026,
            units=[self.cast.ward_a, self.cast.ward_b],
            previous=first,
            self_assessment_due_on=datetime.date(2026, 10, 1),
            appraisal_due_on=datetime.date(2026, 10, 15),
            appeals_due_on=datetime.date(2026, 10, 30),
        )
        second = round_advance(actor=self.home_affairs, round_=second)
        carried = Score.objects.filter(
            assessment__round=second, assessment__org_unit=self.cast.ward_a
        )
        assert carried.count() == 4 and all(score.is_carried_over for score in carried)
        new_a = assessment_of(second, self.cast.ward_a)
        with pytest.raises(ValidationError) as error:
            assessment_submit(actor=self.ward_chair, assessment=new_a)
        assert any("đợt trước" in m or "previous round" in m for m in error.value.messages)


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    assert rank_competition([D(90), D(85), D(90), None, D(80)]) == [1, 3, 1, None, 4]
