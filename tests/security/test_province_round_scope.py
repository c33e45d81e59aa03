"""A round organised above a reader's tree (the province's, after the two-tier reorganisation)
is visible to the city's readers for their own units only: its other units' self-assessments,
board rows, ranking before publication, issued reports and dashboards are not theirs.

Found walking the demo: the city's Home Affairs office opened the self-assessment of a ward
directly under the province (/rounds/assessments/<id>/ answered 200), listed every unit of the
province's round on its board and opened the province's progress dashboard by default."""

import datetime

import pytest
from django.urls import reverse

from cchc.analytics.selectors import rounds_for_analytics
from cchc.assessments.models import Assessment, Round
from cchc.assessments.selectors import (
    assessment_get_for_user,
    assessments_for_board,
    round_results_visible,
)
from cchc.assessments.services import round_advance, round_create
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, assessment_of, make_round
from cchc.core.testing import BaseTestCase
from cchc.documents.models import IssuedDocument
from cchc.documents.selectors import issued_list_for_user
from cchc.documents.services import issue
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

pytestmark = pytest.mark.security


class ProvinceRoundTests(BaseTestCase):
    province_ward: OrgUnit
    province_round: Round
    city_round: Round
    theirs: Assessment
    ours: Assessment
    reports: dict[str, IssuedDocument]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        # A ward the reorganisation put directly under the province.
        cls.province_ward = org_unit_create(
            actor=None, code="X18001", name="Phường Thành Sen", kind="ward", parent=cast.province
        )
        framework = make_framework(
            cast.province, text=ROUND_FRAMEWORK, publish=True, name="Bộ chỉ số tỉnh"
        )
        start = datetime.date(2026, 6, 1)
        province_round = round_create(
            actor=None,
            framework=framework,
            organiser=cast.province,
            period=Round.Period.ANNUAL,
            year=2026,
            units=[cls.province_ward, cast.ward_a],
            self_assessment_due_on=start + datetime.timedelta(days=30),
            appraisal_due_on=start + datetime.timedelta(days=45),
            appeals_due_on=start + datetime.timedelta(days=60),
        )
        cls.province_round = round_advance(actor=None, round_=province_round)
        cls.theirs = assessment_of(cls.province_round, cls.province_ward)
        cls.ours = assessment_of(cls.province_round, cast.ward_a)
        cls.city_round = make_round(cast)
        cls.reports = {
            key: issue(
                actor=None, kind="self_assessment_report", target=assessment, signer_name="Chủ tịch"
            )
            for key, assessment in (("theirs", cls.theirs), ("ours", cls.ours))
        }

    def test_the_city_office_reads_its_own_wards_of_the_province_round_only(self):
        for persona in ("home_affairs", "leader", "inspector", "appraiser"):
            user = self.login(persona)
            assert assessment_get_for_user(user=user, pk=self.ours.pk) == self.ours, persona
            answer = self.client.get(
                reverse("assessments:assessment_detail", args=[self.theirs.pk])
            )
            assert answer.status_code == 404, persona
            assert (
                self.client.get(
                    reverse("assessments:assessment_detail", args=[self.ours.pk])
                ).status_code
                == 200
            ), persona
            board = {a.pk for a in assessments_for_board(user=user, round_=self.province_round)}
            assert board == {self.ours.pk}, persona
            page = self.client.get(
                reverse("assessments:round_detail", args=[self.province_round.pk])
            ).content.decode()
            assert "Phường Thành Sen" not in page and self.cast.ward_a.name in page, persona

    def test_the_province_round_ranking_waits_for_publication_outside_its_tree(self):
        user = self.login("home_affairs")
        assert not round_results_visible(user=user, round_=self.province_round)
        assert round_results_visible(user=user, round_=self.city_round)
        answer = self.client.get(reverse("assessments:results", args=[self.province_round.pk]))
        assert answer.status_code in (403, 404)
        admin = self.login("admin")
        assert round_results_visible(user=admin, round_=self.province_round)

    def test_the_register_holds_the_reports_of_the_city_wards_only(self):
        user = self.login("home_affairs")
        issued = set(issued_list_for_user(user=user))
        assert self.reports["ours"] in issued
        assert self.reports["theirs"] not in issued
        page = self.client.get(reverse("documents:register")).content.decode()
        assert self.reports["ours"].get_absolute_url() in page
        assert self.reports["theirs"].get_absolute_url() not in page

    def test_the_dashboards_offer_the_province_round_only_once_published(self):
        user = self.login("home_affairs")
        offered = {r.pk for r in rounds_for_analytics(user=user)}
        assert self.city_round.pk in offered
        assert self.province_round.pk not in offered
        answer = self.client.get(reverse("analytics:overview"), {"round": self.province_round.pk})
        assert answer.status_code == 403
        # The progress board follows every round past its draft: of this one, the city's ward.
        page = self.client.get(
            reverse("analytics:progress"), {"round": self.province_round.pk}
        ).content.decode()
        assert "Phường Thành Sen" not in page and self.cast.ward_a.name in page
        # By default it opens on the city's own round, not the province's.
        answer = self.client.get(reverse("analytics:progress"))
        assert answer.context["round"] == self.city_round
        assert "Phường Thành Sen" not in answer.content.decode()
        admin = self.login("admin")
        assert self.province_round.pk in {r.pk for r in rounds_for_analytics(user=admin)}

    def test_the_city_appraiser_appraises_its_own_wards_of_the_province_round_only(self):
        # Found walking the demo: the city's Tư pháp appraiser's appraisal page of the
        # province's round listed the province's ward with its figures and evidence.
        Assessment.objects.filter(pk__in=[self.ours.pk, self.theirs.pk]).update(
            status=Assessment.Status.SUBMITTED
        )
        Round.objects.filter(pk=self.province_round.pk).update(status=Round.Status.APPRAISAL)
        self.login("appraiser")
        page = self.client.get(reverse("assessments:appraisal", args=[self.province_round.pk]))
        assert page.status_code == 200
        assert [row["assessment"] for row in page.context["rows"]] == [self.ours]
        assert page.context["unit_count"] == 1
        assert "Phường Thành Sen" not in page.content.decode()
        progress = self.client.get(
            reverse("assessments:appraisal_progress", args=[self.province_round.pk])
        )
        assert progress.context["unit_count"] == 1

    def test_the_city_office_home_lists_the_rounds_it_runs_not_the_provinces(self):
        # Found walking the demo: the province's round was on the city office's list of work,
        # and its board said none of its units were the office's.
        self.login("home_affairs")
        home = self.client.get(reverse("core:home")).content.decode()
        assert str(self.city_round) in home
        assert reverse("assessments:round_detail", args=[self.city_round.pk]) in home
        assert reverse("assessments:round_detail", args=[self.province_round.pk]) not in home


