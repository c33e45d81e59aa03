"""Who appraises what (issue 17, item 11): the agency a criterion names, not the areas listed on
an appraiser's membership. The inspectorate (Thanh tra) with area "1" on its membership could
appraise 1.1–1.7, which the framework has the Home Affairs office (Phòng Nội vụ) appraise."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cchc.accounts.services import membership_add, user_create
from cchc.assessments import selectors
from cchc.assessments.dashboard import scoring_panels
from cchc.assessments.models import Assessment, Score
from cchc.assessments.services import (
    assessment_submit,
    round_advance,
    score_appraise,
    scores_appraise,
)
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion
from cchc.orgunits.services import org_unit_create

# 1.x named for the Home Affairs office, 2.1 for the Justice office (the cast's agency), 2.2 for
# no agency: its appraisers are those whose membership lists area 2.
SCOPE_FRAMEWORK = """code,parent_code,title,max_points,rule,section,self_scored,evidence_required,agency_code
1,,Chỉ đạo điều hành,3.5,sum,normal,có,không,
1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,có,H436-NV
1.2,1,Báo cáo định kỳ,1,deduction 0.25,normal,có,không,H436-NV
2,,Thủ tục hành chính,8.5,sum,normal,có,không,
2.1,2,Hồ sơ đúng hạn,5,tiers: 100=max; 95=3; 90=1,normal,có,không,H436-TP
2.2,2,Xin lỗi khi trễ hạn,3.5,ratio,normal,có,không,
"""


class AppraisalCase(BaseTestCase):
    """A round in appraisal whose ward A has submitted; appraisers of two agencies."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        city = cls.cast.city
        cls.noivu_agency = org_unit_create(
            actor=None, code="H436-NV", name="Phòng Nội vụ", kind="agency", parent=city
        )
        thanhtra_agency = org_unit_create(
            actor=None, code="H436-TT", name="Thanh tra thành phố", kind="agency", parent=city
        )
        cls.thanhtra = user_create(actor=None, username="thamdinh.thanhtra", password=TEST_PASSWORD)
        membership_add(
            actor=None,
            user=cls.thanhtra,
            role=Role.APPRAISER,
            org_unit=thanhtra_agency,
            area_codes=["1", "2"],
        )
        cls.noivu = user_create(actor=None, username="thamdinh.noivu", password=TEST_PASSWORD)
        membership_add(actor=None, user=cls.noivu, role=Role.APPRAISER, org_unit=cls.noivu_agency)

    def setUp(self):
        self.round = make_round(self.cast, text=SCOPE_FRAMEWORK)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        self.round = round_advance(actor=None, round_=self.round)
        self.assessment.refresh_from_db()

    def criterion(self, code):
        return Criterion.objects.get(framework=self.round.framework, code=code)

    def appraise_url(self, code):
        return reverse(
            "assessments:score_appraise", args=[self.assessment.pk, self.criterion(code).pk]
        )

    def codes(self, username):
        from cchc.accounts.models import User

        user = User.objects.get(username=username)
        return [c.code for c in selectors.appraisable_criteria(user=user, round_=self.round)]


