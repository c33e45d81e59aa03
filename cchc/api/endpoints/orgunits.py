"""Org units: the list (codes, names, kinds, parents, active dates), one unit, the tree under
a unit. Names and codes are readable by every role (orgunits.selectors)."""

import datetime

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.lookups import unit_for_ref
from cchc.api.pagination import Page, PageParams, paginate
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q
from cchc.orgunits.selectors import org_unit_list_for_user

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    gso_code: str
    name: str
    kind: str = Field(description="province, city, district, ward, commune or agency")
    parent_id: int | None
    parent_code: str | None
    active_from: datetime.date | None
    active_to: datetime.date | None


class UnitFilters(Schema):
    kind: OrgUnit.Kind | None = None
    q: str | None = Field(None, max_length=100, description="In the name or the code.")
    active: bool | None = Field(None, description="true: in use today; false: ended.")


def unit_out(unit: OrgUnit) -> UnitOut:
    return UnitOut(
        id=unit.pk,
        code=unit.code,
        gso_code=unit.gso_code,
        name=unit.name,
        kind=unit.kind,
        parent_id=unit.parent_id,
        parent_code=unit.parent.code if unit.parent else None,
        active_from=unit.active_from,
        active_to=unit.active_to,
    )


def _filtered(request: HttpRequest, filters: UnitFilters) -> "Q":
    condition = Q()
    if filters.active is not None:
        condition &= Q(active_to__isnull=filters.active)
    return condition


@router.get("", response=Page[UnitOut], auth=scoped("units:read"), url_name="unit_list")
def unit_list(request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]) -> dict:
    """Every unit, in tree order (a parent before its children)."""
    units = org_unit_list_for_user(
        user=request.user, kind=filters.kind or "", query=(filters.q or "").strip()
    ).filter(_filtered(request, filters))
    return paginate(units, page, order=("path",), item=unit_out)


@router.get("/{unit}", response=UnitOut, auth=scoped("units:read"), url_name="unit_detail")
def unit_detail(request: HttpRequest, unit: str) -> UnitOut:
    """One unit, by its code (e.g. X18070) or its id."""
    return unit_out(unit_for_ref(request.user, unit))


@router.get("/{unit}/tree", response=Page[UnitOut], auth=scoped("units:read"), url_name="unit_tree")
def unit_tree(
    request: HttpRequest, unit: str, filters: Query[UnitFilters], page: Query[PageParams]
) -> dict:
    """The unit and every unit under it, in tree order."""
    root = unit_for_ref(request.user, unit)
    units = org_unit_list_for_user(
        user=request.user, kind=filters.kind or "", query=(filters.q or "").strip()
    ).filter(under_q([root]), _filtered(request, filters))
    return paginate(units, page, order=("path",), item=unit_out)
