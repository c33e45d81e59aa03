"""Issued documents: the register (number and symbol, date, kind, title, issuer, the unit it
is about) and download links to the pages' own download view, which checks the caller's
permission again. The reading rule is the register page's (documents.selectors.
issued_list_for_user: whoever may read the inspection, plan, round or assessment a document
is about reads it)."""

import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.lookups import unit_for_ref
from cchc.api.pagination import Page, PageParams, paginate
from cchc.documents.models import IssuedDocument, Kind
from cchc.documents.selectors import issued_get_for_user, issued_list_for_user
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q

router = Router(tags=["documents"])
SCOPE = "documents:read"


class DownloadsOut(Schema):
    docx: str
    pdf: str
    scan: str | None = Field(description="The signed and stamped scan, once uploaded")
    signed: str | None = Field(description="The digitally signed PDF, once signed")


class DocumentOut(Schema):
    id: int
    kind: str
    reference: str = Field(description="Number and symbol, e.g. 01/TB-ĐKT")
    number: int
    symbol: str
    year: int
    issued_on: datetime.date
    issued_at: datetime.datetime
    title: str
    signer_name: str
    issuer_id: int
    issuer_code: str
    unit_id: int | None = Field(description="The unit the document is about")
    unit_code: str | None
    inspection_id: int | None
    plan_id: int | None
    round_id: int | None
    assessment_id: int | None
    replaced_by_id: int | None
    signed_at: datetime.datetime | None
    downloads: DownloadsOut = Field(
        description="The pages' downloads: each checks the caller's permission again"
    )


class DocumentFilters(Schema):
    unit: str | None = Field(
        None,
        max_length=50,
        description="A unit's code or id: documents it or a unit under it issued or is about.",
    )
    year: int | None = None
    kind: Kind | None = None
    issued_from: datetime.date | None = None
    issued_to: datetime.date | None = None
    current: bool | None = Field(None, description="true: only documents not replaced.")


def subject_unit(document: IssuedDocument) -> OrgUnit | None:
    """The unit the document is about: the visited or assessed unit, else the organiser."""
    if document.inspection is not None:
        return document.inspection.org_unit
    if document.assessment is not None:
        return document.assessment.org_unit
    if document.plan is not None:
        return document.plan.organiser
    if document.round is not None:
        return document.round.organiser
    return None


def document_out(request: HttpRequest, document: IssuedDocument) -> DocumentOut:
    def link(fmt: str) -> str:
        return request.build_absolute_uri(reverse("documents:issued_file", args=[document.pk, fmt]))

    unit = subject_unit(document)
    return DocumentOut(
        id=document.pk,
        kind=document.kind,
        reference=document.reference,
        number=document.number,
        symbol=document.symbol,
        year=document.year,
        issued_on=document.issued_on,
        issued_at=document.created_at,
        title=document.title,
        signer_name=document.signer_name,
        issuer_id=document.issuer_id,
        issuer_code=document.issuer.code,
        unit_id=unit.pk if unit else None,
        unit_code=unit.code if unit else None,
        inspection_id=document.inspection_id,
        plan_id=document.plan_id,
        round_id=document.round_id,
        assessment_id=document.assessment_id,
        replaced_by_id=document.replaced_by_id,
        signed_at=document.signed_at,
        downloads=DownloadsOut(
            docx=link("docx"),
            pdf=link("pdf"),
            scan=link("scan") if document.scan else None,
            signed=link("signed") if document.signed_pdf else None,
        ),
    )


SUBJECTS = (
    "inspection__org_unit",
    "assessment__org_unit",
    "plan__organiser",
    "round__organiser",
)


@router.get("", response=Page[DocumentOut], auth=scoped(SCOPE), url_name="document_list")
def document_list(
    request: HttpRequest, filters: Query[DocumentFilters], page: Query[PageParams]
) -> dict:
    """The register as the caller may read it, newest first."""
    documents = issued_list_for_user(user=request.user).select_related(*SUBJECTS)
    if filters.unit:
        unit = unit_for_ref(request.user, filters.unit)
        documents = documents.filter(
            under_q([unit], "issuer")
            | under_q([unit], "inspection__org_unit")
            | under_q([unit], "assessment__org_unit")
        )
    if filters.year is not None:
        documents = documents.filter(year=filters.year)
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.issued_from:
        documents = documents.filter(issued_on__gte=filters.issued_from)
    if filters.issued_to:
        documents = documents.filter(issued_on__lte=filters.issued_to)
    if filters.current is not None:
        documents = documents.filter(replaced_by__isnull=filters.current)
    return paginate(
        documents,
        page,
        order=("-issued_on", "-number"),
        item=lambda document: document_out(request, document),
    )


@router.get(
    "/{int:document_id}", response=DocumentOut, auth=scoped(SCOPE), url_name="document_detail"
)
def document_detail(request: HttpRequest, document_id: int) -> DocumentOut:
    document = issued_get_for_user(user=request.user, pk=document_id)
    return document_out(request, document)