class AppraisalScopeTests(AppraisalCase):
    def test_the_agency_a_criterion_names_decides_not_the_areas_of_the_membership(self):
        # Thanh tra lists areas 1 and 2 but appraises only 2.2, the one naming no agency.
        assert self.codes("thamdinh.thanhtra") == ["2.2"]
        assert self.codes("thamdinh.noivu") == ["1.1", "1.2"]
        # The cast's Justice office (areas 2 and 3): 2.1 by its name, 2.2 by its area.
        assert self.codes("appraiser") == ["2.1", "2.2"]
        assert self.codes("home_affairs") == ["1.1", "1.2", "2.1", "2.2"]  # the round's keeper
        for username, code, expected in [
            ("thamdinh.thanhtra", "1.1", False),
            ("thamdinh.thanhtra", "2.1", False),
            ("thamdinh.thanhtra", "2.2", True),
            ("thamdinh.noivu", "1.1", True),
            ("thamdinh.noivu", "2.2", False),
            ("home_affairs", "1", False),  # an area is not appraised, its criteria are
        ]:
            from cchc.accounts.models import User

            user = User.objects.get(username=username)
            assert (
                selectors.can_appraise(
                    user=user, assessment=self.assessment, criterion=self.criterion(code)
                )
                is expected
            ), (username, code)

    def test_nobody_appraises_a_unit_they_also_work_for(self):
        """An officer of ward A also made an appraiser of the Home Affairs office had ward A on
        their appraisal page and could score its criteria: their own unit's self-assessment."""
        from cchc.accounts.models import User

        membership_add(
            actor=None, user=self.ward_officer, role=Role.APPRAISER, org_unit=self.noivu_agency
        )
        officer = User.objects.get(pk=self.ward_officer.pk)
        assert not selectors.can_appraise(
            user=officer, assessment=self.assessment, criterion=self.criterion("1.1")
        )
        assert self.assessment not in selectors.assessments_to_appraise(
            user=officer, round_=self.round
        )
        with pytest.raises(PermissionDenied):
            score_appraise(
                actor=officer,
                assessment=self.assessment,
                criterion=self.criterion("1.1"),
                points=Decimal("2.5"),
                reason="",
            )
        self.client.force_login(officer)
        response = self.client.post(
            self.appraise_url("1.1"), {"points": "2.5"}, headers={"HX-Request": "true"}
        )
        assert response.status_code in (403, 404)
        # Nor takes its self-scores in one step: the unit posted is not one the grid shows them.
        url = reverse(
            "assessments:appraisal_accept", args=[self.round.pk, self.criterion("1.1").pk]
        )
        self.client.post(url, {"assessment": [self.assessment.pk]})
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        assert score.appraised_points is None
        # The office's other appraiser still appraises it.
        noivu = User.objects.get(pk=self.noivu.pk)
        assert selectors.can_appraise(
            user=noivu, assessment=self.assessment, criterion=self.criterion("1.1")
        )
        assert self.assessment in selectors.assessments_to_appraise(user=noivu, round_=self.round)

    def test_the_self_scores_shown_are_taken_as_appraised_in_one_step(self):
        """465 cells typed one by one to agree with the units: one button takes the self-score
        as the appraised score for the units shown that declared it and are not appraised."""
        from cchc.accounts.models import User

        ward_b = assessment_of(self.round, self.cast.ward_b)
        score_appraise(
            actor=self.noivu,
            assessment=self.assessment,
            criterion=self.criterion("1.2"),
            points=Decimal("0.5"),
            reason="Thiếu một báo cáo.",
        )
        url = reverse(
            "assessments:appraisal_accept", args=[self.round.pk, self.criterion("1.1").pk]
        )
        self.client.force_login(self.noivu)
        page = self.client.get(
            reverse("assessments:appraisal", args=[self.round.pk]),
            {"criterion": self.criterion("1.1").pk},
        )
        assert 'data-testid="accept-self-scores"' in page.content.decode()
        response = self.client.post(
            url, {"assessment": [self.assessment.pk, ward_b.pk], "shown": "todo=1&page=1"}
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"?todo=1&page=1&criterion={self.criterion('1.1').pk}")
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        assert score.appraised_points == score.self_points == Decimal("2.5")
        assert score.appraised_by == User.objects.get(pk=self.noivu.pk)
        self.assessment.refresh_from_db()
        assert self.assessment.appraised_points == Decimal("3")  # 2.5 + the 0.5 given to 1.2
        # Ward B has not submitted: not on the grid, nothing taken.
        assert not Score.objects.filter(assessment=ward_b, appraised_points__isnull=False).exists()
        # Another criterion already appraised stays as the appraiser set it.
        url_12 = reverse(
            "assessments:appraisal_accept", args=[self.round.pk, self.criterion("1.2").pk]
        )
        self.client.post(url_12, {"assessment": [self.assessment.pk]})
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.2"))
        assert score.appraised_points == Decimal("0.5")
        # A criterion the units do not score themselves (the survey) offers no button that
        # could only answer "no unit shown has a self-score" (found by a new-user walk).
        Criterion.objects.filter(pk=self.criterion("1.2").pk).update(is_self_scored=False)
        page = self.client.get(
            reverse("assessments:appraisal", args=[self.round.pk]),
            {"criterion": self.criterion("1.2").pk},
        )
        assert 'data-testid="appraisal-table"' in page.content.decode()
        assert 'data-testid="accept-self-scores"' not in page.content.decode()
        # Thanh tra does not appraise 1.1: refused, nothing taken.
        self.client.force_login(self.thanhtra)
        assert self.client.post(url, {"assessment": [self.assessment.pk]}).status_code == 403

    def test_taking_self_scores_before_or_after_the_appraisal_stage_takes_nothing(self):
        from cchc.assessments.models import Round

        url = reverse(
            "assessments:appraisal_accept", args=[self.round.pk, self.criterion("1.1").pk]
        )
        self.client.force_login(self.noivu)
        for stage in (Round.Status.OPEN, Round.Status.APPEALS):
            Round.objects.filter(pk=self.round.pk).update(status=stage)
            page = self.client.post(url, {"assessment": [self.assessment.pk]}, follow=True)
            assert "Chỉ có thể thẩm định điểm khi đợt đánh giá đang ở giai đoạn thẩm định" in (
                page.content.decode()
            ), stage
            score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
            assert score.appraised_points is None
        # A criterion of another round's framework, or a unit of another round: nothing taken.
        other = make_round(self.cast, text=SCOPE_FRAMEWORK, name="Khác", period="m9")
        foreign = Criterion.objects.get(framework=other.framework, code="1.1")
        refused = self.client.post(
            reverse("assessments:appraisal_accept", args=[self.round.pk, foreign.pk]),
            {"assessment": [self.assessment.pk]},
        )
        assert refused.status_code == 403

    def test_thanh_tra_cannot_save_an_appraisal_of_a_home_affairs_criterion(self):
        self.client.force_login(self.thanhtra)
        response = self.client.post(
            self.appraise_url("1.1"), {"points": "0", "reason": "x"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 403
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        assert score.appraised_points is None
        # …nor ask the unit about it.
        response = self.client.post(
            reverse(
                "assessments:question_ask", args=[self.assessment.pk, self.criterion("1.1").pk]
            ),
            {"text": "?"},
        )
        assert response.status_code == 403
        # The service refuses it too, whoever calls it.
        with pytest.raises(PermissionDenied):
            score_appraise(
                actor=self.thanhtra,
                assessment=self.assessment,
                criterion=self.criterion("1.1"),
                points=0,
                reason="x",
            )

    def test_the_home_affairs_appraiser_saves_it(self):
        self.client.force_login(self.noivu)
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        response = self.client.post(
            self.appraise_url("1.1"),
            {"points": "0", "reason": "Chưa ban hành kế hoạch.", "version": version_token(score)},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert 'data-testid="appraise-error"' not in response.content.decode()
        # The grid's row was marked as differing only after a reload: the answer says so.
        assert "khác điểm tự chấm" in response.content.decode()
        # So was the criterion's count in the list of criteria: the answer carries it.
        listed = selectors.assessments_to_appraise(user=self.noivu, round_=self.round).count()
        count = re.search(
            rf'<span id="appraised-{self.criterion("1.1").pk}"[^>]*hx-swap-oob="true">([^<]*)<',
            response.content.decode(),
        )
        assert count and count.group(1) == f"1/{listed}", response.content.decode()
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        assert score.appraised_points == 0 and score.appraised_by == self.noivu
        same = self.client.post(
            self.appraise_url("1.1"),
            {"points": "2,5", "version": version_token(score)},
            headers={"HX-Request": "true"},
        )
        assert "khác điểm tự chấm" not in same.content.decode()

    def test_the_page_and_its_progress_show_inputs_only_for_their_criteria(self):
        self.client.force_login(self.thanhtra)
        url = reverse("assessments:appraisal", args=[self.round.pk])
        # Asked for 1.1, the page shows the criterion it appraises instead: no input for 1.1.
        response = self.client.get(url, {"criterion": self.criterion("1.1").pk})
        page = response.content.decode()
        assert response.status_code == 200
        assert response.context["criterion"].code == "2.2"
        assert self.appraise_url("1.1") not in page
        assert self.appraise_url("2.2") in page
        progress = self.client.get(
            reverse("assessments:appraisal_progress", args=[self.round.pk])
        ).content.decode()
        assert "2.2. " in progress and "1.1. " not in progress and "2.1. " not in progress
        self.client.force_login(self.noivu)
        page = self.client.get(url, {"criterion": self.criterion("1.1").pk}).content.decode()
        assert self.appraise_url("1.1") in page

    def test_an_agency_no_criterion_names_is_not_sent_to_appraise(self):
        # An appraiser of an agency no criterion names (and without areas) is offered no
        # "Appraise" and no home-page link to a page that would refuse them.
        other = org_unit_create(
            actor=None, code="H436-KT", name="Phòng Kinh tế", kind="agency", parent=self.cast.city
        )
        user = user_create(actor=None, username="thamdinh.kinhte", password=TEST_PASSWORD)
        membership_add(actor=None, user=user, role=Role.APPRAISER, org_unit=other)
        self.client.force_login(user)
        board = self.client.get(self.round.get_absolute_url()).content.decode()
        assert 'data-testid="appraise"' not in board
        appraisal = reverse("assessments:appraisal", args=[self.round.pk])
        refused = self.client.get(appraisal)
        assert refused.status_code == 403
        # Reached anyway (a link kept): it says why, in Vietnamese, and what to do.
        assert 'data-testid="refusal"' in refused.content.decode()
        assert "không thẩm định tiêu chí nào" in refused.content.decode()
        from cchc.accounts.models import User

        links = [
            item.url
            for panel in scoring_panels(User.objects.get(pk=user.pk))
            for item in panel.items
        ]
        assert appraisal not in links
        # …but their home says the round is in appraisal with none of its criteria theirs (it
        # said "nothing to appraise yet; when a round reaches appraisal…" while one had).
        home = self.client.get(reverse("core:home")).content.decode()
        assert "Đang thẩm định; bộ tiêu chí không giao tiêu chí nào cho cơ quan của bạn" in home
        assert "Khi đợt đánh giá chuyển sang giai đoạn thẩm" not in home
        self.client.force_login(self.noivu)
        board = self.client.get(self.round.get_absolute_url()).content.decode()
        assert 'data-testid="appraise"' in board
        links = [
            item.url
            for panel in scoring_panels(User.objects.get(pk=self.noivu.pk))
            for item in panel.items
        ]
        assert appraisal in links

    def test_areas_on_a_membership_that_the_framework_lacks_are_named_on_the_home_page(self):
        """Areas are typed on the membership, where no framework is known: "8" or "A2" (the
        framework numbers its areas 1, 2) gave the appraiser nothing, and nobody said why."""
        other = org_unit_create(
            actor=None, code="H436-KT", name="Phòng Kinh tế", kind="agency", parent=self.cast.city
        )
        user = user_create(actor=None, username="thamdinh.kinhte", password=TEST_PASSWORD)
        membership_add(
            actor=None, user=user, role=Role.APPRAISER, org_unit=other, area_codes=["8", "A2"]
        )
        self.client.force_login(user)
        home = self.client.get(reverse("core:home")).content.decode()
        assert "Các lĩnh vực ghi trên tài khoản của bạn mà bộ tiêu chí không có: 8, A2." in home
        assert selectors.unknown_area_codes(user=user, round_=self.round) == ["8", "A2"]
        user.memberships.update(area_codes=["2", "8"])
        from cchc.accounts.models import User

        fresh = User.objects.get(pk=user.pk)
        assert selectors.unknown_area_codes(user=fresh, round_=self.round) == ["8"]
        assert self.client.get(reverse("core:home")).status_code == 200
        # An appraiser whose areas are all the framework's is told nothing more.
        assert selectors.unknown_area_codes(user=self.thanhtra, round_=self.round) == []


class AppraisingAWholeUnitTests(AppraisalCase):
    """scores_appraise: several criteria of one unit at once, checked as one at a time, all or
    none, the totals scored once."""

    def appraisals(self):
        return [
            (self.criterion("1.1"), Decimal("2.5"), ""),
            (self.criterion("1.2"), Decimal("0.5"), "Thiếu một báo cáo quý."),
            (self.criterion("2.1"), Decimal("3"), "Tỉ lệ đúng hạn 95%."),
        ]

    def test_it_stores_what_one_at_a_time_stores(self):
        at_once = scores_appraise(
            actor=self.home_affairs, assessment=self.assessment, appraisals=self.appraisals()
        )
        assert [s.appraised_points for s in at_once] == [Decimal("2.5"), Decimal("0.5"), 3]
        stored_at_once = Assessment.objects.get(pk=self.assessment.pk)
        # The same appraisals one at a time, on the same assessment, after undoing them.
        Score.objects.filter(assessment=self.assessment).update(
            appraised_points=None, appraisal_reason=""
        )
        for criterion, points, reason in self.appraisals():
            score_appraise(
                actor=self.home_affairs,
                assessment=self.assessment,
                criterion=criterion,
                points=points,
                reason=reason,
            )
        stored_one_by_one = Assessment.objects.get(pk=self.assessment.pk)
        figures = (
            "self_points",
            "appraised_points",
            "appraised_max",
            "appraised_self_part",
            "appraised_count",
            "area_totals",
        )
        for name in figures:
            assert getattr(stored_at_once, name) == getattr(stored_one_by_one, name), name
        assert stored_at_once.appraised_points is not None and stored_at_once.appraised_count == 3

    def test_one_refused_criterion_stores_none(self):
        refused = [*self.appraisals(), (self.criterion("2.2"), Decimal("99"), "x")]
        with pytest.raises(ValidationError):
            scores_appraise(actor=self.home_affairs, assessment=self.assessment, appraisals=refused)
        assert not Score.objects.filter(
            assessment=self.assessment, appraised_points__isnull=False
        ).exists()
        # An appraiser who may appraise some of them but not all: refused, nothing stored.
        with pytest.raises(PermissionDenied):
            scores_appraise(
                actor=self.noivu, assessment=self.assessment, appraisals=self.appraisals()
            )
        assert not Score.objects.filter(
            assessment=self.assessment, appraised_points__isnull=False
        ).exists()
        assert Assessment.objects.get(pk=self.assessment.pk).appraised_points is None
