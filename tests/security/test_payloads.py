"""Hostile text through every text input of the product, read back on the pages that show it.

Each payload (script, event handlers, javascript: links, template syntax, SQL meta-characters,
Unicode tricks) is typed into the real form, posted over HTTP by the role that uses it, then the
pages that show the text are fetched: the text is there as text (escaped), never as live markup,
never evaluated as a template, never breaking a query, and it is stored as it was typed.

A guard at the top lists every free-text field of every form in cchc (and every text read
straight from request.GET / request.POST in a view): a new text input without a payload test,
or without a stated reason why it is never shown, fails the build."""

import datetime
import html
import importlib
import io
import pkgutil
import re
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from xml.etree import ElementTree

import pytest
import time_machine
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

import cchc
from cchc.core.forms import without_bidi_controls
from cchc.core.testing import PDF, TEST_PASSWORD, BaseTestCase
from cchc.core.versioning import version_token
from cchc.indicators.services import directive_create
from cchc.inspections.services import findings
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.services import org_unit_create

pytestmark = pytest.mark.security

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ request.user.password }}{% debug %}",
    "'; DROP TABLE orgunits_orgunit; --",
    "Robert'); SELECT * FROM accounts_user WHERE ('1'='1",
    "\u202egnp.exe",  # right-to-left override
    "Phu\u0301o\u031bng",  # decomposed Vietnamese
    "\u200b<b>zero width</b>",
]
# What the public sends is kept without the marks that reverse its direction (the forms' rule).
SENT = [without_bidi_controls(payload) for payload in PAYLOADS]
LIVE = ("<script>alert", "<img src=x onerror", "<svg/onload", 'href="javascript:')


def assert_inert(page: str, payload: str) -> None:
    for live in LIVE:
        assert live not in page, (live, payload)


# --- The guard: every text input is tested here, or says why it needs no test ----------------

# "module.Form.field" -> the test that types the payloads into it and reads them back.
COVERED = {
    # accounts
    "cchc.accounts.forms.LoginForm.username": "AccountPayloadTests.test_login_and_language",
    "cchc.accounts.forms.LanguageForm.next": "AccountPayloadTests.test_login_and_language",
    "cchc.accounts.forms.UserCreateForm.username": "AccountPayloadTests.test_user_create_form",
    "cchc.accounts.forms.UserCreateForm.full_name": "AccountPayloadTests.test_user_create_form",
    "cchc.accounts.forms.UserCreateForm.email": "AccountPayloadTests.test_user_create_form",
    "cchc.accounts.forms.UserCreateForm.job_title": "AccountPayloadTests.test_user_create_form",
    "cchc.accounts.forms.UserCreateForm.area_codes": "AccountPayloadTests.test_user_create_form",
    "cchc.accounts.forms.MembershipForm.area_codes": "AccountPayloadTests.test_membership_form",
    "cchc.accounts.forms.EmailForm.email": "AccountPayloadTests.test_email_forms",
    # org units
    "cchc.orgunits.forms.OrgUnitForm.code": "OrgUnitPayloadTests.test_org_unit_form",
    "cchc.orgunits.forms.OrgUnitForm.gso_code": "OrgUnitPayloadTests.test_org_unit_form",
    "cchc.orgunits.forms.OrgUnitForm.name": "OrgUnitPayloadTests.test_org_unit_form",
    "cchc.orgunits.forms.ReorganisationForm.name": "OrgUnitPayloadTests.test_reorganisation",
    "cchc.orgunits.forms.ReorganisationForm.rows": "OrgUnitPayloadTests.test_reorganisation",
    "cchc.orgunits.forms.ReorganisationApplyForm.name": "OrgUnitPayloadTests.test_reorganisation",
    "cchc.orgunits.forms.ReorganisationApplyForm.file_name": (
        "OrgUnitPayloadTests.test_reorganisation"
    ),
    # audit trail
    "cchc.core.forms.AuditFilterForm.q": "AuditPayloadTests.test_audit_filter",
    "cchc.core.forms.AuditFilterForm.actor": "AuditPayloadTests.test_audit_filter",
    # frameworks
    "cchc.frameworks.forms.FrameworkImportForm.name": (
        "FrameworkPayloadTests.test_framework_import_form"
    ),
    "cchc.frameworks.forms.FrameworkImportForm.decision_number": (
        "FrameworkPayloadTests.test_framework_import_form"
    ),
    "cchc.frameworks.forms.FrameworkForm.name": "FrameworkPayloadTests.test_framework_form",
    "cchc.frameworks.forms.FrameworkForm.decision_number": (
        "FrameworkPayloadTests.test_framework_form"
    ),
    "cchc.frameworks.forms.FrameworkForm.description": "FrameworkPayloadTests.test_framework_form",
    "cchc.frameworks.forms.FrameworkForm.bands": "FrameworkPayloadTests.test_framework_form",
    "cchc.frameworks.forms.CriterionForm.code": "FrameworkPayloadTests.test_criterion_form",
    "cchc.frameworks.forms.CriterionForm.title": "FrameworkPayloadTests.test_criterion_form",
    "cchc.frameworks.forms.CriterionForm.rule_text": "FrameworkPayloadTests.test_criterion_form",
    "cchc.frameworks.forms.CriterionForm.evidence_kind": (
        "FrameworkPayloadTests.test_criterion_form"
    ),
    "cchc.frameworks.forms.CriterionForm.guidance": "FrameworkPayloadTests.test_criterion_form",
    "cchc.frameworks.forms.CriterionForm.legal_basis": "FrameworkPayloadTests.test_criterion_form",
    "cchc.frameworks.forms.RulePreviewForm.*": "FrameworkPayloadTests.test_rule_preview",
    # rounds and assessments
    "cchc.assessments.forms.EvidenceCiteForm.title": (
        "AssessmentPayloadTests.test_self_assessment_inputs"
    ),
    "cchc.assessments.forms.EvidenceCiteForm.document_number": (
        "AssessmentPayloadTests.test_self_assessment_inputs"
    ),
    "cchc.assessments.forms.EvidenceCiteForm.issuer": (
        "AssessmentPayloadTests.test_self_assessment_inputs"
    ),
    "cchc.assessments.forms.EvidenceUploadForm.title": (
        "AssessmentPayloadTests.test_self_assessment_inputs"
    ),
    "cchc.assessments.forms.ExtendForm.reason": "AssessmentPayloadTests.test_extend_and_return",
    "cchc.assessments.forms.RoundDeadlinesForm.reason": (
        "AssessmentPayloadTests.test_the_reason_the_deadlines_change"
    ),
    "cchc.assessments.forms.ReturnForm.reason": "AssessmentPayloadTests.test_extend_and_return",
    "cchc.assessments.forms.AppraiseForm.reason": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc.assessments.forms.AppealForm.reason": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc.assessments.forms.AppealDecisionForm.reason": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc.assessments.forms.DecisionForm.decision_number": (
        "AssessmentPayloadTests.test_publication_decision_number"
    ),
    # inspections
    "cchc.inspections.forms.RequestForm.note": "InspectionPayloadTests.test_request_note",
    "cchc.inspections.forms.TeamDecisionForm.number": "InspectionPayloadTests.test_team_decision",
    "cchc.inspections.forms.TeamDecisionForm.signer": "InspectionPayloadTests.test_team_decision",
    "cchc.inspections.forms.DocumentAnswerForm.note": (
        "InspectionPayloadTests.test_document_answer"
    ),
    "cchc.inspections.forms.ItemResultForm.note": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.PhotoForm.caption": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.SupportForm.text": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.FindingForm.text": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.FindingForm.cause": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.FindingForm.new_root_cause": (
        "InspectionPayloadTests.test_visit_inputs"
    ),
    "cchc.inspections.forms.RecommendationForm.text": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.ActionForm.text": "InspectionPayloadTests.test_visit_inputs",
    "cchc.inspections.forms.ProgressForm.text": "InspectionPayloadTests.test_remediation",
    "cchc.inspections.forms.ReopenForm.reason": "InspectionPayloadTests.test_remediation",
    "cchc.inspections.forms.ChecklistImportForm.name": (
        "InspectionPayloadTests.test_checklist_import_name"
    ),
    # documents
    "cchc.documents.forms.IssueForm.signer_name": "DocumentPayloadTests.test_issue_form",
    "cchc.documents.forms.IssueForm.difficulties": "DocumentPayloadTests.test_issue_form",
    "cchc.documents.forms.IssueForm.proposals": "DocumentPayloadTests.test_issue_form",
    "cchc.documents.forms.BulkForm.signer_name": "DocumentPayloadTests.test_bulk_signer",
    # indicators
    "cchc.indicators.forms.DirectiveForm.number": "IndicatorPayloadTests.test_directive_form",
    "cchc.indicators.forms.DirectiveForm.content": "IndicatorPayloadTests.test_directive_form",
    "cchc.indicators.forms.ColumnAliasForm.heading": (
        "IndicatorPayloadTests.test_column_alias_form"
    ),
    # portal
    "cchc.portal.forms.ArticleForm.title": "PortalPayloadTests.test_articles_and_photos",
    "cchc.portal.forms.ArticleForm.summary": "PortalPayloadTests.test_articles_and_photos",
    "cchc.portal.forms.ArticleForm.body": "PortalPayloadTests.test_articles_and_photos",
    "cchc.portal.forms.ArticleForm.tags": "PortalPayloadTests.test_articles_and_photos",
    "cchc.portal.forms.PhotoForm.caption": "PortalPayloadTests.test_articles_and_photos",
    "cchc.portal.forms.CommentForm.name": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.CommentForm.email": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.CommentForm.text": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.CommentForm.website": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.CommentForm.captcha_1": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.ReplyForm.text": "PortalPayloadTests.test_comments_and_replies",
    "cchc.portal.forms.LinkForm.title": "PortalPayloadTests.test_links",
    "cchc.portal.forms.LinkForm.url": "PortalPayloadTests.test_links",
    "cchc.portal.forms.FeedbackForm.name": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.FeedbackForm.contact": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.FeedbackForm.subject": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.FeedbackForm.text": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.FeedbackForm.website": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.FeedbackForm.captcha_1": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.portal.forms.AnswerForm.answer": "PortalPayloadTests.test_feedback_and_answers",
    "cchc.api.forms.ClientCreateForm.name": "ApiClientPayloadTests.test_client_name",
    "cchc.documents.forms.TrustRootForm.name": "SignaturePayloadTests.test_trust_root_name",
}