class ProvinceOwnRoundTests(BaseTestCase):
    def test_a_province_round_of_its_own_units_only_is_not_the_citys(self):
        """The province's round of its new units, none of the city's, was listed to the city's
        readers, who could do nothing with it (a walk); one with a city ward is theirs."""
        from cchc.assessments.selectors import round_list_for_user

        province_ward = org_unit_create(
            actor=None,
            code="X18001",
            name="Phường Thành Sen",
            kind="ward",
            parent=self.cast.province,
        )
        framework = make_framework(
            self.cast.province, text=ROUND_FRAMEWORK, publish=True, name="Bộ chỉ số tỉnh"
        )
        start = datetime.date(2026, 6, 1)
        own = round_advance(
            actor=None,
            round_=round_create(
                actor=None,
                framework=framework,
                organiser=self.cast.province,
                period=Round.Period.ANNUAL,
                year=2026,
                units=[province_ward],
                self_assessment_due_on=start + datetime.timedelta(days=30),
                appraisal_due_on=start + datetime.timedelta(days=45),
                appeals_due_on=start + datetime.timedelta(days=60),
            ),
        )
        for persona in ("home_affairs", "leader", "inspector", "appraiser"):
            user = self.login(persona)
            assert own not in round_list_for_user(user=user), persona
            url = reverse("assessments:round_detail", args=[own.pk])
            assert self.client.get(url).status_code == 404, persona
        assert own in round_list_for_user(user=self.login("admin"))
