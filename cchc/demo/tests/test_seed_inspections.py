"""The demo's inspections: one plan consolidating 60 requests into 15 visits, the article's ward
carried through to a published conclusion and partly remedied, and loaded only once."""

import io
import tempfile
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.test import TestCase, override_settings
from django.utils import timezone

from cchc.accounts.models import User
from cchc.inspections.models import (
    Checklist,
    DocumentRequest,
    Finding,
    Inspection,
    InspectionFile,
    InspectionPlan,
    InspectionRequest,
    ItemResult,
    ProgressReport,
    Recommendation,
    RemediationAction,
    RootCause,
    TeamMember,
)
from cchc.inspections.selectors import root_cause_ranking, visit_overdue
from cchc.inspections.services.visits import visit_items

ARTICLE_SHORTCOMINGS = [
    "Hình thức tuyên truyền cải cách hành chính chưa phong phú",
    "Nghị định số 34/2019/NĐ-CP",
    "chi thu nhập tăng thêm",
    "Tỷ lệ trễ hạn văn bản trên phần mềm",
    "TCVN ISO 9001:2015 vẫn còn chậm",
]
COUNTED: list[type[Model]] = [
    Checklist,
    InspectionPlan,
    InspectionRequest,
    Inspection,
    TeamMember,
    DocumentRequest,
    ItemResult,
    Finding,
    RootCause,
    Recommendation,
    RemediationAction,
    ProgressReport,
    InspectionFile,
]


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