# "module.Form.field" -> why it is no text that a page shows back.
NOT_SHOWN = {
    "cchc.orgunits.forms.ReorganisationApplyForm.content": (
        "the previewed file, base64: decoded and read again as the file, never shown"
    ),
    "cchc.accounts.forms.LoginForm.password": "a password: never shown, never echoed",
    "cchc.documents.forms.CertificateForm.password": (
        "the PKCS#12 file's password: never shown, stored encrypted"
    ),
    "cchc.accounts.forms.UserCreateForm.password1": "a password: never shown, never echoed",
    "cchc.accounts.forms.PasswordResetForm.password1": "a password: never shown, never echoed",
    "cchc.accounts.forms.PasswordResetForm.password2": "a password: never shown, never echoed",
    "cchc.accounts.forms.UserCreateForm.password2": "a password: never shown, never echoed",
    "cchc.assessments.forms.AppraiseForm.points": "a number (7,5), refused unless it parses",
    "cchc.assessments.forms.AppraiseForm.version": "hidden version token, compared, not shown",
    "cchc.assessments.forms.RoundDeadlinesForm.version": "hidden version token, compared",
    "cchc.api.forms.ClientCreateForm.once": "hidden one-time key, stored, never shown",
    "cchc.assessments.forms.AppealForm.requested_points": "a number (7,5)",
    "cchc.assessments.forms.AppealDecisionForm.points": "a number (7,5)",
    "cchc.inspections.forms.ItemResultForm.version": "hidden version token, compared, not shown",
    "cchc.documents.forms.IssueForm.replaces": (
        "hidden number of the document a re-issue replaces: compared with the register's, the "
        "page shows the register's"
    ),
    "cchc.frameworks.forms.FrameworkForm.version_token": "hidden version token",
    "cchc.frameworks.forms.CriterionForm.version_token": "hidden version token",
    "cchc.orgunits.forms.OrgUnitForm.version": "hidden version token",
    "cchc.portal.forms.VerifiedForm.captcha_0": "base class of the comment and feedback forms",
    "cchc.portal.forms.VerifiedForm.captcha_1": "base class of the comment and feedback forms",
    "cchc.portal.forms.CommentForm.captcha_0": "hidden key of the verification code",
    "cchc.portal.forms.FeedbackForm.captcha_0": "hidden key of the verification code",
}

# Text read straight from request.GET / request.POST in a view ("file:name"): tested, or why not.
RAW_COVERED = {
    "cchc/accounts/views.py:q": "AccountPayloadTests.test_user_create_form",
    "cchc/accounts/views.py:next": "AccountPayloadTests.test_login_and_language",
    "cchc/orgunits/views.py:q": "OrgUnitPayloadTests.test_org_unit_form",
    "cchc/analytics/views.py:area": "AnalyticsPayloadTests.test_filters_shown_back",
    "cchc/analytics/views.py:band": "AnalyticsPayloadTests.test_filters_shown_back",
    "cchc/analytics/views.py:remedy": "AnalyticsPayloadTests.test_filters_shown_back",
    "cchc/analytics/views.py:state": "AnalyticsPayloadTests.test_filters_shown_back",
    "cchc/assessments/views.py:{prefix}explanation": (
        "AssessmentPayloadTests.test_self_assessment_inputs"
    ),
    "cchc/assessments/views.py:text": "AssessmentPayloadTests.test_appraisal_questions_and_appeals",
    "cchc/assessments/views.py:answer": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc/assessments/views.py:reason": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc/assessments/views.py:points": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc/assessments/views.py:q": "AssessmentPayloadTests.test_appraisal_questions_and_appeals",
    "cchc/assessments/views.py:group": (
        "AssessmentPayloadTests.test_appraisal_questions_and_appeals"
    ),
    "cchc/inspections/views.py:text": "InspectionPayloadTests.test_visit_inputs",
    "cchc/inspections/views.py:title": "InspectionPayloadTests.test_visit_inputs",
    "cchc/portal/views.py:tag": "PortalPayloadTests.test_articles_and_photos",
    "cchc/portal/views.py:code": "PortalPayloadTests.test_feedback_and_answers",
    "cchc/documents/views.py:name": "SignaturePayloadTests.test_trust_root_name",
}
DIGITS_OR_CHOICE = "an id, a page number, a flag or one of fixed choices: checked, never shown"
# Ids read through core.params.id_param (a 400 in Vietnamese for anything but a number in range)
# are not listed: that reader never shows what it was given.
RAW_NOT_SHOWN = {
    "cchc/analytics/views.py:page": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:criterion": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:page": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:questions": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:todo": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:evidence": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:how": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:{prefix}version": "hidden version token, compared, not shown",
    "cchc/assessments/views.py:assessment": DIGITS_OR_CHOICE,
    "cchc/assessments/views.py:target": "the round's next state the board offered: compared, not shown",
    "cchc/assessments/views.py:shown": (
        "the appraisal grid's query string: parsed, only its q/group/todo/page kept and sent "
        "back URL-encoded in a redirect to the grid, which reads them as its own (tested there)"
    ),
    "cchc/core/views.py:page": DIGITS_OR_CHOICE,
    "cchc/documents/views.py:kind": DIGITS_OR_CHOICE,
    "cchc/documents/views.py:template_unit": DIGITS_OR_CHOICE,
    "cchc/documents/views.py:unit": DIGITS_OR_CHOICE,
    "cchc/frameworks/views.py:cancel": DIGITS_OR_CHOICE,
    "cchc/indicators/views.py:page": DIGITS_OR_CHOICE,
    "cchc/indicators/views.py:which": DIGITS_OR_CHOICE,
    "cchc/inspections/views.py:accept": "a plan conflict's key, matched with the plan's own conflicts, never shown",
    "cchc/inspections/views.py:item": DIGITS_OR_CHOICE,
    "cchc/inspections/views.py:more": 'compared with "1" to open the request form, never shown',
    "cchc/inspections/views.py:linked": DIGITS_OR_CHOICE,
    "cchc/inspections/views.py:member-user": DIGITS_OR_CHOICE,
    "cchc/inspections/views.py:publish": DIGITS_OR_CHOICE,
    "cchc/inspections/views.py:target": DIGITS_OR_CHOICE,
    "cchc/notifications/views.py:page": DIGITS_OR_CHOICE,
    "cchc/orgunits/views.py:download": DIGITS_OR_CHOICE,
    "cchc/orgunits/views.py:kind": DIGITS_OR_CHOICE,
    "cchc/portal/editor_views.py:status": DIGITS_OR_CHOICE,
    "cchc/portal/editor_views.py:action": DIGITS_OR_CHOICE,
    "cchc/portal/editor_views.py:feedback_days": DIGITS_OR_CHOICE,
    "cchc/portal/editor_views.py:moderation": DIGITS_OR_CHOICE,
    "cchc/portal/editor_views.py:target": DIGITS_OR_CHOICE,
    "cchc/portal/views.py:ma": DIGITS_OR_CHOICE,
    "cchc/portal/views.py:page": DIGITS_OR_CHOICE,
    "cchc/portal/views.py:text": DIGITS_OR_CHOICE,
    "cchc/portal/views.py:stars": DIGITS_OR_CHOICE,
}
RAW_READ = re.compile(
    r"request\.(?:GET|POST)(?:\.get(?:list)?\(|\[)\s*f?[\"']([^\"']*)[\"']", re.MULTILINE
)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def text_inputs_of_forms() -> set[str]:
    """Every text field ("module.Form.field") of the forms defined anywhere in cchc (forms.py,
    but also a form a view or a service would define)."""
    for module in pkgutil.walk_packages(cchc.__path__, "cchc."):
        parts = module.name.split(".")
        if any(part in {"tests", "migrations"} or part.startswith("test_") for part in parts):
            continue
        importlib.import_module(module.name)
    inputs = set()
    for form_class in _subclasses(forms.BaseForm):
        module_name = form_class.__module__
        if not module_name.startswith("cchc.") or ".tests" in module_name:
            continue
        path = f"{module_name}.{form_class.__qualname__}"
        for name, field in form_class.base_fields.items():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField):
                inputs.add(f"{path}.{name}")
    # The rule preview's form is built per rule, from the rule's inputs (its class is made by
    # Django's metaclass, so it names no cchc module): every rule's form counts as one input.
    from cchc.frameworks.forms import preview_form_class
    from cchc.frameworks.rules import parse_rule

    for rule in (parse_rule(text) for text in ("ratio", "yes_no", "manual step=0.5")):
        fields = preview_form_class(rule).base_fields  # type: ignore[attr-defined]
        if any(isinstance(field, forms.CharField) for field in fields.values()):
            inputs.add("cchc.frameworks.forms.RulePreviewForm.*")
    return inputs


