"""Evidence (tài liệu kiểm chứng): files checked by their content, or issued documents cited
by number; attached to one or more criteria of the unit's assessment."""

import datetime
import hashlib
import re
import unicodedata
import warnings
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
from cchc.core.pdfsignatures import check_bytes, check_stored_again
from cchc.core.zipcheck import (
    DTD_MESSAGE,
    EXTERNAL_MESSAGE,
    ZIP_BOMB_MESSAGE,
    fetches_external,
    zip_problem,
)
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
UNREADABLE_PDF_MESSAGE = gettext_noop(
    "The PDF could not be read (it is damaged, or protected by a password), so what it holds "
    "could not be checked. Print it again to PDF (“Microsoft Print to PDF” or “Save as PDF”) "
    "and upload that copy."
)
CROWDED_PDF_MESSAGE = gettext_noop(
    "The PDF holds more than {limit} objects, too many to check. Print it again to PDF "
    "(“Microsoft Print to PDF” or “Save as PDF”) and upload that copy."
)
NOT_A_PDF_MESSAGE = gettext_noop("Only a PDF file carries digital signatures to check.")
TOO_MANY_PIXELS_MESSAGE = gettext_noop(
    "The image has more than {limit} million pixels (megapixels). Reduce it, for example to "
    "4000 × 3000 pixels, and upload it again."
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


# Names that make a PDF do something rather than show something: run script, start a
# program, carry or open files, send or fetch form data, play rich media, an XFA form.
ACTIVE_PDF_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/FileAttachment",
        "/GoToE",
        "/SubmitForm",
        "/ImportData",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
    }
)
ACTIVE_PDF = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|EF|FileAttachment|GoToE|SubmitForm|ImportData"
    rb"|RichMedia\w*|XFA)(?![0-9A-Za-z_])"
)
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Reading costs about 0.1 ms an object: a file of tiny objects is refused before it keeps a
# worker busy (50,000 objects: about 5 s; a 300-page report from Word holds a few thousand).
MAX_PDF_OBJECTS = 50_000


class UnreadablePdf(Exception):
    pass


class CrowdedPdf(UnreadablePdf):
    pass


def pdf_is_active(stream: BinaryIO) -> bool:
    """Whether a PDF carries script, launch or form actions, embedded files, rich media or an
    XFA form, wherever they are: read with a PDF library, every object the file holds is
    looked through (the catalog, pages, annotations, fields, names tree, outlines, and the
    objects packed in compressed object streams, whose decoded text is searched too, for
    objects no table lists). Names are compared decoded ("/J#61vaScript" is "/JavaScript").
    Raises UnreadablePdf when the library cannot read the file: what is not read is not
    checked. Evidence is for reading, not running."""
    import logging

    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        StreamObject,
    )

    stream.seek(0)
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged but readable file is told of at WARNING
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadablePdf("protected by a password")
        numbers = {(gen, num) for gen, entries in reader.xref.items() for num in entries}
        numbers |= {(0, num) for num in reader.xref_objStm}
        if len(numbers) > MAX_PDF_OBJECTS:
            raise CrowdedPdf(len(numbers))
        if not numbers or "/Root" not in reader.trailer:
            raise UnreadablePdf("no objects")
        pending: list[Any] = [DictionaryObject(reader.trailer)]
        for gen, num in sorted(numbers):
            pending.append(reader.get_object(IndirectObject(num, gen, reader)))
        while pending:
            item = pending.pop()
            if isinstance(item, DictionaryObject):
                for key, value in dict.items(item):
                    if key in ACTIVE_PDF_NAMES:
                        return True
                    pending.append(value)
                if isinstance(item, StreamObject) and item.get("/Type") == "/ObjStm":
                    text = PDF_NAME_ESCAPE.sub(
                        lambda match: bytes([int(match.group(1), 16)]), item.get_data()
                    )
                    if ACTIVE_PDF.search(text):
                        return True
            elif isinstance(item, ArrayObject):
                pending.extend(list.__iter__(item))
            elif isinstance(item, NameObject) and item in ACTIVE_PDF_NAMES:
                return True  # a name: /S /JavaScript, /Subtype /FileAttachment
        return False
    except UnreadablePdf:
        raise
    except Exception as error:  # pypdf raises many kinds on a damaged or hostile file
        raise UnreadablePdf(str(error)) from error
    finally:
        pypdf_log.setLevel(level)
        stream.seek(0)


