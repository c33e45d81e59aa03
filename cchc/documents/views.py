from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from cchc.core import pdfsignatures
from cchc.core.exports import file_name
from cchc.core.forms import add_service_errors, form_error_messages, perform
from cchc.core.htmx import render_page_or_partial
from cchc.core.models import TrustRoot
from cchc.core.params import id_param
from cchc.core.permissions import user_has_capability, user_has_role
from cchc.core.roles import Capability, Role
from cchc.core.textsearch import fold
from cchc.documents import docx, pdf, selectors, services, signatures
from cchc.documents.content import PLACEHOLDER_MEANINGS
from cchc.documents.forms import (
    BulkForm,
    CertificateForm,
    CheckFileForm,
    IssueForm,
    ScanForm,
    TemplateUploadForm,
    TrustRootForm,
)
from cchc.documents.kinds import KINDS
from cchc.documents.models import BulkJob, Kind, SigningCertificate
from cchc.inspections import selectors as inspection_selectors
from cchc.orgunits.models import OrgUnit

ISSUED_MESSAGE = gettext_noop("Issued as No. %(reference)s.")
CONFIRM_NEEDED_MESSAGE = gettext_noop(
    "Not issued: tick the confirmation below the notice to issue it with a new number."
)
REISSUED_MESSAGE = gettext_noop(
    "Issued as No. %(reference)s; No. %(replaced)s is kept in the register, marked as replaced "
    "by it."
)
SCAN_SAVED_MESSAGE = gettext_noop("The signed scan was archived.")
SIGNED_MESSAGE = gettext_noop("No. %(reference)s is signed digitally.")
CHECKED_MESSAGE = gettext_noop("The signatures were checked again.")
CERTIFICATE_SAVED_MESSAGE = gettext_noop("The certificate of %(holder)s is now in use.")
ROOT_SAVED_MESSAGE = gettext_noop("The root certificate %(name)s is now trusted.")
TEMPLATE_SAVED_MESSAGE = gettext_noop("Version %(version)s of the template is now in use.")
BULK_STARTED_MESSAGE = gettext_noop("%(count)s conclusion notices are being issued.")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The preview is framed by CCHC's own preview page, and by nothing else.
FRAMED_BY_SELF: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "script-src": [CSP.NONE],
    "frame-ancestors": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


def _require_documents(user: Any) -> None:
    # Every role that reads inspections or rounds reads their documents; the object decides.
    if not (
        user_has_capability(user, Capability.VIEW_INSPECTIONS)
        or user_has_capability(user, Capability.VIEW_ROUNDS)
    ):
        raise PermissionDenied


def documents_view(view: Any) -> Any:
    """Log-in and a reading role required; the record behind the document decides the rest."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_documents(request.user)
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


@documents_view
def register_view(request: HttpRequest) -> HttpResponse:
    """The register of issued documents, and the Word templates for the keepers."""
    kind = request.GET.get("kind", "")
    documents = selectors.issued_list_for_user(user=request.user)
    if kind in KINDS:
        documents = documents.filter(kind=kind)
    template_units = (
        selectors.template_units_for_user(user=request.user)
        if user_has_capability(request.user, Capability.MANAGE_INSPECTIONS)
        else []
    )
    template_unit = template_units[0] if template_units else None
    if template_unit is not None and len(template_units) > 1:
        template_unit = selectors.template_unit_for_user(
            user=request.user, unit_id=request.GET.get("template_unit")
        )
    templates = []
    if template_unit is not None:
        in_use = services.templates_in_use(template_unit, list(KINDS))
        templates = [(Kind(value), in_use[value]) for value in KINDS]
    context = {
        "documents": list(documents[:200]),
        "kinds": Kind.choices,
        "kind": kind,
        "templates": templates,
        "template_unit": template_unit,
        "template_units": template_units,
        "placeholders": [(name, _(meaning)) for name, meaning in PLACEHOLDER_MEANINGS.items()],
        "upload_form": TemplateUploadForm(),
    }
    return render(request, "documents/register.html", context)


@documents_view
def preview_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The draft as it will read, beside the form that issues it. Whoever may not issue it
    and finds it issued reads the issued document: a draft headed "as it will be issued",
    with a blank number, read as the real one (found by a new-user walk)."""
    target = selectors.target_for_user(user=request.user, kind=_kind(kind), pk=pk)
    if not selectors.can_issue(user=request.user, kind=kind, target=target):
        current = selectors.current_document(kind=kind, target=target)
        if current is not None:
            return redirect(current.get_absolute_url())
    return _preview(request, kind, target)