def text_read_in_views() -> set[str]:
    """Every "file:name" a view reads from request.GET or request.POST by name."""
    root = Path(cchc.__file__).resolve().parent.parent
    found = set()
    for path in sorted(Path(cchc.__file__).resolve().parent.rglob("*views*.py")):
        if "tests" in path.parts:
            continue
        for name in RAW_READ.findall(path.read_text(encoding="utf-8")):
            found.add(f"{path.relative_to(root).as_posix()}:{name}")
    return found


def _test_exists(dotted: str) -> bool:
    class_name, method = dotted.split(".")
    return callable(getattr(globals().get(class_name), method, None))


def _check_tables(
    found: set[str], covered: dict[str, str], not_shown: dict[str, str], names: tuple[str, str]
) -> None:
    """Every input found is in exactly one table, every table entry still exists, and every
    test named exists. `names`: what the inputs are, and the table for tested ones."""
    what, table = names
    assert not set(covered) & set(not_shown)
    missing = sorted(found - set(covered) - set(not_shown))
    assert not missing, (
        f"These {what} have no payload test in tests/security/test_payloads.py: add one (and "
        f"name it in {table}), or say in the other table why no page shows them: {missing}"
    )
    stale = sorted((set(covered) | set(not_shown)) - found)
    assert not stale, f"These no longer exist: take them out of the tables: {stale}"
    unknown = sorted(name for name, test in covered.items() if not _test_exists(test))
    assert not unknown, f"The tests named for these do not exist: {unknown}"


def test_every_text_input_of_every_form_has_a_payload_test():
    _check_tables(text_inputs_of_forms(), COVERED, NOT_SHOWN, ("text inputs", "COVERED"))


def test_every_text_a_view_reads_by_name_has_a_payload_test():
    _check_tables(
        text_read_in_views(),
        RAW_COVERED,
        RAW_NOT_SHOWN,
        ("texts views read from the request", "RAW_COVERED"),
    )


# --- Helpers ----------------------------------------------------------------------------------


def cut(payload: str, length: int) -> str:
    """The payload typed into a field of `length` characters at most (forms strip the ends)."""
    return payload[:length].strip()


def shown(page: str, payload: str) -> bool:
    """Whether the page shows the payload as text: escaped as Django's templates escape it."""
    return escape(payload) in page


class PayloadTestCase(BaseTestCase):
    def read(self, url: str, data: dict | None = None, *, client: Client | None = None, **kw):
        """GET a page as the logged-in persona; it must answer 200."""
        response = (client or self.client).get(url, data, **kw)
        assert response.status_code == 200, (url, data, response.status_code)
        return response.content.decode()

    def send(self, url: str, data: dict, *, status: int = 302, client: Client | None = None, **kw):
        """POST a form as the logged-in persona; it must answer `status` (never a 500)."""
        response = (client or self.client).post(url, data, **kw)
        assert response.status_code == status, (url, response.status_code, data)
        return response

    def assert_shown(
        self, page: str, payloads: list[str] = PAYLOADS, *, rich_text: bool = False
    ) -> None:
        """Each payload is in the page as text (escaped), and nothing of any payload is live
        markup. `rich_text`: the page also holds an article body, whose safe tags stay tags."""
        for payload in payloads:
            assert_inert(page, payload)
            assert shown(page, payload), payload
            if "<" in payload and not rich_text:
                assert payload not in page, payload
        assert "&lt;script&gt;" in page or not any("<script>" in p for p in payloads)

    def assert_inert_all(self, page: str) -> None:
        for payload in PAYLOADS:
            assert_inert(page, payload)

    def audit_page(self, **filters: str) -> str:
        """The audit trail as the administrator reads it (values before and after)."""
        self.client.force_login(self.admin)
        return self.read(reverse("core:audit_list"), filters or None)


# --- Accounts and org units --------------------------------------------------------------------


class AccountPayloadTests(PayloadTestCase):
    def user_data(self, **changes: object) -> dict:
        data = {
            "username": "",
            "full_name": "",
            "email": "",
            "job_title": "",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
            "role": "unit_officer",
            "org_unit": self.cast.ward_a.pk,
            "area_codes": "",
        }
        data.update(changes)
        return data

    def test_email_forms(self):
        """No payload is an e-mail address: each is refused, nothing stored, nothing echoed."""
        from cchc.accounts.models import User

        User.objects.filter(username="ward_officer").update(email="canbo@example.gov.vn")
        mine = reverse("accounts:profile_email")
        theirs = reverse("accounts:user_email", args=[self.ward_officer.pk])
        for persona, url, page in (
            ("ward_officer", mine, reverse("accounts:profile")),
            ("home_affairs", theirs, reverse("accounts:user_detail", args=[self.ward_officer.pk])),
        ):
            self.login(persona)
            for payload in PAYLOADS:
                self.send(url, {"email": payload})
                self.assert_inert_all(self.read(page))
        assert User.objects.get(username="ward_officer").email == "canbo@example.gov.vn"

    def test_user_create_form(self):
        from cchc.accounts.models import User

        self.login("home_affairs")
        url = reverse("accounts:user_create")
        for n, payload in enumerate(PAYLOADS):
            data = self.user_data(username=f"can-bo-{n}", full_name=payload, job_title=payload)
            self.send(url, data)
            user = User.objects.get(username=f"can-bo-{n}")
            assert (user.full_name, user.job_title) == (payload, payload)
        # What a user name, an e-mail and area codes refuse comes back in the form, as text.
        for payload in PAYLOADS:
            data = self.user_data(
                username=payload,
                full_name=payload,
                email=payload,
                job_title=payload,
                role="appraiser",
                org_unit=self.cast.agency.pk,
                area_codes=payload,
            )
            page = self.send(url, data, status=400).content.decode()
            self.assert_shown(page, [payload])
        self.assert_shown(self.read(reverse("accounts:user_list")))
        for n, payload in enumerate(PAYLOADS):
            user = User.objects.get(username=f"can-bo-{n}")
            self.assert_shown(self.read(reverse("accounts:user_detail", args=[user.pk])), [payload])
            # The search box: the text searched is shown back in it, and finds the person.
            found = self.read(reverse("accounts:user_list"), {"q": payload})
            self.assert_shown(found, [payload])
            assert f"can-bo-{n}<" in found
        self.client.force_login(User.objects.get(username="can-bo-0"))
        self.assert_shown(self.read(reverse("accounts:profile")), PAYLOADS[:1])
        self.assert_shown(self.audit_page(), PAYLOADS)

    def test_membership_form(self):
        self.login("home_affairs")
        url = reverse("accounts:membership_add", args=[self.leader.pk])
        for payload in PAYLOADS:
            data = {"role": "appraiser", "org_unit": self.cast.agency.pk, "area_codes": payload}
            page = self.send(url, data, status=400).content.decode()
            self.assert_shown(page, [payload])
        assert not self.leader.memberships.filter(role="appraiser").exists()

    def test_login_and_language(self):
        url = reverse("accounts:login")
        for payload in PAYLOADS:
            page = self.send(url, {"username": payload, "password": "sai"}, status=200)
            self.assert_shown(page.content.decode(), [payload])
            # The page to go to after logging in is echoed in a hidden input, as text.
            self.assert_inert_all(self.read(url, {"next": payload}))
            # The language switch goes back to a page of this site only.
            response = self.send(
                reverse("accounts:language_set"), {"language": "en", "next": payload}
            )
            location = response["Location"]
            assert not location.lower().startswith(("javascript:", "//", "http"))