def pixels_message(width: int, height: int) -> str | None:
    """Why an image of width × height is refused (too many pixels to decode safely), or None.
    The dimensions come from the image's header: nothing is decoded to ask."""
    limit = settings.UPLOAD_MAX_PIXELS
    if width * height <= limit:
        return None
    return _(TOO_MANY_PIXELS_MESSAGE).format(limit=format_count(limit // 1_000_000))


def _check_image(upload: Any, kind: str) -> None:
    """Refuse a photo of too many pixels, reading its size from its header only."""
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with warnings.catch_warnings():  # Pillow warns of what is decided here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=["PNG" if kind == Evidence.Kind.PNG else "JPEG"])
        with image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own ceiling, far above ours
        width, height = settings.UPLOAD_MAX_PIXELS + 1, 1
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError({"file": _(WRONG_CONTENT_MESSAGE)}) from error
    finally:
        upload.seek(0)
    message = pixels_message(width, height)
    if message:
        raise ValidationError({"file": message})


def _check_office(upload: Any, kind: str) -> None:
    """Refuse an Office file that would unpack to gigabytes, or whose XML declares a DTD."""
    marker = next(name for name, office_kind in OFFICE_MARKERS if office_kind == kind)
    problem = zip_problem(upload, required=marker)
    if problem == "dtd":
        raise ValidationError({"file": _(DTD_MESSAGE)})
    if problem in ("too_large", "bomb"):
        raise ValidationError({"file": _(ZIP_BOMB_MESSAGE)})
    if problem:
        raise ValidationError({"file": _(WRONG_CONTENT_MESSAGE)})
    if fetches_external(upload):  # appraisers and coordinators open it in Word
        raise ValidationError({"file": _(EXTERNAL_MESSAGE)})


def stored_name(kind: str) -> str:
    """The name a checked file is stored under: its extension comes from its content, never
    from the uploaded name (the storage paths keep only the extension of this name)."""
    return f"tep.{Evidence.Kind(kind).value}"


def clean_file_name(name: str) -> str:
    """Refuse names with folders or control characters; keep the rest for display only."""
    if "/" in name or "\\" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError({"file": _(BAD_NAME_MESSAGE)})
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned or cleaned in {".", ".."}:
        raise ValidationError({"file": _(BAD_NAME_MESSAGE)})
    return cleaned[:255]


def check_upload(upload: Any) -> tuple[str, str, int]:
    """Check an uploaded file by size, name and content; return (kind, sha256, size). The one
    checker of every uploaded document: evidence, inspection files, signed scans (portal
    photos, re-encoded from their pixels, share its pixel limit: pixels_message)."""
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
    if kind == Evidence.Kind.PDF:
        try:
            active = pdf_is_active(upload)
        except CrowdedPdf as error:
            most = format_count(MAX_PDF_OBJECTS)
            raise ValidationError({"file": _(CROWDED_PDF_MESSAGE).format(limit=most)}) from error
        except UnreadablePdf as error:
            raise ValidationError({"file": _(UNREADABLE_PDF_MESSAGE)}) from error
        if active:
            raise ValidationError({"file": _(ACTIVE_PDF_MESSAGE)})
    elif kind in (Evidence.Kind.PNG, Evidence.Kind.JPEG):
        _check_image(upload, kind)
    else:
        _check_office(upload, kind)
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
    # A PDF's digital signatures are checked once, here, and the verdict stored with it.
    signature_check = None
    if kind == Evidence.Kind.PDF and evidence is None:
        signature_check = check_bytes(upload.read())
        upload.seek(0)
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
                signature_check=signature_check,
                uploaded_by=actor,
            )
            try:
                evidence.file.save(stored_name(kind), File(upload), save=False)
            except OSError as error:  # disk full, storage away: no record without its file
                raise ValidationError(_(STORAGE_FAILED_MESSAGE)) from error
            written = evidence.file.name or ""
            evidence.full_clean()
            evidence.save()
            audit_record(
                actor=actor,
                action="evidence.upload",
                target=evidence,
                after={
                    "name": original_name,
                    "size": size,
                    "sha256": sha256,
                    "kind": kind,
                    "signatures": (signature_check or {}).get("verdict"),
                },
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


def evidence_check_signatures(*, actor: Any, evidence: Evidence) -> Evidence:
    """Check a PDF's digital signatures again (after a trust root was loaded, say) and store
    what they say (core.pdfsignatures.check_stored_again)."""
    if evidence.kind != Evidence.Kind.PDF or not evidence.file:
        raise ValidationError(_(NOT_A_PDF_MESSAGE))
    check_stored_again(actor=actor, row=evidence, action="evidence.check_signatures")
    return evidence


def evidence_content_type(evidence: Evidence) -> str:
    return CONTENT_TYPES.get(Evidence.Kind(evidence.kind), "application/octet-stream")


# The extensions a checked file is downloaded with ("jpg" and "jpeg" are one).
EXTENSIONS = {Evidence.Kind.JPEG: (".jpg", ".jpeg")}


def evidence_download_name(evidence: Evidence) -> str:
    """The file's name as uploaded, ending as its checked content does: a PNG uploaded as
    "ảnh.exe" was downloaded as an .exe (a new-user walk); it is "ảnh.exe.png"."""
    name = evidence.original_name or f"evidence-{evidence.pk}"
    kind = Evidence.Kind(evidence.kind)
    if kind == Evidence.Kind.CITED:
        return name
    endings = EXTENSIONS.get(kind, (f".{kind.value}",))
    return name if name.lower().endswith(endings) else f"{name}{endings[0]}"
