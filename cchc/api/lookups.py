"""Finding what a path or filter names: a unit by code or id, through the readers' selectors."""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_noop

from cchc.api.problems import Problem
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.selectors import org_unit_list_for_user

UNKNOWN_UNIT_MESSAGE = gettext_noop("No unit has the code or id {unit}.")


def unit_for_ref(user: Any, ref: str) -> OrgUnit:
    """The unit a reference names: its code first (codes are unique), else its id."""
    ref = ref.strip()
    condition = Q(code=ref)
    if ref.isdigit() and len(ref) < 19:
        condition |= Q(pk=int(ref))
    found = sorted(
        org_unit_list_for_user(user=user).filter(condition)[:2],
        key=lambda unit: unit.code != ref,
    )
    if not found:
        raise Problem(404, UNKNOWN_UNIT_MESSAGE, params={"unit": ref[:50]})
    return found[0]