class OrgUnitPayloadTests(PayloadTestCase):
    def test_reorganisation(self):
        import csv as csv_module

        from cchc.orgunits.models import Reorganisation

        self.login("admin")
        url = reverse("orgunits:reorganisation")
        for n, payload in enumerate(PAYLOADS):
            text = io.StringIO()
            writer = csv_module.writer(text)
            writer.writerow(["Mã đơn vị cũ", "Mã đơn vị mới", "Tên mới", "Loại mới", "Mã cha mới"])
            old = org_unit_create(
                actor=None, code=f"R{n}", name=f"Xã {n}", kind="commune", parent=self.cast.city
            )
            writer.writerow([old.code, f"N{n}", payload, "xã", "H436"])
            name = cut(payload, 255)
            data = {"name": name, "effective_on": "2025-07-01", "rows": text.getvalue()}
            preview = self.send(url, data, status=200).content.decode()
            # The file's text is read composed (NFC), as every import reads it.
            payload = unicodedata.normalize("NFC", payload)
            self.assert_shown(preview, [payload, name])
            found = re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', preview)
            fields = {key: html.unescape(value) for key, value in found}
            fields["file_name"] = cut(payload, 255)
            response = self.send(url, {**fields, "apply": "1"})
            reorganisation = Reorganisation.objects.get(name=name)
            assert reorganisation.source == fields["file_name"]
            detail = self.read(response["Location"])
            self.assert_shown(detail, [payload, name])
            new = reorganisation.changes.get().successor
            self.assert_shown(self.read(reverse("orgunits:unit_detail", args=[new.pk])), [payload])
            self.assert_shown(self.read(reverse("orgunits:unit_detail", args=[old.pk])), [payload])
        self.assert_shown(self.read(url), [cut(p, 255) for p in PAYLOADS])

    def test_org_unit_form(self):
        from cchc.orgunits.models import OrgUnit

        self.login("home_affairs")
        units = []
        for n, payload in enumerate(PAYLOADS):
            code, gso_code = cut(f"{n}{payload}", 32), cut(f"{n}{payload}", 16)
            data = {
                "code": code,
                "gso_code": gso_code,
                "name": payload,
                "kind": "commune",
                "parent": self.cast.city.pk,
                "active_from": "2026-01-01",
                "active_to": "",
                "sort_order": n,
            }
            self.send(reverse("orgunits:unit_create"), data)
            unit = OrgUnit.objects.get(code=code)
            assert (unit.name, unit.gso_code) == (payload, gso_code)
            units.append(unit)
        self.assert_shown(self.read(reverse("orgunits:unit_list")))
        for unit, payload in zip(units, PAYLOADS, strict=True):
            self.assert_shown(
                self.read(reverse("orgunits:unit_detail", args=[unit.pk])), [payload, unit.code]
            )
            self.assert_shown(self.read(reverse("orgunits:unit_edit", args=[unit.pk])), [payload])
            found = self.read(reverse("orgunits:unit_list"), {"q": payload})
            self.assert_shown(found, [payload])
            assert reverse("orgunits:unit_detail", args=[unit.pk]) in found
        self.assert_shown(self.read(reverse("accounts:user_create")))  # the units to choose from
        self.assert_shown(self.read(reverse("indicators:directive_list")))
        self.assert_shown(self.audit_page(), PAYLOADS)
        # The public portal: an article about the new communes links each commune's page
        # (whatever its code holds), the feedback form lists them.
        from cchc.portal import services as portal
        from cchc.portal.models import Article

        self.client.force_login(self.portal_editor)
        data = {"title": "Các xã mới", "units": [unit.pk for unit in units]}
        self.send(reverse("portal_editor:article_new"), data)
        article = Article.objects.get(title="Các xã mới")
        portal.article_transition(actor=None, article=article, target="review")
        portal.article_transition(actor=None, article=article, target="published")
        self.client.logout()
        self.assert_shown(self.read(article.get_absolute_url()))
        self.assert_shown(self.read(reverse("portal:feedback")))
        for unit in units:
            self.assert_shown(self.read(reverse("portal:unit", args=[unit.code])), [unit.name])


class AuditPayloadTests(PayloadTestCase):
    def test_audit_filter(self):
        self.login("admin")
        for payload in PAYLOADS:
            page = self.read(reverse("core:audit_list"), {"q": payload, "actor": payload})
            self.assert_shown(page, [payload])
            partial = self.read(
                reverse("core:audit_list"), {"q": payload}, headers={"HX-Request": "true"}
            )
            self.assert_inert_all(partial)


class AnalyticsPayloadTests(PayloadTestCase):
    def test_filters_shown_back(self):
        from cchc.assessments.tests.factories import make_round

        make_round(self.cast)
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        year = inspection.plan.year
        self.login("home_affairs")
        for payload in PAYLOADS:
            self.assert_inert_all(self.read(reverse("analytics:overview"), {"band": payload}))
            self.assert_inert_all(self.read(reverse("analytics:progress"), {"state": payload}))
            page = self.read(
                reverse("analytics:inspections"),
                {"year": year, "area": payload, "remedy": payload},
            )
            self.assert_inert_all(page)
            # Filters carried into the pages' links (the dossiers behind a figure).
            self.assert_inert_all(
                self.read(reverse("indicators:dossier_list"), {"which": "received", "x": payload})
            )


# --- Frameworks --------------------------------------------------------------------------------


class FrameworkPayloadTests(PayloadTestCase):
    def test_framework_import_form(self):
        from cchc.frameworks.models import Framework
        from cchc.frameworks.tests.factories import SMALL_FRAMEWORK

        self.login("home_affairs")
        for payload in PAYLOADS:
            data = {
                "file": SimpleUploadedFile("f.csv", SMALL_FRAMEWORK.encode(), "text/csv"),
                "issuer": self.cast.city.pk,
                "name": payload,
                "year": 2027,
                "unit_kinds": ["ward"],
                "decision_number": cut(payload, 64),
            }
            response = self.send(reverse("frameworks:framework_import"), data)
            framework = Framework.objects.get(name=payload)
            assert framework.decision_number == cut(payload, 64)
            self.assert_shown(self.read(response["Location"]), [payload])
        self.assert_shown(self.read(reverse("frameworks:framework_list")))

    def test_framework_form(self):
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(self.cast.city)
        url = reverse("frameworks:framework_edit", args=[framework.pk])
        self.login("home_affairs")
        for payload in PAYLOADS:
            data = {
                "name": payload,
                "year": 2026,
                "unit_kinds": ["ward"],
                "decision_number": cut(payload, 64),
                "decision_date": "",
                "description": payload,
                "bands": "Tốt=80; Yếu=0",
                "version_token": "",
            }
            self.send(url, data)
            framework.refresh_from_db()
            assert (framework.name, framework.description) == (payload, payload)
            assert framework.decision_number == cut(payload, 64)
            self.assert_shown(self.read(url), [payload])  # the form, and the name as its title
            # A band's name is free text too: kept as typed where it parses, else refused.
            response = self.client.post(url, {**data, "bands": f"{payload}=80; Yếu=0"})
            assert response.status_code in (302, 400)
            if response.status_code == 400:
                self.assert_shown(response.content.decode(), [payload])
            else:
                assert framework.bands.filter(name=payload).exists()
                self.assert_shown(self.read(framework.get_absolute_url()), [payload])
        self.assert_shown(self.audit_page(), PAYLOADS)

    def test_criterion_form(self):
        from cchc.frameworks.models import Criterion, Framework
        from cchc.frameworks.tests.factories import make_framework

        original = make_framework(self.cast.city, publish=True)
        self.login("home_affairs")
        self.send(reverse("frameworks:framework_copy", args=[original.pk]), {})
        draft = Framework.objects.get(copied_from=original)
        for payload in PAYLOADS:
            data = {
                "code": cut(payload, 32),
                "title": payload,
                "max_points": "1",
                "rule_text": "yes_no",
                "section": "normal",
                "is_self_scored": "on",
                "evidence_required": "on",
                "evidence_kind": payload,
                "agency": "",
                "data_source": "",
                "guidance": payload,
                "legal_basis": payload,
            }
            self.send(reverse("frameworks:criterion_create", args=[draft.pk]), data)
            criterion = Criterion.objects.get(framework=draft, code=cut(payload, 32))
            stored = (criterion.title, criterion.evidence_kind, criterion.guidance)
            assert stored == (payload, payload, payload)
            assert criterion.legal_basis == payload
            edit = reverse("frameworks:criterion_edit", args=[criterion.pk])
            self.assert_shown(self.read(edit), [payload])
            # A rule is parsed: what does not parse comes back next to the field, as text.
            refused = self.client.post(
                edit, {**data, "rule_text": payload}, headers={"HX-Request": "true"}
            )
            assert refused.status_code == 200
            self.assert_shown(refused.content.decode(), [payload])
        self.assert_shown(self.read(draft.get_absolute_url()))
        diff = reverse("frameworks:framework_diff", args=[draft.pk])
        self.assert_shown(self.read(diff, {"against": original.pk}))

    def test_rule_preview(self):
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(self.cast.city, publish=True)
        criterion = framework.criteria.get(code="2.1")
        url = reverse("frameworks:criterion_preview", args=[criterion.pk])
        self.login("ward_officer")
        for payload in PAYLOADS:
            data = {"numerator": payload, "denominator": payload}
            response = self.client.post(url, data)
            assert response.status_code == 400
            self.assert_shown(response.content.decode(), [payload])
            response = self.client.post(url, data, headers={"HX-Request": "true"})
            assert response.status_code == 200
            self.assert_inert_all(response.content.decode())


# --- Indicators --------------------------------------------------------------------------------