def _preview(
    request: HttpRequest, kind: str, target: Any, *, form: IssueForm | None = None
) -> HttpResponse:
    """The preview page; with `form`, the issuing form refused, as it was typed (400), each
    reason beside its field (the others above the button)."""
    can_issue = selectors.can_issue(user=request.user, kind=kind, target=target)
    document = services.draft(kind, target)
    replaced = selectors.replaced_on_issue(kind=kind, target=target)
    context = {
        "kind": Kind(kind),
        "target": target,
        "document": document,
        "can_issue": can_issue,
        "refusal": services.issue_refusal(kind, target) if can_issue else None,
        "replaced": replaced,
        "replace_notice": services.replace_notice(replaced) if replaced else "",
        "form": form
        or IssueForm(
            initial={
                "signer_name": document.signer_name,
                "issued_on": document.date,
                "replaces": replaced.reference if replaced else "",
            }
        ),
        "issued": selectors.documents_of(target=target),
        "asks_report_text": kind == Kind.SELF_ASSESSMENT_REPORT,
    }
    return render(request, "documents/preview.html", context, status=400 if form else 200)


@xframe_options_sameorigin
@csp_override(FRAMED_BY_SELF)
@documents_view
def preview_raw_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The draft itself, as the PDF will show it (framed by the preview page)."""
    target = selectors.target_for_user(user=request.user, kind=_kind(kind), pk=pk)
    return HttpResponse(pdf.document_html(services.draft(kind, target), for_pdf=False))


@documents_view
def draft_docx_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The draft in Word, to read or correct before issuing (it has no number yet)."""
    target = selectors.target_for_user(user=request.user, kind=_kind(kind), pk=pk)
    document = services.draft(kind, target)
    _template, template_bytes = services.active_template(kind, services.issuer_of(kind, target))
    try:
        data = docx.render_docx(template_bytes, document)
    except docx.TemplateError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("documents:preview", kind=kind, pk=pk)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    name = file_name(_("Draft"), Kind(kind).label)
    response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
    return response


