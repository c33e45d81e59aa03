"""Generated input (hypothesis) through every form and every upload field of the product.

Each form of cchc is posted over HTTP, by the persona that uses it, to the URL that takes it,
about an object in the state it is used in (the objects are built by the permission matrix's
own builders). Each example starts from the form's valid data and, field by field, keeps it,
replaces it with generated input or leaves it out: text (control characters, right-to-left
marks, strings of a few hundred kilobytes, numbers written as text: `1e309`, `-0`, `NaN`, 32
digits, `²`), ids (real ones, another unit's, not numbers, too large), dates (impossible, far
past or future) and files (random bytes under a plausible name, PDF, DOCX, XLSX and PNG files
cut short or damaged, names with folders, control characters, 300 characters).

Two things fail a form: an answer of 500 or more, and a write after a refusal. A refusal is a
4xx, a page or a row that shows an error, or an error message; after one, the database's
fingerprint (every cchc table's row count, and the audit trail's last id: every service write
audits) and the files under MEDIA_ROOT must be as they were. Each example runs in a savepoint
rolled back after it, so every example starts from the same objects.

Bounded: FUZZ_EXAMPLES examples a form (default 10; the run is derandomised, so a failure found
in CI comes back on any machine). Run it longer with `FUZZ_EXAMPLES=500 make test-security`, or
with new examples each run with FUZZ_RANDOM=1. Two guards fail the suite when a form of cchc,
or a file a view reads by name, is not driven here (or has no written reason)."""

import base64
import datetime
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cchc
from cchc.core.testing import PDF, TEST_PASSWORD, BaseTestCase, Cast
from cchc.core.tests import pki
from cchc.core.versioning import version_token
from tests import test_permission_matrix as matrix
from tests.security import test_payloads as payloads

pytestmark = pytest.mark.security

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

# --- What is generated --------------------------------------------------------------------------


class Mark:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


KEEP, DROP = Mark("KEEP"), Mark("DROP")  # the valid value; the field left out

NUMBERS_AS_TEXT = [
    "1e309", "-1e309", "-0", "NaN", "nan", "Infinity", "-inf", "9" * 32, "-" + "9" * 32, "²",
    "١٢", "１２", "1,5", "7,5", "1.5", "0x1F", "1_000", " 3 ", "3.", ".5", "1e-400", "0", "-1",
    "1E+30", "1" + "0" * 20,
]  # fmt: skip
WORDS = [
    "", " ", "\u202egnp.exe", "\u200b", "\ufeff", "Phu\u0301o\u031bng", "א ב ג", "مرحبا",
    "\x00", "\x0b\x0c\x1b", "\r\n\r\n", "<script>alert(1)</script>", "{{ x }}{% debug %}",
    "'; DROP TABLE x; --", "%s%n%x", "../../etc/passwd", "😀" * 3, "Đ" * 600,
]  # fmt: skip
LETTERS = st.characters(exclude_categories=["Cs"])  # any code point UTF-8 can carry
CONTROL = st.characters(max_codepoint=0x1F)


def huge_text() -> st.SearchStrategy[str]:
    """A short text repeated up to a few hundred kilobytes (hypothesis draws small buffers)."""
    return st.tuples(st.text(LETTERS, min_size=1, max_size=6), st.integers(500, 50_000)).map(
        lambda parts: (parts[0] * parts[1])[:300_000]
    )


TEXT = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(NUMBERS_AS_TEXT),
    st.text(LETTERS, max_size=40),
    st.text(CONTROL, min_size=1, max_size=8),
    huge_text(),
)
NUMBER = st.one_of(
    st.sampled_from(NUMBERS_AS_TEXT),
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    TEXT,
)
DATE = st.one_of(
    st.dates().map(datetime.date.isoformat),  # year 1 to 9999
    st.sampled_from(
        [
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "31/12/2026",
            "30/02/2026",
            "99999-01-01",
            "-2026-01-01",
            "2026-1-1",
            "1/1/1",
            "2026-06-01T10:00",
            "9999-12-31",
            "0001-01-01",
        ]
    ),  # fmt: skip
    TEXT,
)
DATETIME = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat(sep=" ")), DATE, st.just("2026-06-01 25:61")
)
ID = st.one_of(
    st.integers(-2, 400).map(str),  # real ids of every kind: another unit's among them
    st.sampled_from(["abc", "²", "9" * 32, "1.5", "1e3", " 1", "0x10", "-0", "١"]),
    TEXT,
)
BOOL = st.sampled_from(["on", "", "off", "0", "false", "1", "²", "\x00"])