class IndicatorPayloadTests(PayloadTestCase):
    def test_directive_form(self):
        from cchc.indicators.models import Directive

        self.login("home_affairs")
        for payload in PAYLOADS:
            data = {
                "number": cut(payload, 64),
                "issued_on": "2026-01-05",
                "org_unit": self.cast.ward_a.pk,
                "deadline": "2026-02-05",
                "content": payload,
            }
            self.send(reverse("indicators:directive_create"), data)
            assert Directive.objects.get(content=payload).number == cut(payload, 64)
        self.assert_shown(self.read(reverse("indicators:directive_list")))
        page = self.read(reverse("indicators:directive_list"), {"unit": self.cast.ward_a.pk})
        self.assert_shown(page)
        self.assert_inert_all(self.read(reverse("analytics:indicators")))
        self.assert_inert_all(self.read(reverse("indicators:overview")))
        self.login("ward_officer")
        self.assert_shown(self.read(reverse("indicators:directive_list")))
        self.assert_inert_all(self.read(reverse("core:home")))

    def test_column_alias_form(self):
        from cchc.core.imports import heading_key
        from cchc.indicators.models import ColumnAlias

        self.login("home_affairs")
        for payload in PAYLOADS:
            self.send(reverse("indicators:alias_add"), {"field": "code", "heading": payload})
            # Headings are compared as lower case with single spaces, composed: stored so.
            assert ColumnAlias.objects.filter(heading=heading_key(payload)).exists()
        page = self.read(reverse("indicators:import"))
        self.assert_shown(page, [heading_key(payload) for payload in PAYLOADS])
        self.assert_shown(self.audit_page(), [])


# --- The public portal and its editors ---------------------------------------------------------


class PortalPayloadTests(PayloadTestCase):
    def test_articles_and_photos(self):
        from cchc.portal import services as portal
        from cchc.portal.models import Article
        from cchc.portal.tests.test_portal import jpeg

        self.login("portal_editor")
        articles = []
        for payload in PAYLOADS:
            body = (
                f"<p>{payload}</p><script>alert(2)</script><img src=x onerror=alert(3)>"
                f'<a href="javascript:alert(4)">x</a><h2>Giữ</h2>'
            )
            data = {"title": payload, "summary": payload, "body": body, "tags": payload}
            self.send(reverse("portal_editor:article_new"), data)
            article = Article.objects.get(title=payload)
            assert (article.summary, article.tags) == (payload, payload)
            # The body is rich text: kept as safe HTML, without script, handlers or javascript:.
            for live in ("<script", "onerror", "<svg", 'href="javascript:'):
                assert live not in article.body, (live, article.body)
            assert "<h2>Giữ</h2>" in article.body
            portal.article_transition(actor=None, article=article, target="review")
            portal.article_transition(actor=None, article=article, target="published")
            photo = {"image": jpeg(), "caption": payload}
            self.send(reverse("portal_editor:photo_add", args=[article.pk]), photo)
            assert article.photos.get().caption == payload
            edit = self.read(reverse("portal_editor:article_edit", args=[article.pk]))
            self.assert_shown(edit, [payload])
            articles.append(article)
        self.assert_shown(self.read(reverse("portal_editor:articles")))
        self.client.logout()
        for article, payload in zip(articles, PAYLOADS, strict=True):
            page = self.read(article.get_absolute_url())
            self.assert_shown(page, [payload], rich_text=True)
            assert "<h2>Giữ</h2>" in page  # the safe part of the body stays
            # The tag filter shows the tag back, and finds the article.
            tagged = self.read(reverse("portal:articles"), {"tag": payload})
            self.assert_shown(tagged, [payload])
            assert article.get_absolute_url() in tagged
        self.assert_shown(self.read(reverse("portal:articles")))
        home = self.read(reverse("portal:home"))  # the six latest
        self.assert_inert_all(home)
        self.assert_shown(home, PAYLOADS[-6:])
        # Letters beyond Latin (Greek, Lao, Chinese) in a title: the article's address is
        # still one the site can build and read.
        self.login("portal_editor")
        for title in ("Ωμέγα 5 km²", "ສະບາຍດີ ຫາດຊາຍ", "中文"):
            self.send(reverse("portal_editor:article_new"), {"title": title, "summary": title})
            article = Article.objects.get(title=title)
            portal.article_transition(actor=None, article=article, target="review")
            portal.article_transition(actor=None, article=article, target="published")
            self.assert_shown(self.read(article.get_absolute_url(), client=Client()), [title])
        self.assert_shown(self.read(reverse("portal:home")), ["中文"])

    def test_comments_and_replies(self):
        from cchc.portal.models import Comment
        from cchc.portal.tests.test_portal import code_of, published

        article = published()
        url = reverse("portal:comment", args=[article.slug])
        for n, payload in enumerate(PAYLOADS):
            # Each citizen from their own address (at most three comments an address).
            citizen = Client(REMOTE_ADDR=f"10.9.0.{n + 1}")
            page = self.read(article.get_absolute_url(), {"ma": "1"}, client=citizen)
            key, answer = code_of(page)
            data = {"name": payload, "email": "", "text": payload, "website": ""}
            self.send(url, {**data, "captcha_0": key, "captcha_1": answer}, client=citizen)
            # Kept as sent, less the marks that reverse its direction (the form's rule).
            comment = Comment.objects.get(text=without_bidi_controls(payload))
            assert comment.name == without_bidi_controls(payload)
            # Refused (a wrong code, a bad e-mail, the robots' field filled): all that was typed
            # comes back in the form, as text.
            refused = {"name": payload, "email": payload, "text": payload, "website": payload}
            refused.update({"captcha_0": "", "captcha_1": payload})
            page = self.send(url, refused, status=400, client=citizen).content.decode()
            self.assert_shown(page, [payload])
        self.login("portal_editor")
        self.assert_shown(self.read(reverse("portal_editor:moderation")), SENT)
        self.assert_shown(self.read(reverse("notifications:inbox")), SENT)
        for comment in Comment.objects.filter(article=article, is_official=False):
            reply = {"text": comment.text}  # the reply shows the comment too
            self.send(reverse("portal_editor:reply", args=[comment.pk]), reply)
            assert comment.replies.get().text == comment.text
        assert Comment.objects.filter(is_official=True).count() == len(PAYLOADS)
        self.client.logout()
        page = self.read(article.get_absolute_url())
        self.assert_shown(page, SENT)
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page

    def test_links(self):
        from cchc.portal.models import WebsiteLink

        self.login("portal_editor")
        url = reverse("portal_editor:links")
        for n, payload in enumerate(PAYLOADS):
            data = {"title": payload, "url": f"https://lien.example/{n}", "order": n}
            self.send(url, data)
            assert WebsiteLink.objects.get(url=f"https://lien.example/{n}").title == payload
            # The address is checked: what is refused comes back as text, what passes is an
            # http(s) address shown in an attribute, escaped.
            for address in (payload, f"https://lien.example/{payload}"):
                response = self.client.post(url, {"title": "x", "url": address, "order": 0})
                assert response.status_code in (302, 400)
                self.assert_inert_all(response.content.decode())
        assert not WebsiteLink.objects.exclude(url__startswith="https://").exists()
        self.assert_shown(self.read(url))
        self.client.logout()
        self.assert_shown(self.read(reverse("portal:home")))

    def test_feedback_and_answers(self):
        from cchc.portal.models import Feedback
        from cchc.portal.tests.test_portal import code_of

        url = reverse("portal:feedback")
        for n, payload in enumerate(PAYLOADS):
            citizen = Client(REMOTE_ADDR=f"10.8.0.{n + 1}")
            key, answer = code_of(self.read(url, {"ma": "1"}, client=citizen))
            data = {
                "name": payload,
                "contact": payload,
                "org_unit": self.cast.ward_a.pk,
                "subject": payload,
                "text": payload,
                "website": "",
            }
            response = self.send(
                url, {**data, "captcha_0": key, "captcha_1": answer}, client=citizen
            )
            kept = without_bidi_controls(payload)  # the form's rule
            feedback = Feedback.objects.get(text=kept)
            assert (feedback.name, feedback.contact, feedback.subject) == (kept,) * 3
            self.assert_shown(self.read(response["Location"], client=citizen), [kept])
            refused = {**data, "website": payload, "captcha_0": "", "captcha_1": payload}
            page = self.send(url, refused, status=400, client=citizen).content.decode()
            self.assert_shown(page, [payload])
            # The lookup shows the code typed back (upper case, 16 characters at most).
            self.assert_inert_all(self.read(reverse("portal:feedback_lookup"), {"code": payload}))
        self.login("ward_officer")
        self.assert_shown(self.read(reverse("feedback:list")), SENT)
        self.assert_shown(self.read(reverse("notifications:inbox")), SENT)
        for feedback in Feedback.objects.all():
            detail = reverse("feedback:detail", args=[feedback.pk])
            self.assert_shown(self.read(detail), [feedback.text])
            self.send(detail, {"answer": feedback.text, "publish": "on"})
            feedback.refresh_from_db()
            assert feedback.answer == feedback.text
        self.assert_shown(self.read(reverse("feedback:list")), SENT)
        self.client.logout()
        self.assert_shown(self.read(reverse("portal:feedback_answers")), SENT)
        for feedback in Feedback.objects.all():
            page = self.read(reverse("portal:feedback_lookup"), {"code": feedback.code})
            self.assert_shown(page, [feedback.answer])


# --- Rounds, self-assessment, appraisal and appeals -------------------------------------------


