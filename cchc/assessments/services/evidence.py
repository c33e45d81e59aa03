"""Evidence (tài liệu kiểm chứng): files checked by their content, or issued documents cited
by number; attached to one or more criteria of the unit's assessment."""

import datetime
import hashlib
import re
import unicodedata
import zipfile
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments.models import Assessment, Evidence, Question, Round, Score
from cchc.assessments.services.self_assessment import LOCKED_MESSAGE
from cchc.core.audit import audit_record
from cchc.core.dates import format_count
from cchc.frameworks.models import Criterion

EMPTY_FILE_MESSAGE = gettext_noop("The file is empty (0 bytes).")
TOO_LARGE_MESSAGE = gettext_noop("The file is larger than {limit} MB; reduce it or split it.")
BAD_NAME_MESSAGE = gettext_noop(
    "The file name must not contain folders (/ or \\) or control characters; rename it."
)
WRONG_CONTENT_MESSAGE = gettext_noop(
    "The file is not a PDF, DOCX, XLSX, JPG or PNG document (its content was checked, not its "
    "name). Save it in one of these formats and upload it again."
)
TITLE_NEEDED_MESSAGE = gettext_noop("Give the document a title.")
STORAGE_FAILED_MESSAGE = gettext_noop(
    "The file could not be stored (the server's storage refused it: full or unavailable). "
    "Nothing was saved; try again later or tell the administrator."
)
CITATION_NEEDED_MESSAGE = gettext_noop("A cited document needs its number and its date.")
FUTURE_DOCUMENT_MESSAGE = gettext_noop("A document cannot be dated in the future.")
NOT_YOURS_MESSAGE = gettext_noop("This evidence belongs to another unit.")
ACTIVE_PDF_MESSAGE = gettext_noop(
    "The PDF contains script, actions or embedded files. Print it again to PDF (“Microsoft "
    "Print to PDF” or “Save as PDF”) and upload that copy."
)

SIGNATURES = (
    (b"%PDF-", Evidence.Kind.PDF),
    (b"\x89PNG\r\n\x1a\n", Evidence.Kind.PNG),
    (b"\xff\xd8\xff", Evidence.Kind.JPEG),
)
OFFICE_MARKERS = (
    ("word/document.xml", Evidence.Kind.DOCX),
    ("xl/workbook.xml", Evidence.Kind.XLSX),
)
CONTENT_TYPES = {
    Evidence.Kind.PDF: "application/pdf",
    Evidence.Kind.PNG: "image/png",
    Evidence.Kind.JPEG: "image/jpeg",
    Evidence.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Evidence.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def detect_kind(head: bytes, stream: BinaryIO) -> str | None:
    """Return the evidence kind from the file's content, or None when it is none we accept."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" in names:
            for marker, kind in OFFICE_MARKERS:
                if marker in names:
                    return kind
    return None


ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def pdf_is_active(stream: BinaryIO) -> bool:
    """Whether a PDF carries script, launch actions or embedded files (names decoded from their
    #xx escapes first, so "/J#61vaScript" is seen too). Evidence is for reading, not running."""
    stream.seek(0)
    tail = b""
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        window = PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), tail + chunk)
        if ACTIVE_PDF.search(window):
            stream.seek(0)
            return True
        tail = chunk[-64:]
    stream.seek(0)
    return False


def clean_file_name(name: str) -> str:
    """Refuse names with folders or control characters; keep the rest for display only."""
    if "/" in name or "\\" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError({"file": _(BAD_NAME_MESSAGE)})
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned or cleaned in {".", ".."}:
        raise ValidationError({"file": _(BAD_NAME_MESSAGE)})
    return cleaned[:255]