@pytest.mark.once  # a whole seeding: test_seed_demo seeds on PostgreSQL
class SeedInspectionsTests(TestCase):
    plan: InspectionPlan
    article: Inspection
    output: str
    media: str

    @classmethod
    def setUpClass(cls) -> None:
        # Settings first: the demo is loaded once for the class, in setUpTestData.
        cls.media = cls.enterClassContext(tempfile.TemporaryDirectory())
        cls.enterClassContext(override_settings(DEBUG=True, MEDIA_ROOT=cls.media))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        stdout = io.StringIO()
        call_command("seed_demo", "--quiet", stdout=stdout)
        cls.output = stdout.getvalue()
        cls.plan = InspectionPlan.objects.get(organiser__code="436", year=timezone.localdate().year)
        cls.article = Inspection.objects.get(plan=cls.plan, org_unit__name="Phường Trần Phú")

    def test_sixty_requests_from_three_agencies_become_fifteen_visits(self) -> None:
        assert self.plan.status == InspectionPlan.Status.APPROVED
        assert self.plan.requests.count() == 60
        assert self.plan.inspections.count() == 15
        assert not self.plan.requests.filter(inspection__isnull=True).exists()
        agencies = set(self.plan.requests.values_list("agency__code", flat=True))
        assert agencies == {"436-NV", "436-VP", "436-KT"}
        for inspection in self.plan.inspections.all():
            assert sorted(inspection.topics) == ["cchc", "directives", "iso", "tthc"]
            assert inspection.team.filter(is_head=True, agency__code="436-NV").count() == 1
            assert inspection.conflicts == []
        assert self.plan.summary["visits_saved"] == 45
        assert "60 requests → 15 visits" in self.output

    def test_the_other_wards_are_at_several_stages(self) -> None:
        statuses = set(self.plan.inspections.values_list("status", flat=True))
        assert statuses == {"planned", "preparing", "visiting", "concluded"}
        assert self.plan.inspections.filter(status="concluded").count() >= 2

    def test_each_visit_is_at_a_stage_its_date_allows(self) -> None:
        """Issue 17, item 18: visits under way or concluded have had their day; of the visits
        whose day has passed, one only was not carried out (it shows as overdue)."""
        today = timezone.localdate()
        inspections = list(self.plan.inspections.all())
        started = [i for i in inspections if i.status in {"visiting", "concluded", "closed"}]
        assert started and all(i.visit_date <= today for i in started)
        overdue = [i for i in inspections if visit_overdue(i, today=today)]
        assert len(overdue) <= 1, [(i.org_unit_id, i.visit_date, i.status) for i in overdue]
        assert all(i.visit_date > today for i in inspections if i.status == "preparing")

    def test_the_article_ward_is_concluded_and_published_with_its_five_shortcomings(self) -> None:
        article = self.article
        assert article.status == Inspection.Status.CONCLUDED
        assert article.is_published
        assert article.decision_number == "125/QĐ-UBND"
        assert article.decision_date is not None and article.decision_date < article.visit_date
        assert "trực tiếp hỗ trợ, hướng dẫn" in article.support_given
        # A team headed by Phòng Nội vụ with members of the seven agencies.
        assert article.team.values("agency").distinct().count() == 7
        # Every checklist item has a verdict; the article's shortcomings are not "meets".
        assert article.results.count() == len(visit_items(article))
        assert article.results.exclude(verdict="meets").exclude(verdict="na").count() >= 5
        shortcomings = list(article.findings.filter(kind=Finding.Kind.SHORTCOMING))
        assert len(shortcomings) == 5
        for words in ARTICLE_SHORTCOMINGS:
            assert any(words in finding.text for finding in shortcomings), words
        assert all(finding.severity and finding.cause_kind for finding in shortcomings)
        assert article.findings.filter(kind=Finding.Kind.STRENGTH).count() >= 5
        assert article.files.filter(purpose=InspectionFile.Purpose.PHOTO, kind="png").exists()
        assert article.document_requests.filter(answered_at__isnull=False).count() == 2

    def test_the_funding_root_cause_links_shortcomings_across_topics_and_units(self) -> None:
        cause = RootCause.objects.get(title="Kinh phí còn hạn hẹp")
        linked = cause.findings.filter(kind=Finding.Kind.SHORTCOMING)
        assert linked.filter(inspection=self.article).count() == 2
        assert linked.count() >= 2
        assert len(set(linked.values_list("topic", flat=True))) >= 2
        assert len(set(linked.values_list("inspection__org_unit", flat=True))) >= 2
        rows = root_cause_ranking(user=User.objects.get(username="noivu"))
        row = next(row for row in rows if row["cause"] == cause)
        assert row["units"] >= 2 and len(row["topics"]) >= 2

    def test_remediation_is_partly_done(self) -> None:
        today = timezone.localdate()
        actions = RemediationAction.objects.filter(recommendation__inspection=self.article)
        assert self.article.recommendations.count() >= 4
        assert all(
            recommendation.actions.exists() for recommendation in self.article.recommendations.all()
        )
        verified = actions.filter(status=RemediationAction.Status.VERIFIED)
        assert verified.count() == 1
        assert verified.get().reports.filter(is_done=True, files__kind="pdf").exists()
        assert actions.filter(status=RemediationAction.Status.REPORTED).count() == 1
        overdue = [action for action in actions if action.is_overdue(today)]
        assert len(overdue) == 1
        assert overdue[0].status == RemediationAction.Status.OPEN

    def test_running_it_again_duplicates_nothing(self) -> None:
        before = counts()
        stdout = io.StringIO()
        call_command("seed_demo", "--quiet", stdout=stdout)
        assert counts() == before
        assert "already loaded" in stdout.getvalue()

    def test_the_files_are_real_pdfs_and_pngs(self) -> None:
        files: Any = InspectionFile.objects.filter(inspection__plan=self.plan)
        assert files.count() >= 5
        for stored in files:
            # The class's media folder (each test otherwise gets its own, see conftest.py).
            with self.settings(MEDIA_ROOT=self.media), stored.file.open("rb") as handle:
                head = handle.read(8)
            assert head.startswith(b"%PDF-") or head.startswith(b"\x89PNG"), stored.original_name

    def test_the_plan_the_notice_and_the_ranking_are_issued_once(self) -> None:
        from cchc.documents.models import IssuedDocument

        references = set(IssuedDocument.objects.values_list("kind", "reference"))
        assert ("inspection_plan", "01/KH-UBND") in references
        assert ("conclusion_notice", "01/TB-ĐKT") in references
        assert ("ranking_announcement", "01/TB-UBND") in references
        call_command("seed_demo", "--quiet", stdout=io.StringIO())
        assert IssuedDocument.objects.count() == 3