class AssessmentPayloadTests(PayloadTestCase):
    def setUp(self):
        from cchc.assessments.tests.factories import assessment_of, make_round

        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)

    def criterion(self, code: str):
        from cchc.frameworks.models import Criterion

        return Criterion.objects.get(framework=self.round.framework, code=code)

    def submitted_for_appraisal(self):
        from cchc.assessments.services import assessment_submit, round_advance
        from cchc.assessments.tests.test_workflow import fill

        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        self.round = round_advance(actor=None, round_=self.round)

    def test_self_assessment_inputs(self):
        from cchc.assessments.models import Evidence, Score

        criterion = self.criterion("1.1")
        self.login("ward_officer")
        save = reverse("assessments:score_save", args=[self.assessment.pk, criterion.pk])
        evidence = reverse("assessments:evidence_add", args=[self.assessment.pk, criterion.pk])
        for n, payload in enumerate(PAYLOADS):
            prefix = f"c{criterion.pk}-"
            saved = Score.objects.filter(assessment=self.assessment, criterion=criterion).first()
            data = {
                f"{prefix}answer": "yes",
                f"{prefix}explanation": payload,
                f"{prefix}version": version_token(saved) if saved else "",  # as the page sends
            }
            self.assert_inert_all(self.read_post(save, data))
            score = Score.objects.get(assessment=self.assessment, criterion=criterion)
            assert score.explanation == payload
            self.assert_shown(self.read(self.assessment.get_absolute_url()), [payload])
            cite = {
                "how": "cite",
                "title": payload,
                "document_number": cut(payload, 64),
                "document_date": "2026-05-01",
                "issuer": payload,
            }
            self.send(evidence, cite)
            cited = Evidence.objects.get(title=payload, kind=Evidence.Kind.CITED)
            assert (cited.document_number, cited.issuer) == (cut(payload, 64), payload)
            upload = {
                "how": "upload",
                "file": SimpleUploadedFile(f"bien-ban-{n}.pdf", PDF + b"%" + bytes([65 + n])),
                "title": f"{payload} (tệp)",
            }
            self.send(evidence, upload)
            assert Evidence.objects.filter(title=f"{payload} (tệp)").exists()
        page = self.read(self.assessment.get_absolute_url())
        self.assert_shown(page, PAYLOADS + [f"{payload} (tệp)" for payload in PAYLOADS])
        self.client.force_login(self.ward_chair)
        submit = self.read(reverse("assessments:assessment_submit", args=[self.assessment.pk]))
        self.assert_inert_all(submit)
        self.login("home_affairs")
        area = reverse("analytics:area", args=[self.assessment.pk, criterion.parent_id])
        self.assert_shown(self.read(area))  # the evidence titles and numbers, the explanation

    def read_post(self, url: str, data: dict) -> str:
        """An htmx save: the row comes back in place (200), and is read as a page."""
        response = self.client.post(url, data, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    def test_the_reason_the_deadlines_change(self):
        """Kept in the audit trail and sent to every unit's people in their inbox."""
        import datetime

        import time_machine

        from cchc.assessments.models import Round
        from cchc.core.models import AuditEvent
        from cchc.core.versioning import version_token

        change = reverse("assessments:round_deadlines", args=[self.round.pk])
        with time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC)):
            self.login("home_affairs")
            first = datetime.date(2026, 7, 2)
            for n, payload in enumerate(PAYLOADS):
                self.send(
                    change,
                    {
                        # Only later: a day more for each payload.
                        "self_assessment_due_on": str(first + datetime.timedelta(days=n)),
                        "appraisal_due_on": "2026-12-20",
                        "appeals_due_on": "2026-12-31",
                        "reason": payload,
                        "version": version_token(Round.objects.get(pk=self.round.pk)),
                    },
                )
                event = AuditEvent.objects.filter(action="round.deadlines").latest("pk")
                assert event.after["reason"] == payload.strip()
            self.assert_inert_all(self.read(self.round.get_absolute_url()))
            self.assert_shown(self.audit_page(object_type="assessments.round"))
            self.login("ward_officer")
            self.assert_shown(self.read(reverse("notifications:inbox")))

    @time_machine.travel(datetime.datetime(2026, 6, 20, 9, tzinfo=datetime.UTC))
    def test_extend_and_return(self):
        from cchc.assessments.services import assessment_submit
        from cchc.assessments.tests.test_workflow import fill
        from cchc.core.models import AuditEvent

        self.login("home_affairs")
        extend = reverse("assessments:assessment_extend", args=[self.assessment.pk])
        for n, payload in enumerate(PAYLOADS):
            self.send(extend, {"due_on": f"2026-07-{n + 2:02}", "reason": payload})
            event = AuditEvent.objects.filter(action="assessment.extend").latest("pk")
            assert event.after["reason"] == payload
        self.assert_inert_all(self.read(self.round.get_absolute_url()))
        # The reason is kept in the audit trail, shown there as text.
        self.assert_shown(self.audit_page(object_type="assessments.assessment"))
        fill(self.assessment, self.ward_officer)
        back = reverse("assessments:assessment_return", args=[self.assessment.pk])
        for payload in PAYLOADS:
            assessment_submit(actor=self.ward_chair, assessment=self.assessment)
            self.login("home_affairs")
            self.send(back, {"reason": payload})
            self.assessment.refresh_from_db()
            assert self.assessment.return_reason == payload
            self.assert_shown(self.read(self.round.get_absolute_url()), [payload])
            self.login("ward_officer")
            self.assert_shown(self.read(self.assessment.get_absolute_url()), [payload])
        self.assert_shown(self.read(reverse("notifications:inbox")))  # "returned: <reason>"

    def test_appraisal_questions_and_appeals(self):
        from cchc.assessments.models import Appeal, Question, Score
        from cchc.assessments.services import round_advance, score_appraise
        from cchc.frameworks.models import Criterion

        self.submitted_for_appraisal()
        criterion = self.criterion("2.1")
        a = self.assessment
        appraisal = reverse("assessments:appraisal", args=[self.round.pk])
        # The appraiser asks; the unit answers.
        self.login("appraiser")
        ask = reverse("assessments:question_ask", args=[a.pk, criterion.pk])
        for payload in PAYLOADS:
            self.send(ask, {"text": payload})
        assert sorted(Question.objects.values_list("text", flat=True)) == sorted(PAYLOADS)
        self.login("ward_officer")
        for question in Question.objects.all():
            answer = reverse("assessments:question_answer", args=[question.pk])
            self.send(answer, {"answer": question.text})
            question.refresh_from_db()
            assert question.answer == question.text
        self.assert_shown(self.read(a.get_absolute_url(), {"questions": "1"}))
        self.login("appraiser")
        self.assert_shown(self.read(appraisal, {"criterion": criterion.pk}))
        # The appraised score's reason, saved as typed; a reason before a score, and a score
        # that is no number, come back in the row as they were typed.
        appraise = reverse("assessments:score_appraise", args=[a.pk, criterion.pk])
        for payload in PAYLOADS:
            # The version the row shows (a save without it never overwrites a saved score).
            shown = version_token(Score.objects.get(assessment=a, criterion=criterion))
            row = self.read_post(appraise, {"points": "0", "reason": payload, "version": shown})
            self.assert_inert_all(row)
            score = Score.objects.get(assessment=a, criterion=criterion)
            assert (score.appraised_points, score.appraisal_reason) == (0, payload)
            self.assert_shown(self.read(appraisal, {"criterion": criterion.pk}), [payload])
            self.assert_inert_all(self.read_post(appraise, {"points": "", "reason": payload}))
            self.assert_inert_all(self.read_post(appraise, {"points": payload, "reason": payload}))
            # The appraisal page's filters show back what was typed.
            filtered = self.read(
                appraisal, {"criterion": criterion.pk, "q": payload, "group": payload}
            )
            self.assert_inert_all(filtered)
        self.login("leader")
        self.assert_shown(self.read(a.get_absolute_url()), PAYLOADS[-1:])
        area = reverse("analytics:area", args=[a.pk, criterion.parent_id])
        self.assert_shown(self.read(area), PAYLOADS[-1:])
        # Appeals: the unit contests, the coordinator rejects, each with a reason.
        for leaf in Criterion.objects.filter(framework=self.round.framework, children__isnull=True):
            score = Score.objects.get(assessment=a, criterion=leaf)
            if score.appraised_points is None:
                score_appraise(
                    actor=None, assessment=a, criterion=leaf, points=score.self_points, reason=""
                )
        self.round = round_advance(actor=None, round_=self.round)
        appeal_url = reverse("assessments:appeal_file", args=[a.pk, criterion.pk])
        for payload in PAYLOADS:
            self.login("ward_chair")
            self.send(appeal_url, {"requested_points": "2", "reason": payload})
            appeal = Appeal.objects.get(reason=payload)
            self.login("home_affairs")
            decide = reverse("assessments:appeal_decide", args=[appeal.pk])
            self.send(decide, {"accept": "0", "points": "", "reason": payload})
            appeal.refresh_from_db()
            assert (appeal.status, appeal.decision_reason) == (Appeal.Status.REJECTED, payload)
        self.assert_shown(self.read(self.round.get_absolute_url()))
        self.login("ward_chair")
        self.assert_inert_all(self.read(a.get_absolute_url()))
        self.assert_inert_all(self.read(reverse("notifications:inbox")))

    def test_publication_decision_number(self):
        from cchc.assessments.services import (
            assessment_submit,
            round_advance,
            score_appraise,
            score_save,
        )
        from cchc.assessments.tests.factories import make_round

        text = (
            "code,title,max_points,rule,section,self_scored,evidence_required\n"
            "A,Kế hoạch CCHC,1,yes_no,normal,có,không\n"
        )
        for n, payload in enumerate(PAYLOADS):
            round_ = make_round(
                self.cast, text=text, units=[self.cast.ward_a], name=f"Bộ {n}", period="annual"
            )
            assessment = round_.assessments.get()
            criterion = round_.framework.criteria.get()
            score_save(
                actor=None, assessment=assessment, criterion=criterion, data={"answer": "yes"}
            )
            assessment_submit(actor=self.ward_chair, assessment=assessment)
            round_ = round_advance(actor=None, round_=round_)
            score_appraise(
                actor=None, assessment=assessment, criterion=criterion, points=Decimal(1), reason=""
            )
            round_ = round_advance(actor=None, round_=round_)
            round_ = round_advance(actor=None, round_=round_)
            self.login("home_affairs")
            data = {
                "decision_number": cut(payload, 64),
                "decision_date": "2026-06-20",
                "target": "published",
            }
            self.send(reverse("assessments:round_advance", args=[round_.pk]), data)
            round_.refresh_from_db()
            assert (round_.status, round_.decision_number) == ("published", cut(payload, 64))
            self.assert_shown(self.read(round_.get_absolute_url()), [payload])
            self.client.logout()
            self.assert_shown(
                self.read(reverse("portal:ranking_round", args=[round_.pk])), [payload]
            )