@require_POST
@documents_view
def issue_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    target = selectors.target_for_issue(user=request.user, kind=_kind(kind), pk=pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _preview(request, kind, target, form=form)
    options = {}
    if kind == Kind.SELF_ASSESSMENT_REPORT:
        options = {
            "difficulties": form.cleaned_data["difficulties"],
            "proposals": form.cleaned_data["proposals"],
        }
    try:
        issued = services.issue(
            actor=request.user,
            kind=kind,
            target=target,
            signer_name=form.cleaned_data["signer_name"],
            issued_on=form.cleaned_data["issued_on"],
            options=options,
            replaces=form.cleaned_data["replaces"] if form.cleaned_data["confirm_replace"] else "",
        )
    except ValidationError as error:
        if getattr(error, "code", None) == services.UNCONFIRMED:
            # The preview says what issuing again replaces, beside the box to tick.
            form.add_error(None, _(CONFIRM_NEEDED_MESSAGE))
        else:
            add_service_errors(form, error)  # a date refused beside the date
        return _preview(request, kind, target, form=form)
    earlier = getattr(issued, "replaces", None)
    if earlier is not None:
        messages.success(
            request,
            _(REISSUED_MESSAGE) % {"reference": issued.reference, "replaced": earlier.reference},
        )
    else:
        messages.success(request, _(ISSUED_MESSAGE) % {"reference": issued.reference})
    return redirect(issued.get_absolute_url())


@documents_view
def issued_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.issued_get_for_user(user=request.user, pk=pk)
    context = {
        "document": document,
        "can_add_scan": not document.scan
        and selectors.can_add_scan(user=request.user, document=document),
        "scan_form": ScanForm(),
        "target": document.inspection or document.plan or document.round or document.assessment,
        "can_sign": signatures.sign_refusal(document) is None
        and selectors.can_add_scan(user=request.user, document=document),
        "signed_lines": pdfsignatures.verdict_lines(document.signed_check),
        "scan_lines": pdfsignatures.verdict_lines(document.scan_check),
    }
    return render(request, "documents/issued_detail.html", context)


@documents_view
def issued_file_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    document = selectors.issued_get_for_user(user=request.user, pk=pk)
    files = {"docx": (document.docx, DOCX_TYPE), "pdf": (document.pdf, "application/pdf")}
    if document.scan:
        files["scan"] = (document.scan, "application/pdf")
    if document.signed_pdf:
        files["signed"] = (document.signed_pdf, "application/pdf")
    if fmt not in files:
        raise Http404
    stored, content_type = files[fmt]
    suffix = "docx" if fmt == "docx" else "pdf"
    name = document.reference.replace("/", "-") + {"scan": "-ban-ky", "signed": "-ky-so"}.get(
        fmt, ""
    )
    response: Any = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{name}.{suffix}",
        content_type=content_type,
    )
    response["Content-Security-Policy"] = "sandbox"  # the scan is an uploaded file
    return response


@require_POST
@documents_view
def scan_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.issued_get_for_user(user=request.user, pk=pk)
    if not selectors.can_add_scan(user=request.user, document=document):
        raise PermissionDenied
    form = ScanForm(request.POST, request.FILES)
    perform(
        request,
        lambda: services.scan_upload(
            actor=request.user, document=document, upload=form.cleaned_data["file"]
        ),
        _(SCAN_SAVED_MESSAGE),
        form,
    )
    return redirect(document.get_absolute_url())


@require_POST
@documents_view
def sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the issued PDF digitally: whoever may issue the document (and archive its scan)."""
    document = selectors.issued_get_for_user(user=request.user, pk=pk)
    if not selectors.can_add_scan(user=request.user, document=document):
        raise PermissionDenied
    perform(
        request,
        lambda: signatures.sign_issued(actor=request.user, document=document),
        _(SIGNED_MESSAGE) % {"reference": document.reference},
    )
    return redirect(document.get_absolute_url())


@require_POST
@documents_view
def check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the stored signed files again: whoever reads the document."""
    document = selectors.issued_get_for_user(user=request.user, pk=pk)
    perform(
        request,
        lambda: signatures.check_stored(actor=request.user, document=document),
        _(CHECKED_MESSAGE),
    )
    return redirect(document.get_absolute_url())


def _require_admin(user: Any) -> None:
    if not user_has_role(user, Role.SYSTEM_ADMIN):
        raise PermissionDenied


@documents_view
def signatures_view(request: HttpRequest) -> HttpResponse:
    """Digital signatures: check any PDF (every reader); the certificates of the bodies and the
    trust roots (a system administrator's)."""
    is_admin = user_has_role(request.user, Role.SYSTEM_ADMIN)
    context: dict[str, Any] = {"is_admin": is_admin, "check_form": CheckFileForm()}
    if request.method == "POST":
        form = CheckFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.UPLOAD_MAX_BYTES:
                messages.error(request, _(services.CHECK_TOO_LARGE_MESSAGE))
            else:
                context["checked_name"] = upload.name
                context["checked_lines"] = pdfsignatures.verdict_lines(
                    pdfsignatures.check_bytes(upload.read())
                )
        context["check_form"] = form
    if is_admin:
        context.update(
            certificates=SigningCertificate.objects.select_related("org_unit").order_by(
                "org_unit__path", "role", "-created_at"
            ),
            roots=TrustRoot.objects.order_by("name"),
            certificate_form=CertificateForm(),
            root_form=TrustRootForm(),
            units=OrgUnit.objects.order_by("path")[:500],
        )
    return render(request, "documents/signatures.html", context)


