"""Issuing documents: build from the records (in Vietnamese, whatever the user's language),
render DOCX through the kind's Word template and PDF from the same content, give the next
number of the series, and archive both with their SHA-256. An issued document never changes;
its signed scan can be added beside it. Issuing again for the same record takes a new number
only when the user confirms the number it replaces; the earlier document is kept, marked as
replaced. Templates are uploaded as new versions, checked first.
"""

import datetime
import hashlib
import tempfile
import zipfile
from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments.models import Assessment, Evidence, Round
from cchc.assessments.services.evidence import check_upload, clean_file_name
from cchc.core import pdfsignatures
from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.documents import docx, pdf, selectors
from cchc.documents.content import Document
from cchc.documents.kinds import kind_info
from cchc.documents.models import BulkJob, Counter, DocumentTemplate, IssuedDocument, Kind
from cchc.inspections.models import CONCLUDED_STATUSES, Inspection, InspectionPlan
from cchc.inspections.services.visits import PLAN_NOT_APPROVED_MESSAGE, decision_record
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import ancestor_ids

SIGNER_NEEDED_MESSAGE = gettext_noop("Give the name of the person who signs.")
FUTURE_DATE_MESSAGE = gettext_noop("A document cannot be dated in the future.")
SCAN_PDF_MESSAGE = gettext_noop("The signed scan must be a PDF file.")
SCAN_TWICE_MESSAGE = gettext_noop("The signed scan of this document is already archived.")
NOT_CONCLUDED_MESSAGE = gettext_noop("The inspection is not concluded yet.")
NOTICE_BEFORE_VISIT_MESSAGE = gettext_noop(
    "The conclusion notice follows the visit: date it on or after the visit of {date}."
)
NOTHING_TO_ISSUE_MESSAGE = gettext_noop("Every concluded inspection of the plan has its notice.")
NOT_PUBLISHED_MESSAGE = gettext_noop("The ranking is announced once the round is published.")
CHECK_TOO_LARGE_MESSAGE = gettext_noop("The file is too large to be checked.")
UNCONFIRMED = "replace_unconfirmed"  # the code of the refusal of an unconfirmed re-issue
DECISION_AFTER_START_MESSAGE = gettext_noop(
    "The decision forming the team comes before the visit: the inspection of {unit} is "
    "already “{status}”, so no decision forming its team can be issued now."
)
REISSUE_UNCONFIRMED_MESSAGE = gettext_noop(
    "This document was already issued as No. {reference} of {date}; issuing it again gives it "
    "a new number and No. {reference} is marked as replaced. Tick the confirmation to issue it "
    "again."
)
RESCHEDULE_HINT = gettext_noop(
    "The visit's day has passed: move the visit's date first (“Move the visit” on the "
    "inspection's page), then issue the decision dated the day it is signed."
)
REGISTER_ORDER_MESSAGE = gettext_noop(
    "No. {reference} of this register is dated {date}: a later number cannot be dated before it."
)
DATE_LATER_HINT = gettext_noop("Date this document {date} or later.")
DECISION_VISIT_PASSED_MESSAGE = gettext_noop(
    "The visit was due on {visit}, a day now past, and the decision forming its team must be "
    "dated on or before the visit. Do not date the decision back: move the visit's date first "
    "(“Move the visit” on the inspection's page), then issue the decision dated the day it is "
    "signed."
)
DECISION_TYPED_UNCONFIRMED_MESSAGE = gettext_noop(
    "The visit records decision No. {reference} of {date}, issued outside CCHC and typed on "
    "its page. A decision issued here gets a new number and replaces it as the visit's "
    "decision: tick the confirmation to do so."
)

Target = Inspection | InspectionPlan | Round | Assessment


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def issuer_of(kind: str, target: Target) -> OrgUnit:
    """Whose series the number comes from: the organiser's, or the unit's for its own report."""
    if isinstance(target, Inspection):
        return target.plan.organiser
    if isinstance(target, InspectionPlan | Round):
        return target.organiser
    return target.org_unit