# --- Inspections -------------------------------------------------------------------------------


class InspectionPayloadTests(PayloadTestCase):
    approved: Any

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.approved = approved_inspection(cls.cast)  # ward A's visit, in an approved plan

    def test_request_note(self):
        from cchc.inspections.models import InspectionRequest
        from cchc.inspections.services import planning
        from cchc.inspections.tests.factories import team_ready

        team_ready(self.cast)
        year = timezone.localdate().year + 1
        # One request per plan, unit and topic: two plans, two wards, four topics.
        places = [
            (planning.plan_get_or_create(actor=None, organiser=self.cast.city, year=y), unit, topic)
            for y in (year, year + 1)
            for unit in (self.cast.ward_a, self.cast.ward_b)
            for topic in ("cchc", "tthc", "iso", "directives")
        ]
        self.login("appraiser")
        for (plan, unit, topic), payload in zip(places, PAYLOADS, strict=False):
            data = {
                "org_unit": unit.pk,
                "topic": topic,
                "agency": self.cast.agency.pk,
                "window_start": f"{plan.year}-09-01",
                "window_end": f"{plan.year}-10-31",
                "note": payload,
            }
            url = reverse("inspections:request_create", args=[plan.pk])
            self.send(url, data)
            assert InspectionRequest.objects.filter(plan=plan, note=payload).exists()
            # A refused request (a date that is no date) is reported; nothing is stored.
            self.send(url, {**data, "window_start": payload})
            self.assert_inert_all(self.read(plan.get_absolute_url()))
        assert InspectionRequest.objects.filter(plan__year__gt=year - 1).count() == len(PAYLOADS)
        self.login("home_affairs")
        for plan in {place[0] for place in places}:
            self.assert_inert_all(self.read(plan.get_absolute_url()))

    def test_team_decision(self):
        inspection = self.approved
        day = min(timezone.localdate(), inspection.visit_date).isoformat()
        self.login("home_affairs")
        for payload in PAYLOADS:
            data = {
                "decision-number": cut(payload, 64),
                "decision-date": day,
                "decision-signer": payload,
            }
            self.send(reverse("inspections:decision", args=[inspection.pk]), data)
            inspection.refresh_from_db()
            stored = (inspection.decision_number, inspection.decision_signer)
            assert stored == (cut(payload, 64), payload)
            self.assert_shown(self.read(inspection.get_absolute_url()), [payload])
            preview = reverse("documents:preview_raw", args=["team_decision", inspection.pk])
            self.assert_inert_all(self.read(preview))

    def test_document_answer(self):
        from cchc.inspections.services import visits

        inspection = to_status(self.cast, self.approved, "preparing")
        visits.documents_request(actor=None, inspection=inspection)
        documents = list(inspection.document_requests.order_by("pk"))
        self.login("ward_officer")
        for n, payload in enumerate(PAYLOADS):
            document = documents[n % len(documents)]
            url = reverse("inspections:document_answer", args=[document.pk])
            self.send(url, {"note": payload})
            document.refresh_from_db()
            assert document.answer_note == payload
            self.assert_shown(self.read(inspection.get_absolute_url()), [payload])
        self.login("home_affairs")
        self.assert_inert_all(self.read(inspection.get_absolute_url()))

    def test_visit_inputs(self):
        from cchc.inspections.models import (
            Finding,
            Inspection,
            ItemResult,
            Recommendation,
            RootCause,
        )
        from cchc.inspections.services import visits
        from cchc.inspections.tests.factories import png

        inspection = to_status(self.cast, self.approved, "visiting")
        detail = inspection.get_absolute_url()
        self.client.force_login(inspection.team.first().user)
        items = visits.visit_items(inspection)
        for n, payload in enumerate(PAYLOADS):
            # A checklist item's note, saved in place; a refused save keeps the note typed.
            url = reverse("inspections:item_result", args=[inspection.pk, items[n].pk])
            saved = self.client.post(
                url, {"verdict": "partly", "note": payload}, headers={"HX-Request": "true"}
            )
            assert saved.status_code == 200
            self.assert_shown(saved.content.decode(), [payload])
            assert ItemResult.objects.get(inspection=inspection, item=items[n]).note == payload
            refused = self.client.post(
                url, {"verdict": "?", "note": payload}, headers={"HX-Request": "true"}
            )
            assert refused.status_code == 400
            self.assert_shown(refused.content.decode(), [payload])
            # A photo's caption.
            photo = {"photo-file": png(f"anh-{n}.png"), "photo-caption": payload}
            self.send(reverse("inspections:photo_add", args=[inspection.pk]), photo)
            assert inspection.files.filter(caption=payload).exists()
            # The support given (one text, saved again and again: read after each save).
            support = {"support-text": payload}
            self.send(reverse("inspections:support", args=[inspection.pk]), support)
            inspection.refresh_from_db()
            assert inspection.support_given == payload
            self.assert_shown(self.read(detail), [payload])
        for payload in PAYLOADS:
            # A shortcoming with its cause and a new root cause.
            finding = {
                "kind": "shortcoming",
                "area": "iso|2. Duy trì và cải tiến",
                "text": payload,
                "severity": "minor",
                "cause_kind": "",
                "cause": payload,
                "new_root_cause": payload,
            }
            self.send(reverse("inspections:finding_create", args=[inspection.pk]), finding)
            created = Finding.objects.get(inspection=inspection, text=payload)
            assert created.cause == payload
            assert [cause.title for cause in created.root_causes.all()] == [payload]
            # A root cause typed on a finding (the form under each shortcoming).
            link = {"linked": "1", "title": f"{payload} (2)"}
            self.send(reverse("inspections:finding_cause", args=[created.pk]), link)
            assert RootCause.objects.filter(title=f"{payload} (2)").exists()
            # The suggestions as the inspector types.
            suggest = reverse("inspections:finding_suggest", args=[inspection.pk])
            self.assert_inert_all(self.read(suggest, {"text": payload}))
            # A recommendation on the finding, and an action for it.
            recommendation = {"rec-text": payload, "rec-findings": [created.pk]}
            url = reverse("inspections:recommendation_create", args=[inspection.pk])
            self.send(url, recommendation)
            made = Recommendation.objects.get(inspection=inspection, text=payload)
            deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
            url = reverse("inspections:action_create", args=[made.pk])
            self.send(url, {"text": payload, "deadline": deadline})
            assert made.actions.get().text == payload
        titles = PAYLOADS + [f"{payload} (2)" for payload in PAYLOADS]
        self.assert_shown(self.read(detail), titles)
        self.assert_shown(self.read(reverse("inspections:checklist_visit", args=[inspection.pk])))
        self.assert_shown(self.read(reverse("inspections:root_causes")), titles)
        year = inspection.plan.year
        self.assert_inert_all(self.read(reverse("analytics:inspections"), {"year": year}))
        preview = reverse("documents:preview_raw", args=["conclusion_notice", inspection.pk])
        self.assert_shown(self.read(preview))
        self.login("ward_officer")
        self.assert_inert_all(self.read(detail))  # the team's notes: the unit waits
        Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.CONCLUDED)
        self.assert_shown(self.read(detail))
        self.assert_shown(self.read(reverse("inspections:inspection_list")))
        self.assert_inert_all(self.read(reverse("core:home")))

    def test_remediation(self):
        from cchc.inspections.models import ProgressReport

        inspection = to_status(self.cast, self.approved, "concluded")
        action = inspection.recommendations.get().actions.get()
        team_member = inspection.team.first().user
        for payload in PAYLOADS:
            self.login("ward_officer")
            url = reverse("inspections:action_report", args=[action.pk])
            self.send(url, {"text": payload, "is_done": "on"})
            assert ProgressReport.objects.filter(action=action, text=payload).exists()
            self.client.force_login(team_member)
            self.send(reverse("inspections:action_reopen", args=[action.pk]), {"reason": payload})
            action.refresh_from_db()
            assert (action.status, action.reopen_reason) == ("open", payload)
            self.assert_shown(self.read(inspection.get_absolute_url()), [payload])
        self.login("ward_officer")
        self.assert_shown(self.read(inspection.get_absolute_url()), PAYLOADS)
        self.assert_shown(self.read(reverse("notifications:inbox")))
        self.assert_inert_all(self.read(reverse("core:home")))

    def test_checklist_import_name(self):
        from cchc.inspections.models import Checklist

        self.login("home_affairs")
        rows = "section_code,section,code,item\n1,Chính sách,1.1,Có chính sách chất lượng\n"
        for n, payload in enumerate(PAYLOADS):
            upload = SimpleUploadedFile(f"ds-{n}.csv", rows.encode())
            data = {"topic": "iso", "name": payload, "file": upload}
            response = self.send(reverse("inspections:checklist_import"), data)
            assert Checklist.objects.filter(name=payload).exists()
            self.assert_shown(self.read(response["Location"]), [payload])
            self.assert_shown(self.read(reverse("inspections:checklist_list")), [payload])