def check_upload(upload: Any) -> tuple[str, str, int]:
    """Check an uploaded file by size, name and content; return (kind, sha256, size)."""
    size = int(upload.size or 0)
    if size == 0:
        raise ValidationError({"file": _(EMPTY_FILE_MESSAGE)})
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {"file": _(TOO_LARGE_MESSAGE).format(limit=format_count(limit // (1024 * 1024)))}
        )
    clean_file_name(upload.name)
    upload.seek(0)
    head = upload.read(16)
    kind = detect_kind(head, upload)
    if kind is None:
        raise ValidationError({"file": _(WRONG_CONTENT_MESSAGE)})
    if kind == Evidence.Kind.PDF and pdf_is_active(upload):
        raise ValidationError({"file": _(ACTIVE_PDF_MESSAGE)})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest(), size


def _ensure_editable(assessment: Assessment, criterion: Criterion | None = None) -> None:
    """Evidence is added while the unit fills in its self-assessment, or during appraisal to a
    criterion an appraiser asked about."""
    asked = (
        assessment.round.status == Round.Status.APPRAISAL
        and criterion is not None
        and Question.objects.filter(
            score__assessment=assessment, score__criterion=criterion
        ).exists()
    )
    if asked:
        return
    if (
        assessment.status == Assessment.Status.SUBMITTED
        or assessment.round.status != Round.Status.OPEN
    ):
        raise ValidationError(_(LOCKED_MESSAGE))


def _attach(
    *, actor: Any, assessment: Assessment, criterion: Criterion, evidence: Evidence
) -> Score:
    score, _created = Score.objects.get_or_create(assessment=assessment, criterion=criterion)
    score.evidence.add(evidence)
    score.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="evidence.attach",
        target=score,
        after={"evidence": evidence.pk, "title": evidence.title, "sha256": evidence.sha256},
    )
    return score


@transaction.atomic
def evidence_upload(
    *,
    actor: Any,
    assessment: Assessment,
    criterion: Criterion,
    upload: Any,
    title: str = "",
    effective_on: datetime.date | None = None,
) -> Evidence:
    """Store a checked file (once per unit: the same content is reused) and attach it."""
    _ensure_editable(assessment, criterion)
    kind, sha256, size = check_upload(upload)
    original_name = clean_file_name(upload.name)
    evidence = Evidence.objects.filter(org_unit=assessment.org_unit, sha256=sha256).first()
    written = ""  # a file this call wrote: removed again if its record is not kept
    try:
        if evidence is None:
            evidence = Evidence(
                org_unit=assessment.org_unit,
                assessment=assessment,
                kind=kind,
                original_name=original_name,
                size=size,
                sha256=sha256,
                title=(title or original_name).strip()[:500],
                effective_on=effective_on,
                uploaded_by=actor,
            )
            try:
                evidence.file.save(original_name, File(upload), save=False)
            except OSError as error:  # disk full, storage away: no record without its file
                raise ValidationError(_(STORAGE_FAILED_MESSAGE)) from error
            written = evidence.file.name or ""
            evidence.full_clean()
            evidence.save()
            audit_record(
                actor=actor,
                action="evidence.upload",
                target=evidence,
                after={"name": original_name, "size": size, "sha256": sha256, "kind": kind},
            )
        _attach(actor=actor, assessment=assessment, criterion=criterion, evidence=evidence)
    except Exception:
        # The transaction rolls the records back; the file written for them goes too.
        if written:
            Evidence._meta.get_field("file").storage.delete(written)
        raise
    return evidence


@transaction.atomic
def evidence_cite(
    *,
    actor: Any,
    assessment: Assessment,
    criterion: Criterion,
    title: str,
    document_number: str,
    document_date: datetime.date | None,
    issuer: str = "",
) -> Evidence:
    """Cite an issued document (number, date, issuer) as evidence, without a file."""
    _ensure_editable(assessment, criterion)
    if not title.strip():
        raise ValidationError({"title": _(TITLE_NEEDED_MESSAGE)})
    if not document_number.strip() or document_date is None:
        raise ValidationError({"document_number": _(CITATION_NEEDED_MESSAGE)})
    if document_date > timezone.localdate():
        raise ValidationError({"document_date": _(FUTURE_DOCUMENT_MESSAGE)})
    evidence = Evidence(
        org_unit=assessment.org_unit,
        assessment=assessment,
        kind=Evidence.Kind.CITED,
        title=title.strip(),
        document_number=document_number.strip(),
        document_date=document_date,
        issuer=issuer.strip(),
        effective_on=document_date,
        uploaded_by=actor,
    )
    evidence.full_clean()
    evidence.save()
    audit_record(
        actor=actor,
        action="evidence.cite",
        target=evidence,
        after={"title": evidence.title, "number": evidence.document_number},
    )
    _attach(actor=actor, assessment=assessment, criterion=criterion, evidence=evidence)
    return evidence


@transaction.atomic
def evidence_reuse(
    *, actor: Any, assessment: Assessment, criterion: Criterion, evidence: Evidence
) -> Evidence:
    """Attach evidence the unit already has to another criterion."""
    _ensure_editable(assessment, criterion)
    if evidence.org_unit_id != assessment.org_unit_id:
        raise ValidationError(_(NOT_YOURS_MESSAGE))
    _attach(actor=actor, assessment=assessment, criterion=criterion, evidence=evidence)
    return evidence


@transaction.atomic
def evidence_detach(*, actor: Any, score: Score, evidence: Evidence) -> Score:
    """Take evidence off a criterion (the file stays for the record and other criteria)."""
    _ensure_editable(score.assessment)
    score.evidence.remove(evidence)
    score.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="evidence.detach",
        target=score,
        before={"evidence": evidence.pk, "title": evidence.title},
    )
    return score


def evidence_content_type(evidence: Evidence) -> str:
    return CONTENT_TYPES.get(Evidence.Kind(evidence.kind), "application/octet-stream")