def build(
    kind: str, target: Target, *, on: datetime.date | None = None, **options: Any
) -> Document:
    """The document as a draft (no number, no date), in Vietnamese; a kind whose text depends
    on its date (the law a decision cites) is built for `on`, the date it will carry."""
    info = kind_info(kind)
    if info.dated:
        options["issued_on"] = on or proposed_date(kind, target)
    with translation.override("vi"):
        return info.build(target, **options)


def proposed_date(kind: str, target: Target) -> datetime.date:
    """The date the issue form proposes: the day it is issued (never before the latest number
    of its register, which is never after today)."""
    return timezone.localdate()


def draft(kind: str, target: Target, **options: Any) -> Document:
    """The document as the preview and the draft DOCX show it: no number yet, and the date the
    issue form proposes (the issued file carries that date unless the user types another)."""
    day = proposed_date(kind, target)
    document = build(kind, target, on=day, **options)
    document.date = day
    document.year = day.year
    return document


def templates_in_use(unit: OrgUnit, kinds: list[str]) -> dict[str, DocumentTemplate | None]:
    """For each kind, the template a document issued by `unit` uses: the newest active version
    of the nearest unit at or above it that has one (None: the shipped default). One query."""
    chosen: dict[str, DocumentTemplate | None] = dict.fromkeys(kinds)
    for template in (
        DocumentTemplate.objects.filter(
            kind__in=kinds, is_active=True, org_unit_id__in=ancestor_ids(unit) or [unit.pk]
        )
        .select_related("org_unit", "uploaded_by")
        .order_by("kind", "-org_unit__path", "-version")  # the nearest unit's newest first
    ):
        if chosen[template.kind] is None:
            chosen[template.kind] = template
    return chosen


def template_in_use(kind: str, unit: OrgUnit) -> DocumentTemplate | None:
    return templates_in_use(unit, [kind])[kind]


def active_template(kind: str, unit: OrgUnit) -> tuple[DocumentTemplate | None, bytes]:
    """The template in use for documents of the kind that `unit` issues, and its bytes."""
    template = template_in_use(kind, unit)
    if template is None:
        return None, docx.default_template(kind)
    with template.file.open("rb") as handle:
        return template, handle.read()


def render(document: Document, template: bytes) -> tuple[bytes, bytes]:
    return docx.render_docx(template, document), pdf.render_pdf(document)


def _next_number(
    issuer: OrgUnit, year: int, symbol: str, issued_on: datetime.date, *, reschedule: bool = False
) -> int:
    """The next number of the register (issuer, year, symbol), dated `issued_on`: refused when
    a number already issued in it carries a later date (a register's numbers and dates go up
    together; with `reschedule`, the refusal says to move the visit rather than date back)."""
    counter, _created = Counter.objects.get_or_create(issuer=issuer, year=year, symbol=symbol)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    refusal = register_order_refusal(issuer, year, symbol, issued_on, reschedule=reschedule)
    if refusal:
        raise ValidationError({"issued_on": refusal})
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def register_order_refusal(
    issuer: OrgUnit,
    year: int,
    symbol: str,
    issued_on: datetime.date,
    *,
    reschedule: bool = False,
) -> str | None:
    """Why a new number of the register cannot be dated `issued_on`, or None: a number already
    issued in it (replaced ones included: they keep their place) is dated later."""
    latest = (
        IssuedDocument.objects.filter(issuer=issuer, year=year, symbol=symbol)
        .order_by("-issued_on", "-number")
        .only("reference", "issued_on")
        .first()
    )
    if latest is None or latest.issued_on <= issued_on:
        return None
    message = _(REGISTER_ORDER_MESSAGE).format(
        reference=latest.reference, date=short_date(latest.issued_on)
    )
    hint = _(RESCHEDULE_HINT) if reschedule else _(DATE_LATER_HINT)
    return f"{message} {hint.format(date=short_date(latest.issued_on))}"