# --- Issued documents --------------------------------------------------------------------------


def docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode()


class RecordedPdf:
    """Stands in for WeasyPrint (half a second a document, and seconds to load): keeps the HTML
    the PDF is drawn from (the preview's HTML), which the test reads as a page. The Word file
    is made for real."""

    def __init__(self) -> None:
        self.pages: list[str] = []

    def __call__(self, document: Any) -> bytes:
        from cchc.documents.pdf import document_html

        self.pages.append(document_html(document, for_pdf=True))
        return PDF


class DocumentPayloadTests(PayloadTestCase):
    def word_text(self, issued: Any) -> str:
        """The words of an issued Word file, whose XML must still parse."""
        from cchc.documents.tests.helpers import docx_text

        response = self.client.get(reverse("documents:issued_file", args=[issued.pk, "docx"]))
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        ElementTree.fromstring(docx_xml(data))  # noqa: S314 - the file this test made
        return docx_text(data)

    def test_issue_form(self):
        from cchc.documents.models import IssuedDocument
        from cchc.documents.tests.helpers import normal
        from cchc.documents.tests.scenes import concluded_inspection, submitted_assessment

        inspection = concluded_inspection(self.cast)
        assessment = submitted_assessment(self.cast)
        notice = reverse("documents:issue", args=["conclusion_notice", inspection.pk])
        report = reverse("documents:issue", args=["self_assessment_report", assessment.pk])
        recorded = RecordedPdf()

        def again(**target: object) -> dict[str, str]:
            # Each payload issues the document again: confirmed, replacing the current one.
            current = IssuedDocument.objects.filter(replaced_by__isnull=True, **target).first()
            return {"replaces": current.reference, "confirm_replace": "on"} if current else {}

        with mock.patch("cchc.documents.pdf.render_pdf", recorded):
            for payload in PAYLOADS:
                self.login("appraiser")
                data = {"signer_name": payload, "issued_on": "2026-11-20"}
                response = self.send(notice, data | again(inspection=inspection))
                issued = IssuedDocument.objects.latest("pk")
                assert issued.signer_name == payload
                self.assert_shown(self.read(response["Location"]), [payload])
                self.assert_shown(recorded.pages[-1], [payload])
                assert normal(payload) in self.word_text(issued)
        # The self-assessment report adds the difficulties and the proposals: several lines
        # each (a Word table per report makes it slow: two reports carry every payload).
        self.login("ward_chair")
        with mock.patch("cchc.documents.pdf.render_pdf", recorded):
            for first, second in ((PAYLOADS[:5], PAYLOADS[5:]), (PAYLOADS[5:], PAYLOADS[:5])):
                data = {
                    "signer_name": first[0],
                    "issued_on": "2026-11-20",
                    "difficulties": "\n".join(first),
                    "proposals": "\n".join(second),
                }
                response = self.send(report, data | again(assessment=assessment))
                issued = IssuedDocument.objects.latest("pk")
                self.assert_shown(self.read(response["Location"]), first[:1])
                self.assert_shown(recorded.pages[-1])
                text = self.word_text(issued)
                assert all(normal(payload) in text for payload in PAYLOADS)
        self.assert_shown(self.read(reverse("documents:register")))

    def test_bulk_signer(self):
        from cchc.documents.models import BulkJob, IssuedDocument

        # A plan's notices are issued in bulk once: three plans, three of the payloads (the same
        # field of the single issue form takes all of them above).
        self.login("home_affairs")
        year = timezone.localdate().year
        recorded = RecordedPdf()
        for n, payload in enumerate(PAYLOADS[:3]):
            inspection = to_status(
                self.cast, approved_inspection(self.cast, year=year - n), "concluded"
            )
            url = reverse("documents:bulk_start", args=[inspection.plan_id])
            with (
                mock.patch("cchc.documents.pdf.render_pdf", recorded),
                self.captureOnCommitCallbacks(execute=True),
            ):
                response = self.send(url, {"signer_name": payload})
            assert BulkJob.objects.latest("pk").signer_name == payload
            assert IssuedDocument.objects.get(inspection=inspection).signer_name == payload
            self.assert_shown(recorded.pages[-1], [payload])
            self.assert_inert_all(self.read(response["Location"]))
        self.assert_shown(self.read(reverse("documents:register")), PAYLOADS[:3])


# --- Text stored through the services, read on the dashboards ------------------------------


class PayloadTests(BaseTestCase):
    def test_unit_names_directives_and_findings_show_as_text(self):
        units = [
            org_unit_create(
                actor=None,
                code=f"XSS{n}",
                name=f"Xã {payload}",
                kind="commune",
                parent=self.cast.city,
            )
            for n, payload in enumerate(PAYLOADS)
        ]
        for unit, payload in zip(units, PAYLOADS, strict=True):
            directive_create(
                actor=None,
                number=f"{payload}"[:60],
                issued_on=datetime.date(2026, 1, 5),
                content=payload,
                deadline=datetime.date(2026, 2, 5),
                org_unit=unit,
            )
        inspection = to_status(self.cast, approved_inspection(self.cast, year=2026), "visiting")
        for payload in PAYLOADS[:4]:
            findings.finding_create(
                actor=self.inspector,
                inspection=inspection,
                kind="shortcoming",
                topic="iso",
                area=payload,
                text=payload,
                severity="minor",
                root_causes=[
                    findings.root_cause_get_or_create(
                        actor=self.inspector, organiser=self.cast.city, title=payload
                    )
                ],
            )
        self.login("home_affairs")
        pages = [
            reverse("orgunits:unit_list"),
            reverse("indicators:directive_list"),
            inspection.get_absolute_url(),
            reverse("inspections:root_causes"),
            reverse("analytics:inspections") + "?year=2026",
            reverse("analytics:indicators"),
        ]
        for url in pages:
            response = self.client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            for payload in PAYLOADS:
                assert_inert(page, payload)
        # Template syntax is shown as typed: it was never evaluated.
        units_page = self.client.get(reverse("orgunits:unit_list")).content.decode()
        assert "{{ request.user.password }}{% debug %}" in units_page
        # Stored as typed: nothing was lost or mangled on the way in.
        from cchc.orgunits.models import OrgUnit

        assert OrgUnit.objects.filter(name=f"Xã {PAYLOADS[5]}").exists()
        assert OrgUnit.objects.count() >= len(PAYLOADS)


# --- This session's pages: API clients, trust roots ------------------------------------------


class ApiClientPayloadTests(PayloadTestCase):
    def test_client_name(self):
        from cchc.api.models import IntegrationClient

        self.client.force_login(self.admin)
        for payload in PAYLOADS:
            data = {
                "name": payload,
                "org_unit": self.cast.city.pk,
                "role": "home_affairs",
                "scopes": ["units:read"],
            }
            response = self.send(reverse("api_clients:client_create"), data, status=200)
            self.assert_inert_all(response.content.decode())
        assert sorted(IntegrationClient.objects.values_list("name", flat=True)) == sorted(
            payload.strip() for payload in PAYLOADS
        )
        self.assert_shown(
            self.read(reverse("api_clients:client_list")),
            [payload for payload in PAYLOADS if payload == payload.strip()],
        )
        self.assert_inert_all(self.audit_page())


class SignaturePayloadTests(PayloadTestCase):
    def test_trust_root_name(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from cchc.core.models import TrustRoot
        from cchc.core.tests.pki import authority

        self.client.force_login(self.admin)
        for n, payload in enumerate(PAYLOADS):
            root = authority(f"CA {n}")
            upload = SimpleUploadedFile(
                f"goc-{n}.pem", root.pem, content_type="application/x-pem-file"
            )
            response = self.client.post(
                reverse("documents:trust_root"), {"name": payload, "file": upload}, follow=True
            )
            assert response.status_code == 200
            self.assert_inert_all(response.content.decode())
        assert TrustRoot.objects.count() == len(PAYLOADS)
        self.assert_shown(
            self.read(reverse("documents:signatures")),
            [payload for payload in PAYLOADS if payload == payload.strip()],
        )