@require_POST
@documents_view
def certificate_upload_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    form = CertificateForm(request.POST, request.FILES)
    unit_id = id_param(request.POST, "org_unit")
    unit = OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise Http404
    perform(
        request,
        lambda: signatures.certificate_upload(
            actor=request.user,
            org_unit=unit,
            role=form.cleaned_data["role"],
            upload=form.cleaned_data["file"],
            password=form.cleaned_data["password"],
        ),
        _(CERTIFICATE_SAVED_MESSAGE) % {"holder": unit.name},
        form,
    )
    return redirect("documents:signatures")


@require_POST
@documents_view
def trust_root_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    form = TrustRootForm(request.POST, request.FILES)
    perform(
        request,
        lambda: signatures.trust_root_add(
            actor=request.user, name=form.cleaned_data["name"], upload=form.cleaned_data["file"]
        ),
        _(ROOT_SAVED_MESSAGE) % {"name": request.POST.get("name", "")},
        form,
    )
    return redirect("documents:signatures")


def _template_unit(request: HttpRequest, unit_id: str | None) -> OrgUnit:
    """The unit whose templates the request changes or reads: one the user keeps (else 403)."""
    if not user_has_capability(request.user, Capability.MANAGE_INSPECTIONS):
        raise PermissionDenied
    return selectors.template_unit_for_user(user=request.user, unit_id=unit_id)


@documents_view
def template_download_view(request: HttpRequest, kind: str) -> HttpResponse:
    """The Word template in use for the kind at the user's unit (its own, or the one it
    inherits from a unit above, or the default), to change in Word and upload back."""
    unit = _template_unit(request, request.GET.get("unit"))
    template, data = services.active_template(_kind(kind), unit)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    version = template.version if template else 0
    # Named as people name the kind, without tone marks: "mau-thong-bao-ket-luan-kiem-tra-v2".
    with translation.override("vi"):
        name = "-".join(fold(str(Kind(kind).label)).split())
    response["Content-Disposition"] = f'attachment; filename="mau-{name}-v{version}.docx"'
    return response


@require_POST
@documents_view
def template_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    unit = _template_unit(request, request.POST.get("unit"))
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            template = services.template_upload(
                actor=request.user,
                kind=_kind(kind),
                org_unit=unit,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _(TEMPLATE_SAVED_MESSAGE) % {"version": template.version})
    else:
        for message in form_error_messages(form):
            messages.error(request, message)
    return redirect("documents:register")


@require_POST
@documents_view
def bulk_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = inspection_selectors.plan_get_for_manage(user=request.user, pk=pk)
    form = BulkForm(request.POST)
    form.is_valid()
    try:
        job = services.bulk_start(
            actor=request.user, plan=plan, signer_name=form.cleaned_data.get("signer_name", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(plan.get_absolute_url())
    messages.success(request, _(BULK_STARTED_MESSAGE) % {"count": job.total})
    return redirect("documents:bulk_detail", pk=job.pk)


@documents_view
def bulk_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress; the page refreshes itself while it runs."""
    job = selectors.bulk_get_for_user(user=request.user, pk=pk)
    running = job.status in {BulkJob.Status.QUEUED, BulkJob.Status.RUNNING}
    context = {"job": job, "running": running}
    return render_page_or_partial(
        request, "documents/bulk_detail.html", "documents/_bulk_progress.html", context
    )


@documents_view
def bulk_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.bulk_get_for_user(user=request.user, pk=pk)
    if not job.archive:
        raise Http404
    response: Any = FileResponse(
        job.archive.open("rb"),
        as_attachment=True,
        filename=f"thong-bao-ket-luan-{job.plan.year}.zip",
        content_type="application/zip",
    )
    return response
