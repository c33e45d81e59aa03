"""Frameworks: the list, and one with its criteria (rules, maximum points) and bands. The
same reading rule as the frameworks' pages (frameworks.selectors: published and archived
ones for everyone, drafts for their issuer's keepers)."""

import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.pagination import Page, PageParams, paginate
from cchc.api.schemas import DecimalText
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.selectors import (
    bands_of,
    criteria_of,
    framework_get_for_user,
    framework_list_for_user,
)

router = Router(tags=["frameworks"])


class FrameworkOut(Schema):
    id: int
    name: str
    year: int
    version: int
    status: str
    issuer_id: int
    issuer_code: str
    unit_kinds: list[str]
    decision_number: str
    decision_date: datetime.date | None
    published_at: datetime.datetime | None


class CriterionOut(Schema):
    id: int
    code: str
    title: str
    parent_code: str | None
    max_points: DecimalText
    rule_type: str
    rule_text: str
    section: str
    is_self_scored: bool
    evidence_required: bool
    agency_code: str | None
    data_source: str


class BandOut(Schema):
    name: str
    min_percent: DecimalText
    colour: str


class FrameworkDetailOut(FrameworkOut):
    criteria: list[CriterionOut]
    bands: list[BandOut]


class FrameworkFilters(Schema):
    year: int | None = None
    status: Framework.Status | None = None


def framework_out(framework: Framework) -> dict:
    return {
        "id": framework.pk,
        "name": framework.name,
        "year": framework.year,
        "version": framework.version,
        "status": framework.status,
        "issuer_id": framework.issuer_id,
        "issuer_code": framework.issuer.code,
        "unit_kinds": list(framework.unit_kinds or []),
        "decision_number": framework.decision_number,
        "decision_date": framework.decision_date,
        "published_at": framework.published_at,
    }


def criterion_out(criterion: Criterion) -> CriterionOut:
    return CriterionOut(
        id=criterion.pk,
        code=criterion.code,
        title=criterion.title,
        parent_code=criterion.parent.code if criterion.parent else None,
        max_points=str(criterion.max_points),
        rule_type=criterion.rule_type,
        rule_text=criterion.rule_text,
        section=criterion.section,
        is_self_scored=criterion.is_self_scored,
        evidence_required=criterion.evidence_required,
        agency_code=criterion.agency.code if criterion.agency else None,
        data_source=criterion.data_source or "",
    )


@router.get(
    "", response=Page[FrameworkOut], auth=scoped("frameworks:read"), url_name="framework_list"
)
def framework_list(
    request: HttpRequest, filters: Query[FrameworkFilters], page: Query[PageParams]
) -> dict:
    """The frameworks the caller may read, newest year first."""
    frameworks = framework_list_for_user(user=request.user)
    if filters.year is not None:
        frameworks = frameworks.filter(year=filters.year)
    if filters.status:
        frameworks = frameworks.filter(status=filters.status)
    return paginate(frameworks, page, order=("-year",), item=framework_out)


@router.get(
    "/{int:framework_id}",
    response=FrameworkDetailOut,
    auth=scoped("frameworks:read"),
    url_name="framework_detail",
)
def framework_detail(request: HttpRequest, framework_id: int) -> dict:
    """One framework with its whole criteria tree (in order) and its bands."""
    framework = framework_get_for_user(user=request.user, pk=framework_id)
    return {
        **framework_out(framework),
        "criteria": [criterion_out(criterion) for criterion in criteria_of(framework)],
        "bands": [
            BandOut(name=band.name, min_percent=str(band.min_percent), colour=band.colour)
            for band in bands_of(framework)
        ],
    }