def issue(
    *,
    actor: Any,
    kind: str,
    target: Target,
    signer_name: str,
    issued_on: datetime.date | None = None,
    options: dict[str, Any] | None = None,
    replaces: str = "",
) -> IssuedDocument:
    """Give the document its number and date, render both files and archive them.

    A record has one current document of a kind. Issuing another is refused unless
    `replaces` is the number and symbol of the one it replaces (what the user saw and
    confirmed); that one is kept and marked as replaced by the new one. For a decision
    forming a team, a decision typed on the visit's page is replaced the same way."""
    info = kind_info(kind)
    issued_on = issued_on or timezone.localdate()
    if not signer_name.strip():
        raise ValidationError({"signer_name": _(SIGNER_NEEDED_MESSAGE)})
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _(FUTURE_DATE_MESSAGE)})
    if (
        kind == Kind.CONCLUSION_NOTICE
        and isinstance(target, Inspection)
        and issued_on < target.visit_date
    ):
        message = _(NOTICE_BEFORE_VISIT_MESSAGE).format(date=short_date(target.visit_date))
        raise ValidationError({"issued_on": message})
    refusal = issue_refusal(kind, target)
    if refusal:
        raise ValidationError(refusal)
    # A visit whose day has passed: the team's decision would have to be dated back (before
    # numbers already issued, as it was): the visit moves instead.
    visit_passed = False
    if kind == Kind.TEAM_DECISION and isinstance(target, Inspection):
        visit_passed = target.visit_date < timezone.localdate()
        if visit_passed and issued_on > target.visit_date:
            message = _(DECISION_VISIT_PASSED_MESSAGE).format(visit=short_date(target.visit_date))
            raise ValidationError({"issued_on": message})
    # The signer is the one named here, whatever the builder proposed for the preview.
    document = build(kind, target, on=issued_on, **(options or {}))
    document.signer_name = signer_name.strip()
    issuer = issuer_of(kind, target)
    template, template_bytes = active_template(kind, issuer)
    with transaction.atomic():
        # One issue at a time per record: two clicks cannot both be the first document.
        type(target).objects.select_for_update().filter(pk=target.pk).first()
        replaced = selectors.replaced_on_issue(kind=kind, target=target)
        if replaced is not None and replaces.strip() != replaced.reference:
            raise ValidationError(replace_notice(replaced), code=UNCONFIRMED)
        document.number = _next_number(
            issuer, issued_on.year, info.symbol, issued_on, reschedule=visit_passed
        )
        document.date = issued_on
        document.year = issued_on.year
        docx_bytes, pdf_bytes = render(document, template_bytes)
        issued = IssuedDocument(
            kind=kind,
            issuer=issuer,
            year=issued_on.year,
            number=document.number,
            symbol=info.symbol,
            reference=document.reference,
            issued_on=issued_on,
            title=document.title[:500],
            signer_name=document.signer_name[:255],
            content=_as_json(document),
            template=template,
            docx_sha256=sha256(docx_bytes),
            pdf_sha256=sha256(pdf_bytes),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            **{info.target: target},
        )
        name = f"{document.reference.replace('/', '-')}"
        issued.docx.save(f"{name}.docx", ContentFile(docx_bytes), save=False)
        issued.pdf.save(f"{name}.pdf", ContentFile(pdf_bytes), save=False)
        issued.save()
        if replaced is not None and replaced.document is not None:
            _mark_replaced(actor, replaced.document, issued)
        if kind == Kind.TEAM_DECISION and isinstance(target, Inspection):
            _record_decision(actor, issued, target)
        audit_record(
            actor=actor,
            action="document.issue",
            target=issued,
            after={
                "kind": kind,
                "reference": issued.reference,
                "docx_sha256": issued.docx_sha256,
                "pdf_sha256": issued.pdf_sha256,
            },
        )
    return issued