def _png() -> bytes:
    from cchc.inspections.tests.factories import PNG

    return PNG


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Biên bản {{ number }}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["code", "title", "max_points", "rule"])
    sheet.append(["1", "Chỉ đạo điều hành", 1, "yes_no"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_AUTHORITY = pki.authority("CA fuzz")
ROOT_PEM = _AUTHORITY.pem
SIGNER_P12 = _AUTHORITY.issue("Người ký fuzz")
PKI_PASSWORD = pki.PASSWORD
SAMPLES = {"pdf": PDF, "png": _png(), "docx": _docx(), "xlsx": _xlsx()}
CSV = "code,title,max_points,rule\n1,Kế hoạch,1,yes_no\n".encode()
NAMES = [
    "bien-ban.pdf", "ke-hoach.docx", "so-lieu.xlsx", "anh.png", "anh.jpg", "du-lieu.csv",
    "mau.docx", "khong-duoi", ".pdf", "bao-cao.PDF", "a.pdf.exe", "tệp tiếng Việt.xlsx",
]  # fmt: skip


def _damaged(parts: tuple[bytes, list[tuple[int, int]]]) -> bytes:
    data = bytearray(parts[0])
    for where, byte in parts[1]:
        data[where % len(data)] = byte
    return bytes(data)


FILE_NAME = st.one_of(
    st.sampled_from(NAMES),
    st.tuples(
        st.sampled_from(["../../", "a/b/", "C:\\tmp\\", "/etc/", "..\\"]), st.sampled_from(NAMES)
    ).map("".join),  # noqa: E501
    st.tuples(st.sampled_from(NAMES), st.text(CONTROL, min_size=1, max_size=3)).map(
        lambda parts: parts[1] + parts[0]
    ),
    st.sampled_from(NAMES).map(lambda name: "d" * 300 + name),
    st.text(LETTERS, min_size=1, max_size=30),
)
SAMPLE = st.sampled_from(sorted(SAMPLES)).map(SAMPLES.__getitem__)
FILE_CONTENT = st.one_of(
    st.binary(max_size=4096),
    SAMPLE,
    st.tuples(SAMPLE, st.floats(0, 1)).map(lambda parts: parts[0][: int(len(parts[0]) * parts[1])]),
    st.tuples(
        SAMPLE, st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12)
    ).map(_damaged),
    st.just(CSV),
)
FILE = st.tuples(FILE_NAME, FILE_CONTENT)


def field_strategy(form_field: forms.Field | None, kind: str | None) -> st.SearchStrategy[Any]:
    """What is generated for one field: by its kind when named, else by the form field's type."""
    if kind is None:
        kind = kind_of(form_field)
    if kind == "choice" and isinstance(form_field, forms.ChoiceField):
        values = [
            str(value)
            for value, label in list(form_field.choices)  # type: ignore[arg-type]
            if not isinstance(label, (list, tuple))
        ]
        return st.one_of(st.sampled_from(values), TEXT) if values else TEXT
    if kind == "choices":
        return st.lists(field_strategy(form_field, "choice"), max_size=4)
    if kind == "ids":
        return st.lists(ID, max_size=4)
    return {
        "file": FILE,
        "bool": BOOL,
        "date": DATE,
        "datetime": DATETIME,
        "number": NUMBER,
        "id": ID,
        "text": TEXT,
        "choice": TEXT,
    }[kind]


def kind_of(form_field: forms.Field | None) -> str:
    checks: list[tuple[type, str]] = [
        (forms.FileField, "file"),
        (forms.BooleanField, "bool"),
        (forms.DateTimeField, "datetime"),
        (forms.DateField, "date"),
        (forms.IntegerField, "number"),
        (forms.DecimalField, "number"),
        (forms.FloatField, "number"),
        (forms.ModelMultipleChoiceField, "ids"),
        (forms.ModelChoiceField, "id"),
        (forms.MultipleChoiceField, "choices"),
        (forms.ChoiceField, "choice"),
    ]
    for form_type, kind in checks:
        if isinstance(form_field, form_type):
            return kind
    if type(form_field).__name__ == "PointsField":
        return "number"
    return "text"


# --- The table: every form, its URL, persona and object --------------------------------------


@dataclass
class Target:
    """A form as the product posts it. `url` and `data` are built from the cast (with the
    matrix's builders); `data` holds the valid input each example starts from (a file as
    (name, bytes)). `fields` names the kind of inputs a view reads without a form class."""

    form: str
    persona: str | None  # None: an anonymous visitor
    url: Callable[[Cast], str]
    data: Callable[[Cast], dict[str, Any]] = field(default=lambda cast: {})
    prefix: str = ""
    htmx: bool = False
    method: str = "post"
    fields: dict[str, str] = field(default_factory=dict)
    fresh: Callable[[], dict[str, Any]] | None = None  # per example (a new verification code)
    # Rows a refusal writes by design: a refused comment shows a new verification code,
    # which counts against the address's limit (portal.CountedRequest).
    counted: tuple[str, ...] = ()
    refused: str = ""  # why the valid input is refused, when it is (else it must be accepted)
    # The day its examples are sent on, when its valid input is a date of the fixtures'
    # June–July 2026 schedule that must not be gone yet (an extension).
    today: datetime.date | None = None


def url(name: str, builder: Callable[[Cast], dict[str, Any]] | None = None) -> Callable:
    return lambda cast: reverse(name, kwargs=builder(cast) if builder else None)


def captcha() -> dict[str, Any]:
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def _year() -> int:
    return timezone.localdate().year


def plan_next_year(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.services import planning
    from cchc.inspections.tests.factories import team_ready

    team_ready(cast)
    plan = planning.plan_get_or_create(actor=None, organiser=cast.city, year=_year() + 1)
    return {"pk": plan.pk}


def plan_of(kwargs: dict[str, Any]) -> int:
    from cchc.inspections.models import Inspection

    return Inspection.objects.get(pk=kwargs["pk"]).plan_id


def not_started(cast: Cast) -> dict[str, Any]:
    """A visit of an approved plan two years ahead: its date and team may still change."""
    from cchc.inspections.tests.factories import approved_inspection

    return {"pk": approved_inspection(cast, year=_year() + 2).pk}


def appraisal_data(cast: Cast) -> dict[str, Any]:
    from cchc.assessments.models import Score
    from cchc.core.versioning import version_token

    kwargs = in_round("appraisal")(cast)
    score = Score.objects.get(assessment_id=kwargs["pk"], criterion_id=kwargs["criterion_pk"])
    return {"points": "3", "reason": "Đúng", "version": version_token(score)}


def concluded_action(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.models import RemediationAction
    from cchc.inspections.tests.factories import approved_inspection, to_status

    inspection = to_status(cast, approved_inspection(cast, year=_year() - 1), "concluded")
    return {"pk": RemediationAction.objects.filter(recommendation__inspection=inspection)[0].pk}


def reported_action(cast: Cast) -> dict[str, Any]:
    """The concluded visit's action, reported done by the unit: what a reopening sends back."""
    from cchc.inspections.models import RemediationAction
    from cchc.inspections.services import findings

    action = RemediationAction.objects.get(**concluded_action(cast))
    if action.status == RemediationAction.Status.OPEN:
        upload = SimpleUploadedFile("bao-cao.pdf", PDF, content_type="application/pdf")
        findings.progress_report(
            actor=cast.ward_officer, action=action, text="Xong", uploads=[upload], is_done=True
        )
    return {"pk": action.pk}


def concluded_notice(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.tests.factories import approved_inspection, to_status

    inspection = to_status(cast, approved_inspection(cast, year=_year() - 1), "concluded")
    return {"kind": "conclusion_notice", "pk": inspection.pk}


def item_of_visit(cast: Cast) -> dict[str, Any]:
    from cchc.inspections.services.visits import visit_items

    inspection = matrix.visiting(cast)
    return {"pk": inspection.pk, "item_pk": visit_items(inspection)[0].pk}


def criterion_2_2(cast: Cast) -> dict[str, Any]:
    from cchc.frameworks.models import Criterion

    assessment = matrix.ward_a_assessment(cast)
    criterion = Criterion.objects.get(framework=assessment.round.framework, code="2.2")
    return {"pk": assessment.pk, "criterion_pk": criterion.pk}


def round_in(cast: Cast, stage: str) -> Any:
    """A round of its own (ward A only) at `stage`: appraisal (ward A submitted) or appeals."""
    from cchc.assessments.models import Round, Score
    from cchc.assessments.services import assessment_submit, round_advance, score_appraise
    from cchc.assessments.tests.factories import make_round
    from cchc.assessments.tests.test_workflow import fill

    name = f"Fuzz {stage}"
    existing = Round.objects.filter(framework__name=name).first()
    if existing is not None:
        return existing
    round_ = make_round(cast, name=name, units=[cast.ward_a])
    assessment = round_.assessments.get()
    fill(assessment, cast.ward_officer)
    assessment_submit(actor=cast.ward_chair, assessment=assessment)
    round_ = round_advance(actor=None, round_=round_)
    if stage == "appeals":
        for score in Score.objects.filter(assessment=assessment, criterion__children__isnull=True):
            score_appraise(
                actor=None,
                assessment=assessment,
                criterion=score.criterion,
                points=score.self_points or Decimal(0),
                reason="",
            )
        round_ = round_advance(actor=None, round_=round_)
        # The units may still appeal, whatever day the suite runs.
        later = timezone.localdate() + datetime.timedelta(days=30)
        Round.objects.filter(pk=round_.pk).update(appeals_due_on=later)
        round_.refresh_from_db()
    return round_


def in_round(stage: str, code: str = "2.1") -> Callable[[Cast], dict[str, Any]]:
    def kwargs(cast: Cast) -> dict[str, Any]:
        round_ = round_in(cast, stage)
        assessment = round_.assessments.get()
        return {
            "pk": assessment.pk,
            "criterion_pk": assessment.scores.get(criterion__code=code).criterion_id,
        }

    return kwargs


def pending_appeal(cast: Cast) -> dict[str, Any]:
    from cchc.assessments.models import Appeal

    round_ = round_in(cast, "appeals")
    score = round_.assessments.get().scores.get(criterion__code="2.1")
    appeal = Appeal.objects.filter(score=score).first() or Appeal.objects.create(
        score=score, reason="x", requested_points=1, filed_by=cast.ward_chair
    )
    return {"pk": appeal.pk}


def submitted_b(cast: Cast) -> dict[str, Any]:
    """Ward B's assessment of the open round, submitted (ward A's stays open for its forms)."""
    from cchc.assessments.models import Assessment
    from cchc.assessments.services import assessment_submit
    from cchc.assessments.tests.factories import assessment_of
    from cchc.assessments.tests.test_workflow import fill

    assessment = assessment_of(matrix.open_round(cast), cast.ward_b)
    if assessment.status != Assessment.Status.SUBMITTED:
        fill(assessment, cast.outsider)
        assessment = assessment_submit(actor=None, assessment=assessment)
    return {"pk": assessment.pk}


def framework_file(cast: Cast) -> dict[str, Any]:
    from cchc.frameworks.tests.factories import SMALL_FRAMEWORK

    return {
        "file": ("bo-chi-so.csv", SMALL_FRAMEWORK.encode()),
        "issuer": cast.city.pk,
        "name": "Bộ chỉ số thử",
        "year": "2027",
        "unit_kinds": ["ward"],
        "decision_number": "1/QĐ",
        "decision_date": "2026-01-05",
    }


def user_data(cast: Cast) -> dict[str, Any]:
    return {
        "username": "can-bo-moi",
        "full_name": "Cán bộ mới",
        "email": "cb@example.vn",
        "job_title": "Chuyên viên",
        "password1": "a-long-test-password-42",
        "password2": "a-long-test-password-42",
        "role": "unit_officer",
        "org_unit": cast.ward_a.pk,
        "area_codes": "",
    }


def visit_day(cast: Cast) -> str:
    return (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def round_data(cast: Cast) -> dict[str, Any]:
    return {
        "framework": matrix.published(cast)["pk"],
        "period": "annual",
        "year": str(_year()),
        "units": [cast.ward_a.pk, cast.ward_b.pk],
        "self_assessment_due_on": visit_day(cast),
        "appraisal_due_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "appeals_due_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "previous": "",
    }


def slug(cast: Cast) -> dict[str, Any]:
    return {"slug": matrix.public_article(cast).slug}


TRIAL = "code,title,max_points,rule\n"
REORGANISATION_ROWS = "Mã đơn vị cũ,Tên mới\nX18070,Phường Trần Phú mới\n"
TARGETS = [
    # accounts
    Target("cchc.accounts.forms.LoginForm", None, url("accounts:login"),
           lambda cast: {"username": "ward_officer", "password": TEST_PASSWORD}),
    Target("cchc.accounts.forms.LanguageForm", "ward_officer", url("accounts:language_set"),
           lambda cast: {"language": "en", "next": "/"}),
    Target("cchc.accounts.forms.UserCreateForm", "home_affairs", url("accounts:user_create"),
           user_data),
    Target("cchc.accounts.forms.PasswordResetForm", "home_affairs",
           lambda cast: reverse("accounts:user_password", args=[cast.ward_officer.pk]),
           lambda cast: {"password1": "mot-mat-khau-moi-2026", "password2": "mot-mat-khau-moi-2026"}),
    Target("cchc.accounts.forms.EmailForm", "ward_officer", url("accounts:profile_email"),
           lambda cast: {"email": "cb@example.vn"}),
    Target("cchc.accounts.forms.MembershipForm", "home_affairs",
           lambda cast: reverse("accounts:membership_add", args=[cast.leader.pk]),
           lambda cast: {"role": "appraiser", "org_unit": cast.agency.pk, "area_codes": "2"}),
    # org units and the audit trail
    Target("cchc.orgunits.forms.OrgUnitForm", "home_affairs", url("orgunits:unit_create"),
           lambda cast: {"code": "X9", "gso_code": "9", "name": "Xã Mới", "kind": "commune",
                         "parent": cast.city.pk, "active_from": "2026-01-01", "active_to": "",
                         "sort_order": "1", "version": ""}),
    Target("cchc.orgunits.forms.OrgUnitImportForm", "admin", url("orgunits:unit_import"),
           lambda cast: {"file": ("don-vi.csv", b"code,name,kind,parent_code\nX77,Xa,ward,H436\n")}),
    Target("cchc.orgunits.forms.ReorganisationForm", "admin", url("orgunits:reorganisation"),
           lambda cast: {"name": "NQ 1665", "effective_on": "2025-07-01", "preview": "1",
                         "file": ("nq.csv", REORGANISATION_ROWS.encode()),
                         "rows": REORGANISATION_ROWS}),
    Target("cchc.orgunits.forms.ReorganisationApplyForm", "admin",
           url("orgunits:reorganisation"),
           lambda cast: {"name": "NQ 1665", "effective_on": "2025-07-01", "file_name": "nq.csv",
                         "content": base64.b64encode(REORGANISATION_ROWS.encode()).decode(),
                         "apply": "1"}),
    Target("cchc.core.forms.AuditFilterForm", "admin", url("core:audit_list"),
           lambda cast: {"q": "x", "actor": "admin", "object_type": "", "date_from": "2026-01-01",
                         "date_to": "2026-12-31"}, method="get"),
    # frameworks
    Target("cchc.frameworks.forms.FrameworkImportForm", "home_affairs",
           url("frameworks:framework_import"), framework_file),
    Target("cchc.frameworks.forms.FrameworkForm", "home_affairs",
           url("frameworks:framework_edit", matrix.draft),
           lambda cast: {"name": "Bộ", "year": "2026", "unit_kinds": ["ward"],
                         "decision_number": "", "decision_date": "", "description": "",
                         "bands": "Tốt=80; Yếu=0", "version_token": ""}),
    Target("cchc.frameworks.forms.CriterionForm", "home_affairs",
           url("frameworks:criterion_create", matrix.draft),
           lambda cast: {"code": "9", "title": "Tiêu chí", "max_points": "1", "rule_text": "yes_no",
                         "section": "normal", "is_self_scored": "on", "evidence_required": "",
                         "evidence_kind": "", "agency": "", "data_source": "", "guidance": "",
                         "legal_basis": "", "version_token": ""}),
    Target("cchc.frameworks.forms.RulePreviewForm", "ward_officer",
           url("frameworks:criterion_preview",
               lambda cast: matrix.criterion_of(matrix.published(cast)["pk"], "2.2")),
           lambda cast: {"numerator": "3", "denominator": "4"},
           fields={"numerator": "number", "denominator": "number"}),
    # rounds and assessments
    Target("cchc.assessments.forms.RoundForm", "home_affairs", url("assessments:round_create"),
           round_data),
    Target("cchc.assessments.forms.DecisionForm", "home_affairs",
           url("assessments:round_advance", lambda cast: {"pk": round_in(cast, "appeals").pk}),
           lambda cast: {"decision_number": "1/QĐ", "decision_date": "2026-06-20",
                         "target": "finalised"},
           fields={"target": "choice"},
           refused="the units may still appeal: a round is finalised once their time is over"),
    Target("cchc.assessments.forms.RoundDeadlinesForm", "home_affairs",
           url("assessments:round_deadlines", matrix.round_pk),
           lambda cast: {
               "self_assessment_due_on": str(timezone.localdate() + datetime.timedelta(days=10)),
               "appraisal_due_on": str(timezone.localdate() + datetime.timedelta(days=20)),
               "appeals_due_on": str(timezone.localdate() + datetime.timedelta(days=30)),
               "reason": "Tỉnh lùi hạn",
               "version": version_token(matrix.open_round(cast)),
           }),
    Target("cchc.assessments.forms.ExtendForm", "home_affairs",
           url("assessments:assessment_extend", lambda cast: {"pk": matrix.ward_a_assessment(cast).pk}),
           lambda cast: {"due_on": "2026-07-10", "reason": "Lũ"}, today=datetime.date(2026, 6, 20)),
    Target("cchc.assessments.forms.ReturnForm", "home_affairs",
           url("assessments:assessment_return", submitted_b), lambda cast: {"reason": "Thiếu"}),
    Target("cchc.assessments.forms.EvidenceCiteForm", "ward_officer",
           url("assessments:evidence_add", matrix.scored),
           lambda cast: {"how": "cite", "title": "KH", "document_number": "1/KH",
                         "document_date": "2026-05-01", "issuer": "UBND"},
           fields={"how": "choice"}),
    Target("cchc.assessments.forms.EvidenceUploadForm", "ward_officer",
           url("assessments:evidence_add", matrix.scored),
           lambda cast: {"how": "upload", "file": ("kh.pdf", PDF), "title": "KH",
                         "effective_on": "2026-05-01"}),
    Target("cchc.assessments.forms.VerifyFileForm", "home_affairs",
           url("assessments:assessment_verify", submitted_b),
           lambda cast: {"file": ("kh.pdf", PDF)}),
    Target("score_save", "ward_officer", url("assessments:score_save", criterion_2_2),
           lambda cast: {f"c{criterion_2_2(cast)['criterion_pk']}-{name}": value
                         for name, value in (("numerator", "3"), ("denominator", "4"),
                                             ("explanation", ""), ("version", ""))},
           htmx=True,
           fields={"numerator": "number", "denominator": "number", "explanation": "text",
                   "version": "text"}),
    Target("cchc.assessments.forms.AppraiseForm", "appraiser",
           url("assessments:score_appraise", in_round("appraisal")),
           appraisal_data, htmx=True),
    Target("cchc.assessments.forms.AppealForm", "ward_chair",
           url("assessments:appeal_file", in_round("appeals", "2.2")),
           lambda cast: {"requested_points": "2", "reason": "Xin xem lại"}),
    Target("cchc.assessments.forms.AppealDecisionForm", "home_affairs",
           url("assessments:appeal_decide", pending_appeal),
           lambda cast: {"accept": "1", "points": "4", "reason": "Chấp nhận"}),
    # inspections
    Target("cchc.inspections.forms.PlanForm", "home_affairs", url("inspections:plan_create"),
           lambda cast: {"year": str(_year() + 3)}),
    Target("cchc.inspections.forms.RequestForm", "appraiser",
           url("inspections:request_create", plan_next_year),
           lambda cast: {"org_unit": cast.ward_a.pk, "topic": "iso", "agency": cast.agency.pk,
                         "window_start": f"{_year() + 1}-09-01",
                         "window_end": f"{_year() + 1}-10-31", "note": ""}),
    Target("cchc.inspections.forms.RescheduleForm", "home_affairs",
           url("inspections:reschedule", not_started),
           lambda cast: {"visit_date": f"{_year() + 2}-06-15"}, prefix="move"),
    Target("cchc.inspections.forms.TeamMemberForm", "home_affairs",
           url("inspections:team_add", not_started),
           lambda cast: {"user": cast.inspector.pk, "topics": ["iso"], "is_head": ""},
           prefix="member", fields={"user": "id", "topics": "choices", "is_head": "bool"}),
    Target("cchc.inspections.forms.TeamDecisionForm", "home_affairs",
           url("inspections:decision", not_started),
           lambda cast: {"number": "12/QĐ", "date": "2026-01-05", "signer": "CT"},
           prefix="decision"),
    Target("cchc.inspections.forms.DocumentAnswerForm", "ward_officer",
           url("inspections:document_answer", matrix.document_pk),
           lambda cast: {"file": ("qd.pdf", PDF), "evidence": "", "note": "Đã gửi"}),
    Target("cchc.inspections.forms.ItemResultForm", "appraiser",
           url("inspections:item_result", item_of_visit),
           lambda cast: {"verdict": "partly", "note": "Thiếu hồ sơ", "version": ""}, htmx=True),
    Target("cchc.inspections.forms.PhotoForm", "appraiser",
           url("inspections:photo_add", matrix.inspection_pk),
           lambda cast: {"file": ("anh.png", _png()), "caption": "Ảnh"}, prefix="photo"),
    Target("cchc.inspections.forms.SupportForm", "appraiser",
           url("inspections:support", matrix.inspection_pk), lambda cast: {"text": "Hỗ trợ"},
           prefix="support"),
    Target("cchc.inspections.forms.FindingForm", "appraiser",
           url("inspections:finding_create", matrix.inspection_pk),
           lambda cast: {"kind": "shortcoming", "area": "iso|2. Duy trì và cải tiến", "text": "Thiếu",
                         "severity": "minor", "cause_kind": "", "cause": "", "items": [],
                         "root_causes": [], "new_root_cause": ""}),
    Target("cchc.inspections.forms.RecommendationForm", "appraiser",
           url("inspections:recommendation_create", matrix.inspection_pk),
           lambda cast: {"text": "Khắc phục", "findings": [matrix.finding_pk(cast)["pk"]],
                         "root_causes": []}, prefix="rec"),
    Target("cchc.inspections.forms.ActionForm", "appraiser",
           url("inspections:action_create", matrix.recommendation_pk),
           lambda cast: {"text": "Làm ngay", "deadline": visit_day(cast)}),
    Target("cchc.inspections.forms.ProgressForm", "ward_officer",
           url("inspections:action_report", concluded_action),
           lambda cast: {"text": "Đã làm", "file": ("bao-cao.pdf", PDF), "is_done": "on"}),
    Target("cchc.inspections.forms.ReopenForm", "home_affairs",
           url("inspections:action_reopen", reported_action), lambda cast: {"reason": "Chưa đạt"}),
    Target("cchc.inspections.forms.ChecklistImportForm", "home_affairs",
           url("inspections:checklist_import"),
           lambda cast: {"topic": "iso", "name": "Danh mục",
                         "file": ("ds.csv", b"section_code,section,code,item\n1,A,1.1,B\n")}),
    Target("cchc.inspections.forms.ChecklistFrameworkForm", "home_affairs",
           url("inspections:checklist_from_framework"),
           lambda cast: {"framework": matrix.published(cast)["pk"]}),
    # issued documents (PDFs drawn by a stand-in: WeasyPrint takes seconds)
    Target("cchc.documents.forms.IssueForm", "home_affairs",
           url("documents:issue", concluded_notice),
           lambda cast: {"signer_name": "Chủ tịch", "issued_on": timezone.localdate().isoformat(),
                         "difficulties": "", "proposals": ""}),
    Target("cchc.documents.forms.BulkForm", "home_affairs",
           url("documents:bulk_start", lambda cast: {"pk": plan_of(concluded_notice(cast))}), lambda cast: {"signer_name": "CT"}),
    Target("cchc.documents.forms.ScanForm", "home_affairs",
           url("documents:scan_upload", matrix.issued_plan),
           lambda cast: {"file": ("ban-ky.pdf", PDF)}),
    Target("cchc.documents.forms.TemplateUploadForm", "home_affairs",
           url("documents:template_upload", lambda cast: {"kind": "conclusion_notice"}),
           lambda cast: {"file": ("mau.docx", SAMPLES["docx"])}),
    # signatures (issue 21): the administrator's certificates and trust roots; any reader
    # checks a PDF
    Target("cchc.documents.forms.CertificateForm", "admin", url("documents:certificate_upload"),
           lambda cast: {"org_unit": cast.city.pk, "role": "signer",
                         "file": ("ky-so.p12", SIGNER_P12), "password": PKI_PASSWORD}),
    Target("cchc.documents.forms.TrustRootForm", "admin", url("documents:trust_root"),
           lambda cast: {"name": "CA thử nghiệm", "file": ("goc.pem", ROOT_PEM)}),
    Target("cchc.documents.forms.CheckFileForm", "home_affairs", url("documents:signatures"),
           lambda cast: {"file": ("da-ky.pdf", PDF)}),
    # API clients (issue 19): the administrator's
    Target("cchc.api.forms.ClientCreateForm", "admin", url("api_clients:client_create"),
           lambda cast: {"name": "Một cửa", "org_unit": cast.city.pk, "role": "home_affairs",
                         "scopes": ["units:read"], "expires_on": ""}),
    # indicators
    Target("cchc.indicators.forms.DossierImportForm", "home_affairs", url("indicators:import"),
           lambda cast: {"file": ("ho-so.csv", b"code,unit\n1,X18070\n"), "mode": "all"}),
    Target("cchc.indicators.forms.DirectiveImportForm", "home_affairs", url("indicators:directive_import"),
           lambda cast: {"file": ("chi-dao.csv", "number,issued_on,unit,deadline,content\n1/TB,2026-01-05,X18070,2026-02-05,Rà soát\n".encode())}),
    Target("cchc.indicators.forms.ColumnAliasForm", "home_affairs", url("indicators:alias_add"),
           lambda cast: {"field": "code", "heading": "Số biên nhận"}),
    Target("cchc.indicators.forms.DirectiveForm", "home_affairs",
           url("indicators:directive_create"),
           lambda cast: {"number": "1/TB", "issued_on": "2026-01-05", "org_unit": cast.ward_a.pk,
                         "deadline": "2026-02-05", "content": "Rà soát"}),
    Target("cchc.indicators.forms.CompleteForm", "ward_officer",
           url("indicators:directive_complete", matrix.directive_pk),
           lambda cast: {"completed_on": "2026-01-20"}),
    Target("cchc.indicators.forms.PeriodForm", "home_affairs", url("indicators:overview"),
           lambda cast: {"year": "2026", "period": "annual"}, method="get"),
    # the portal
    Target("cchc.portal.forms.ArticleForm", "portal_editor", url("portal_editor:article_new"),
           lambda cast: {"title": "Tin", "summary": "", "body": "<p>x</p>", "tags": "",
                         "publish_at": "", "units": [], "rounds": [], "inspections": []}),
    Target("cchc.portal.forms.PhotoForm", "portal_editor",
           url("portal_editor:photo_add", matrix.draft_article),
           lambda cast: {"image": ("anh.png", _png()), "caption": "Ảnh"}),
    Target("cchc.portal.forms.ReplyForm", "portal_editor",
           url("portal_editor:reply", matrix.visible_comment), lambda cast: {"text": "Cảm ơn"}),
    Target("cchc.portal.forms.LinkForm", "portal_editor", url("portal_editor:links"),
           lambda cast: {"title": "Cổng", "url": "https://lien.example/", "order": "1"}),
    Target("cchc.portal.forms.AnswerForm", "ward_officer",
           url("feedback:detail", matrix.ward_a_feedback),
           lambda cast: {"answer": "Trả lời", "publish": "on"}),
    Target("cchc.portal.forms.CommentForm", None, url("portal:comment", slug),
           lambda cast: {"name": "Dân", "email": "", "text": "Ý kiến", "website": ""},
           fresh=captcha, counted=("portal.CountedRequest",)),
    Target("cchc.portal.forms.FeedbackForm", None, url("portal:feedback"),
           lambda cast: {"name": "Dân", "contact": "0900", "org_unit": cast.ward_a.pk,
                         "subject": "Phí", "text": "Nội dung", "website": ""},
           fresh=captcha, counted=("portal.CountedRequest",)),
    Target("cchc.portal.forms.RatingForm", None,
           url("portal:rate", lambda cast: {"target": "article", "pk": matrix.public_article(cast).pk}),
           lambda cast: {"stars": "5"}),
]  # fmt: skip

# Forms of cchc that are not driven here, and why.
NOT_FUZZED = {
    "cchc.portal.forms.VerifiedForm": "the base class of CommentForm and FeedbackForm, driven",
}


# --- The guards ---------------------------------------------------------------------------------


def forms_of_cchc() -> dict[str, type]:
    """Every form class defined in cchc, by "module.Form" (the payload suite's walk)."""
    payloads.text_inputs_of_forms()  # imports every module of cchc
    found = {}
    for form_class in payloads._subclasses(forms.BaseForm):
        if form_class.__module__.startswith("cchc.") and ".tests" not in form_class.__module__:
            found[f"{form_class.__module__}.{form_class.__qualname__}"] = form_class
    return found


def files_read_in_views() -> set[str]:
    """Every view that reads a file from request.FILES by name, as "url name" of the target."""
    root = Path(cchc.__file__).resolve().parent
    found = set()
    for path in sorted(root.rglob("*views*.py")):
        if "tests" not in path.parts:
            for name in re.findall(r"request\.FILES\.get\(\s*[\"']([^\"']+)", path.read_text()):
                found.add(f"{path.relative_to(root.parent).as_posix()}:{name}")
    return found


# The directives' file, the last one read without a form, has one now (DirectiveImportForm).
RAW_FILES: dict[str, str] = {}


def test_every_form_and_every_upload_field_is_fuzzed():
    classes = forms_of_cchc()
    driven = {target.form for target in TARGETS}
    missing = sorted(set(classes) - driven - set(NOT_FUZZED))
    assert not missing, f"Add these forms to TARGETS in tests/security/test_fuzz.py: {missing}"
    stale = sorted(
        (driven | set(NOT_FUZZED)) - set(classes) - {t.form for t in TARGETS if t.fields}
    )
    assert not stale, f"These forms no longer exist: take them out: {stale}"
    with_files = sorted(
        name
        for name, form_class in classes.items()
        if any(isinstance(f, forms.FileField) for f in form_class.base_fields.values())  # type: ignore[attr-defined]
    )
    assert len(with_files) >= 11 and not set(with_files) & set(NOT_FUZZED), with_files
    # The payload suite's inventory of text inputs: each of their forms is driven here too.
    inventory = {name.rsplit(".", 1)[0] for name in {*payloads.COVERED, *payloads.NOT_SHOWN}}
    assert inventory <= driven | set(NOT_FUZZED), sorted(inventory - driven - set(NOT_FUZZED))
    # Files a view reads without a form.
    assert files_read_in_views() == set(RAW_FILES), files_read_in_views()
    assert set(RAW_FILES.values()) <= driven


# --- Running a form ----------------------------------------------------------------------------

ERROR_MARKS = (
    'data-testid="row-error"',
    'data-testid="evidence-error"',
    'data-testid="action-error"',
    'data-testid="issue-errors"',
    'data-testid="appraise-error"',
    'data-testid="preview-error"',
    'data-testid="import-errors"',
    'data-testid="captcha-error"',
    "invalid-feedback",
    "errorlist",
)


def fingerprint(media_root: Path, counted: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """What a write changes: every cchc table's row count, the audit trail's last id, files."""
    from cchc.core.models import AuditEvent

    counts = tuple(
        (model._meta.label, model._base_manager.count())
        for model in apps.get_models()
        if model.__module__.startswith("cchc.") and model._meta.label not in counted
    )
    files = tuple(sorted(str(path) for path in media_root.rglob("*") if path.is_file()))
    last = AuditEvent.objects.aggregate(last=Max("pk"))["last"]
    return counts, last, files


def refusal(response: Any) -> str:
    """Why the answer is a refusal, or "" when it is none."""
    if 400 <= response.status_code < 500:
        return f"status {response.status_code}"
    # Only the messages of this request (the cookie brings back earlier ones nobody read).
    added = getattr(get_messages(response.wsgi_request), "_queued_messages", [])
    errors = [m.message for m in added if m.level >= messages.ERROR]
    if errors:
        return f"error message {errors[:1]}"
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
                return f"form errors {list(value.errors)[:3]}"
    content = response.content if not getattr(response, "streaming", False) else b""
    text = content.decode(errors="replace")
    for mark in ERROR_MARKS:
        if mark in text:
            return f"page shows {mark}"
    return ""


def upload(value: tuple[str, bytes]) -> SimpleUploadedFile:
    return SimpleUploadedFile(value[0], value[1])


class FuzzTestCase(BaseTestCase):
    def fuzz(self, target: Target) -> None:
        """Drive one form with generated input, as its persona, with EXAMPLES examples (on
        the target's day, if it has one)."""
        if target.today is not None:
            moment = datetime.datetime.combine(target.today, datetime.time(9), tzinfo=datetime.UTC)
            with time_machine.travel(moment):
                return self._fuzz(target)
        return self._fuzz(target)

    def _fuzz(self, target: Target) -> None:
        kwargs_url = target.url(self.cast)
        base = target.data(self.cast)
        form_class = forms_of_cchc().get(target.form)
        strategies = {}
        for name in base:
            form_field = form_class.base_fields.get(name) if form_class else None  # type: ignore[attr-defined]
            kind = target.fields.get(name) or target.fields.get(name.rsplit("-", 1)[-1])
            strategies[name] = field_strategy(form_field, kind)

        def key_of(name: str) -> str:
            return f"{target.prefix}-{name}" if target.prefix else name

        choice = st.sampled_from([0, 0, 1, 2])  # keep (twice as likely), generate, leave out

        def one(key: str) -> st.SearchStrategy[Any]:
            return choice.flatmap(
                lambda c: st.just(KEEP) if c == 0 else strategies[key] if c == 1 else st.just(DROP)
            )

        data_strategy = st.fixed_dictionaries({key: one(key) for key in base})
        media_root = Path(self.settings_media_root())
        from cchc.portal.models import PortalSettings

        PortalSettings.current()  # the one row of the portal's policy, made on first read
        client = Client(REMOTE_ADDR="10.7.0.1")
        if target.persona:
            client.force_login(getattr(self.cast, target.persona))

        outcomes: list[str] = []

        def run(chosen: dict[str, Any]) -> None:
            data: dict[str, Any] = {}
            for key, value in chosen.items():
                value = base[key] if value is KEEP else value
                if value is DROP:
                    continue
                if isinstance(value, tuple):
                    value = upload(value)
                data[key_of(key)] = value
            with transaction.atomic():
                if target.fresh:
                    data.update(target.fresh())
                before = fingerprint(media_root, target.counted)
                headers = {"HX-Request": "true"} if target.htmx else {}
                with mock.patch("cchc.documents.pdf.render_pdf", lambda document: PDF):
                    send = client.get if target.method == "get" else client.post
                    response = send(kwargs_url, data, headers=headers)
                assert response.status_code < 500, (target.form, response.status_code)
                why = refusal(response)
                outcomes.append(why)
                after = fingerprint(media_root, target.counted)
                if why or target.method == "get":
                    assert after == before, (
                        f"{target.form}: written after a refusal ({why or 'a GET'}): "
                        f"{_difference(before, after)}"
                    )
                transaction.set_rollback(True)

        run(dict.fromkeys(base, KEEP))  # the valid input, as the page sends it
        assert bool(outcomes[0]) == bool(target.refused), (
            f"{target.form}: its valid input was {outcomes[0] or 'accepted'}: the table's data "
            "should reach the write (or say why it is refused)"
        )
        FUZZ_SETTINGS(given(data_strategy)(run))()

    def settings_media_root(self) -> str:
        from django.conf import settings as django_settings

        Path(django_settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        return str(django_settings.MEDIA_ROOT)

    def fuzz_all(self, prefix: str) -> None:
        targets = [t for t in TARGETS if t.form.startswith(prefix)]
        assert targets, prefix
        for target in targets:
            self.fuzz(target)


def _difference(before: tuple[Any, ...], after: tuple[Any, ...]) -> list[Any]:
    counts = [(b, a) for b, a in zip(before[0], after[0], strict=True) if b != a]
    files = sorted(set(after[2]) ^ set(before[2]))
    return [*counts, ("audit last id", before[1], after[1]), *files[:5]]


class AccountsAndUnitsFuzzTests(FuzzTestCase):
    def test_accounts(self):
        self.fuzz_all("cchc.accounts.")

    def test_org_units_and_audit(self):
        self.fuzz_all("cchc.orgunits.")
        self.fuzz_all("cchc.core.")

    def test_api_clients(self):
        self.fuzz_all("cchc.api.")


class FrameworkFuzzTests(FuzzTestCase):
    def test_frameworks(self):
        self.fuzz_all("cchc.frameworks.")


class AssessmentFuzzTests(FuzzTestCase):
    def test_assessments(self):
        self.fuzz_all("cchc.assessments.")
        self.fuzz_all("score_save")


class InspectionFuzzTests(FuzzTestCase):
    def test_inspections(self):
        self.fuzz_all("cchc.inspections.")


class DocumentAndIndicatorFuzzTests(FuzzTestCase):
    def test_documents(self):
        self.fuzz_all("cchc.documents.")

    def test_indicators(self):
        self.fuzz_all("cchc.indicators.")


class PortalFuzzTests(FuzzTestCase):
    def test_portal(self):
        self.fuzz_all("cchc.portal.")
