"""The portal editor edits the portal and nothing more (issue 16, item 10).

Before publication it used to read the live ranking, every ward's self-assessment and its
evidence, the appraisal and the documents built from them: its role read rounds like a
leader. It now reads what the portal publishes, on the portal, like any citizen; a portal
editor's membership also no longer widens what another role of the same user reads."""

import re

import pytest
from django.urls import reverse

from cchc.accounts.models import User
from cchc.accounts.services import membership_add, user_create
from cchc.assessments.services import evidence_upload, score_save
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.inspections.tests.factories import pdf
from cchc.orgunits.scope import Scope

pytestmark = pytest.mark.security

REFUSED = {403, 404}


class PortalEditorScopeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = make_round(cls.cast, name="Đợt chưa công bố")
        cls.assessment = assessment_of(cls.round, cls.cast.ward_a)
        cls.criterion = Criterion.objects.get(framework=cls.round.framework, code="1.1")
        score_save(
            actor=None, assessment=cls.assessment, criterion=cls.criterion, data={"answer": "yes"}
        )

    def setUp(self):
        # Each test has a media folder of its own: the file is stored per test.
        self.evidence = evidence_upload(
            actor=None,
            assessment=self.assessment,
            criterion=self.criterion,
            upload=pdf("ke-hoach.pdf"),
        )

    def unpublished_urls(self):
        round_pk, assessment_pk = self.round.pk, self.assessment.pk
        return {
            "round list": reverse("assessments:round_list"),
            "round board": reverse("assessments:round_detail", args=[round_pk]),
            "results": reverse("assessments:results", args=[round_pk]),
            "results export": reverse("assessments:results_export", args=[round_pk]),
            "self-assessment": reverse("assessments:assessment_detail", args=[assessment_pk]),
            "submission summary": reverse("assessments:assessment_submit", args=[assessment_pk]),
            "evidence file": reverse("assessments:evidence_download", args=[self.evidence.pk]),
            "appraisal": reverse("assessments:appraisal", args=[round_pk]),
            "appraisal progress": reverse("assessments:appraisal_progress", args=[round_pk]),
            "document register": reverse("documents:register"),
            "ranking announcement preview": reverse(
                "documents:preview", args=["ranking_announcement", round_pk]
            ),
            "self-assessment report preview": reverse(
                "documents:preview", args=["self_assessment_report", assessment_pk]
            ),
        }

    def test_the_editor_reads_nothing_of_a_round_before_publication(self):
        self.login("portal_editor")
        leaks = {}
        for name, url in self.unpublished_urls().items():
            status = self.client.get(url).status_code
            if status not in REFUSED:
                leaks[name] = status
        assert leaks == {}, f"the portal editor reads: {leaks}"

    def test_the_same_urls_still_serve_those_who_need_them(self):
        """The refusals above are the editor's, not broken pages: the coordinator reads them."""
        self.login("home_affairs")
        for name, url in self.unpublished_urls().items():
            assert self.client.get(url).status_code == 200, name

    def test_the_editor_keeps_its_own_pages(self):
        self.login("portal_editor")
        pages = [
            reverse("core:home"),
            reverse("portal_editor:articles"),
            reverse("portal_editor:article_new"),
            reverse("portal_editor:moderation"),
            reverse("portal_editor:links"),
            reverse("portal_editor:statistics"),
            reverse("feedback:list"),
            reverse("notifications:inbox"),
            reverse("accounts:profile"),
            # Published results are read where citizens read them.
            reverse("portal:ranking"),
            reverse("portal:home"),
        ]
        for url in pages:
            assert self.client.get(url).status_code == 200, url

    def test_the_home_page_offers_only_links_the_editor_can_follow(self):
        self.login("portal_editor")
        home = self.client.get(reverse("core:home")).content.decode()
        links = {link for link in re.findall(r'href="(/[^"#?]*)', home) if "/static/" not in link}
        assert reverse("portal_editor:articles") in links
        assert reverse("assessments:round_list") not in links
        for url in sorted(links):
            assert self.client.get(url).status_code == 200, url

    def test_an_editors_membership_widens_no_other_role(self):
        """An officer of ward B who also edits the city's portal still sees only ward B."""
        user = user_create(actor=None, username="officer_editor", password=TEST_PASSWORD)
        membership_add(actor=None, user=user, role=Role.UNIT_OFFICER, org_unit=self.cast.ward_b)
        membership_add(actor=None, user=user, role=Role.PORTAL_EDITOR, org_unit=self.cast.city)
        user = User.objects.get(pk=user.pk)
        assert Scope.of(user).reader_roots == ()
        self.client.force_login(user)
        own = assessment_of(self.round, self.cast.ward_b)
        assert self.client.get(own.get_absolute_url()).status_code == 200
        for url in (
            self.assessment.get_absolute_url(),
            reverse("assessments:results", args=[self.round.pk]),
            reverse("assessments:evidence_download", args=[self.evidence.pk]),
        ):
            assert self.client.get(url).status_code in REFUSED, url