def replace_notice(replaced: selectors.Replaced) -> str:
    """What issuing again does, said before the user confirms (and when they did not)."""
    message = (
        REISSUE_UNCONFIRMED_MESSAGE
        if replaced.document is not None
        else DECISION_TYPED_UNCONFIRMED_MESSAGE
    )
    date = short_date(replaced.issued_on) if replaced.issued_on else "—"
    return _(message).format(reference=replaced.reference, date=date)


def _mark_replaced(actor: Any, earlier: IssuedDocument, issued: IssuedDocument) -> None:
    """The one change an issued document takes: the link to the one replacing it (only if no
    other replaced it first; the record's row is locked, so none did)."""
    marked = IssuedDocument.objects.filter(pk=earlier.pk, replaced_by__isnull=True).update(
        replaced_by=issued, updated_at=timezone.now()
    )
    if marked != 1:
        raise ValidationError(replace_notice(selectors.Replaced(earlier.reference, None, earlier)))
    audit_record(
        actor=actor,
        action="document.update",
        target=earlier,
        before={"replaced_by": None},
        after={"replaced_by": issued.reference},
    )


def _as_json(document: Document) -> dict[str, Any]:
    data = asdict(document)
    data["date"] = document.date.isoformat() if document.date else None
    return data


def issue_refusal(kind: str, target: Target) -> str | None:
    """Why no document of the kind can be issued for the record now, or None."""
    before_visit = {Inspection.Status.PLANNED, Inspection.Status.PREPARING}
    if isinstance(target, Inspection):
        if kind == Kind.CONCLUSION_NOTICE and target.status not in CONCLUDED_STATUSES:
            return _(NOT_CONCLUDED_MESSAGE)
        if kind == Kind.TEAM_DECISION and target.plan.status != InspectionPlan.Status.APPROVED:
            return _(PLAN_NOT_APPROVED_MESSAGE)
        if kind == Kind.TEAM_DECISION and target.status not in before_visit:
            return _(DECISION_AFTER_START_MESSAGE).format(
                unit=target.org_unit.name, status=target.get_status_display()
            )
    if (
        kind == Kind.RANKING_ANNOUNCEMENT
        and isinstance(target, Round)
        and target.status != Round.Status.PUBLISHED
    ):
        return _(NOT_PUBLISHED_MESSAGE)
    return None


def _record_decision(actor: Any, issued: IssuedDocument, inspection: Inspection) -> None:
    """The issued decision is the inspection's decision forming the team: its number, date
    and signer are the visit's (issue_refusal let it through only before the visit)."""
    decision_record(
        actor=actor,
        inspection=inspection,
        number=issued.reference,
        date=issued.issued_on,
        signer=issued.signer_name,
        document=issued,
    )


