"""A round run by the province for its wards and communes, with no city between (issue 20,
part 3): since 07/2025 the new units sit directly under the province. The units here are made
by a reorganisation of the cast's two city wards; the province's keeper runs the round through
the pages, and the ranking, dashboards, map and portal read it at that level."""

import datetime
from decimal import Decimal

import time_machine
from django.urls import reverse

from cchc.accounts.models import User
from cchc.accounts.services import membership_add, user_create
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import (
    assessment_return,
    assessment_submit,
    round_advance,
    score_appraise,
)
from cchc.assessments.tests.factories import ROUND_FRAMEWORK
from cchc.assessments.tests.test_workflow import fill
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.reorganisation import (
    ReorganisationSpec,
    read_reorganisation_text,
    reorganisation_apply,
)

REFORM = (
    "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã thống kê mới,Mã cha mới\n"
    "X18070,18073-2025,Phường Thành Sen,phường,18073,T42\n"
    "X18073,18628-2025,Xã Thạch Lạc,xã,18628,T42\n"
)
PROVINCE_FRAMEWORK = ROUND_FRAMEWORK.replace("H436-TP", "")


# Set up in November, before the deadlines the form is given (a deadline already past is
# refused).
@time_machine.travel(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC), tick=False)
class ProvinceRoundTests(BaseTestCase):
    ward: OrgUnit
    commune: OrgUnit

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        rows, headings = read_reorganisation_text(REFORM)
        reorganisation_apply(
            ReorganisationSpec(
                name="NQ 2025",
                effective_on=datetime.date(2025, 7, 1),
                rows=rows,
                headings=headings,
            ),
            actor=None,
        )
        cls.ward = OrgUnit.objects.get(code="18073-2025")
        cls.commune = OrgUnit.objects.get(code="18628-2025")
        for username, role in (("noivu.tinh", Role.HOME_AFFAIRS), ("lanhdao.tinh", Role.LEADER)):
            user = user_create(actor=None, username=username, password=TEST_PASSWORD)
            membership_add(actor=None, user=user, role=role, org_unit=cls.cast.province)

    def published_round(self) -> Round:
        keeper = User.objects.get(username="noivu.tinh")
        self.client.force_login(keeper)
        make_framework(self.cast.province, text=PROVINCE_FRAMEWORK, publish=True, name="Tỉnh")
        page = self.client.get(reverse("assessments:round_create"))
        offered = [unit.pk for unit in page.context["form"].fields["units"].queryset]
        # The province's keeper is offered its wards and communes, not the ended city wards.
        assert offered == [self.ward.pk, self.commune.pk]
        framework = page.context["form"].fields["framework"].queryset.get(name="Tỉnh")
        response = self.client.post(
            reverse("assessments:round_create"),
            {
                "framework": framework.pk,
                "period": Round.Period.ANNUAL,
                "year": 2026,
                "units": offered,
                "self_assessment_due_on": "2026-12-01",
                "appraisal_due_on": "2026-12-15",
                "appeals_due_on": "2026-12-20",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        round_ = Round.objects.get(framework=framework)
        assert round_.organiser_id == self.cast.province.pk
        round_ = round_advance(actor=keeper, round_=round_)
        officer = User.objects.get(username="ward_officer")  # moved to Thành Sen
        assessment = Assessment.objects.get(round=round_, org_unit=self.ward)
        fill(assessment, officer)
        assessment_submit(actor=User.objects.get(username="ward_chair"), assessment=assessment)
        Round.objects.filter(pk=round_.pk).update(self_assessment_due_on=datetime.date(2026, 1, 1))
        Assessment.objects.filter(round=round_).update(due_on=datetime.date(2026, 1, 1))
        round_ = round_advance(actor=keeper, round_=Round.objects.get(pk=round_.pk))
        for criterion in Criterion.objects.filter(framework=framework, children__isnull=True):
            score = assessment.scores.get(criterion=criterion)
            score_appraise(
                actor=None,
                assessment=assessment,
                criterion=criterion,
                points=score.self_points or Decimal(0),
                reason="",
            )
        # Every deadline passed (the test runs on any day).
        Round.objects.filter(pk=round_.pk).update(
            appraisal_due_on=datetime.date(2026, 1, 2), appeals_due_on=datetime.date(2026, 1, 3)
        )
        round_ = round_advance(actor=keeper, round_=Round.objects.get(pk=round_.pk))
        round_ = round_advance(actor=keeper, round_=round_)
        return round_advance(
            actor=keeper,
            round_=round_,
            decision_number="1/QĐ-UBND",
            decision_date=round_.appeals_due_on,
        )

    def test_a_city_agency_named_by_the_province_framework_is_told_its_units_lie_elsewhere(self):
        """The province's framework named a city office as appraiser; its appraiser's home said
        "Appraisal is open" and the grid "no unit has submitted yet", while a unit had: the
        units lie outside the city's tree (found by a new-user walk)."""
        from cchc.assessments.services import round_create

        keeper = User.objects.get(username="noivu.tinh")
        framework = make_framework(
            self.cast.province, text=ROUND_FRAMEWORK, publish=True, name="Tỉnh (cơ quan TP)"
        )
        round_ = round_create(
            actor=keeper,
            framework=framework,
            organiser=self.cast.province,
            period=Round.Period.ANNUAL,
            year=2026,
            units=[self.ward, self.commune],
            self_assessment_due_on=datetime.date(2026, 12, 1),
            appraisal_due_on=datetime.date(2026, 12, 15),
            appeals_due_on=datetime.date(2026, 12, 20),
        )
        round_ = round_advance(actor=keeper, round_=round_)
        assessment = Assessment.objects.get(round=round_, org_unit=self.ward)
        fill(assessment, User.objects.get(username="ward_officer"))
        # The province's round is submitted to its department, not the city's office.
        self.login("ward_chair")
        review = reverse("assessments:assessment_submit", args=[assessment.pk])
        page = self.client.get(review).content.decode()
        assert "Nộp cho Sở Nội vụ" in page and "Phòng Nội vụ" not in page.split("<main")[-1]
        assessment_submit(actor=User.objects.get(username="ward_chair"), assessment=assessment)
        # Returned, and later the appeals: by the department too (it said "Phòng Nội vụ").
        assessment_return(actor=keeper, assessment=assessment, reason="Bổ sung tài liệu.")
        page = self.client.get(assessment.get_absolute_url()).content.decode()
        assert "Sở Nội vụ đã trả lại: Bổ sung tài liệu." in page
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPEALS)
        appeals = self.client.get(reverse("assessments:appeal_list", args=[assessment.pk]))
        assert "Sở Nội vụ xem xét" in appeals.content.decode(), appeals.status_code
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.OPEN)
        assessment_submit(actor=User.objects.get(username="ward_chair"), assessment=assessment)
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
        self.login("appraiser")  # the city's Justice office, which the framework names
        # A round of the province's units alone is not the city's: not offered on the
        # appraiser's home, nor found (it said "Appraisal is open", then "no unit submitted").
        home = self.client.get(reverse("core:home")).content.decode()
        assert reverse("assessments:appraisal", args=[round_.pk]) not in home
        assert str(round_) not in home
        grid = self.client.get(reverse("assessments:appraisal", args=[round_.pk]))
        assert grid.status_code == 404

    def test_ranking_dashboards_map_and_portal_at_the_province(self):
        round_ = self.published_round()
        assert round_.status == Round.Status.PUBLISHED
        names = [str(row) for row in round_.published_results]
        assert any("Phường Thành Sen" in name for name in names), names
        self.client.force_login(User.objects.get(username="lanhdao.tinh"))
        for url, data in (
            (reverse("assessments:results", args=[round_.pk]), None),
            (reverse("analytics:overview"), {"round": round_.pk}),
            (reverse("analytics:progress"), {"round": round_.pk}),
        ):
            response = self.client.get(url, data)
            assert response.status_code == 200, url
            assert "Phường Thành Sen" in response.content.decode(), url
        geo = self.client.get(reverse("analytics:map_data", args=[round_.pk]))
        assert geo.status_code == 200
        self.client.logout()
        ranking = self.client.get(reverse("portal:ranking_round", args=[round_.pk]))
        assert ranking.status_code == 200
        assert "Phường Thành Sen" in ranking.content.decode()
        unit_page = self.client.get(reverse("portal:unit", args=[self.ward.code]))
        assert unit_page.status_code == 200
        assert self.client.get(reverse("portal:map")).status_code == 200