@transaction.atomic
def scan_upload(*, actor: Any, document: IssuedDocument, upload: Any) -> IssuedDocument:
    """Archive the signed and stamped scan beside the issued document (once)."""
    document = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    if document.scan:
        raise ValidationError(_(SCAN_TWICE_MESSAGE))
    kind, digest, _size = check_upload(upload)
    if kind != Evidence.Kind.PDF:
        raise ValidationError({"file": _(SCAN_PDF_MESSAGE)})
    clean_file_name(upload.name)
    document.scan.save(f"{document.reference.replace('/', '-')}-scan.pdf", File(upload), save=False)
    document.scan_sha256 = digest
    document.scan_uploaded_at = timezone.now()
    # A scan that carries PDF signatures is checked as it arrives (signatures.py).
    upload.seek(0)
    document.scan_check = pdfsignatures.check_bytes(upload.read())
    document.save(
        update_fields=["scan", "scan_sha256", "scan_uploaded_at", "scan_check", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="document.scan",
        target=document,
        after={"scan_sha256": digest, "signatures": document.scan_check["verdict"]},
    )
    return document


@transaction.atomic
def template_upload(*, actor: Any, kind: str, org_unit: OrgUnit, upload: Any) -> DocumentTemplate:
    """Check an uploaded Word template and make it the unit's new version for the kind (the
    unit and those under it use it); a broken one is refused with the reasons and the version
    in use stays. The caller has checked that the actor keeps the unit's templates."""
    data = upload.read()
    try:
        docx.validate_template(data)
    except docx.TemplateError as error:
        raise ValidationError(error.messages) from error
    versions = DocumentTemplate.objects.filter(kind=kind, org_unit=org_unit)
    version = (versions.aggregate(Max("version"))["version__max"] or 0) + 1
    template = DocumentTemplate(
        kind=kind,
        org_unit=org_unit,
        version=version,
        original_name=clean_file_name(upload.name),
        sha256=sha256(data),
        uploaded_by=actor,
    )
    template.file.save(f"{kind}-v{version}.docx", ContentFile(data), save=False)
    template.save()
    versions.filter(is_active=True).exclude(pk=template.pk).update(is_active=False)
    audit_record(
        actor=actor,
        action="document_template.create",
        target=template,
        after={
            "kind": kind,
            "unit": org_unit.code,
            "version": version,
            "sha256": template.sha256,
        },
    )
    return template


# --- Bulk: every conclusion notice of a plan, in the background, into one ZIP ----------------


def bulk_start(*, actor: Any, plan: InspectionPlan, signer_name: str = "") -> BulkJob:
    """Queue the conclusion notices of every concluded inspection of the plan without one."""
    from cchc.documents.tasks import run_bulk_job

    pending = _pending_notices(plan)
    if not pending:
        raise ValidationError(_(NOTHING_TO_ISSUE_MESSAGE))
    job = BulkJob.objects.create(
        kind=Kind.CONCLUSION_NOTICE,
        plan=plan,
        total=len(pending),
        signer_name=signer_name.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="bulk_job.create", target=job, after={"total": job.total})
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job


def _pending_notices(plan: InspectionPlan) -> list[Inspection]:
    return list(
        plan.inspections.filter(status__in=CONCLUDED_STATUSES)
        .exclude(documents__kind=Kind.CONCLUSION_NOTICE)
        .select_related("org_unit", "plan__organiser")
        .order_by("visit_date", "org_unit__sort_order")
    )


def bulk_run(job_id: int) -> BulkJob:
    """Issue each pending notice in its own transaction (one failure does not undo the others'
    numbers) and stream them into a ZIP on disk, never holding all documents in memory."""
    job = BulkJob.objects.select_related("plan__organiser", "created_by").get(pk=job_id)
    job.status = BulkJob.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    pending = _pending_notices(job.plan)
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for inspection in pending:
                    head = inspection.team.filter(is_head=True).select_related("user").first()
                    issued = issue(
                        actor=job.created_by,
                        kind=Kind.CONCLUSION_NOTICE,
                        target=inspection,
                        signer_name=job.signer_name or (str(head.user) if head else "—"),
                    )
                    base = f"{issued.reference.replace('/', '-')} {inspection.org_unit.name}"
                    with issued.docx.open("rb") as handle:
                        archive.writestr(f"{base}.docx", handle.read())
                    with issued.pdf.open("rb") as handle:
                        archive.writestr(f"{base}.pdf", handle.read())
                    job.done += 1
                    BulkJob.objects.filter(pk=job.pk).update(done=job.done)
            spool.seek(0)
            job.archive.save(
                f"thong-bao-ket-luan-{job.plan.year}-{job.pk}.zip", File(spool), save=False
            )
        job.status = BulkJob.Status.DONE
    except Exception as error:  # the job records why; what was issued stays issued
        job.status = BulkJob.Status.FAILED
        job.error = str(error)[:2000]
    job.save(update_fields=["status", "archive", "error", "done", "updated_at"])
    return job
