"""Units that share a name, told apart: the unit above ("Phường Trần Phú — Thành phố Hà Tĩnh"
beside the province's new "Phường Trần Phú — Tỉnh Hà Tĩnh"), and the end of one no longer
active ("(đến 30/06/2025)"). One rule for a form's choices (`forms.SharedNameLabels`) and a
page's rows (the indicators listed both Trần Phú as "Phường Trần Phú")."""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from cchc.core.dates import short_date


def shared_names(names: Iterable[str]) -> set[str]:
    """The names more than one of these units has."""
    return {name for name, count in Counter(names).items() if count > 1}


def label_apart(unit: Any, shared: set[str]) -> str:
    """The unit's name, with what tells it apart when its name is in `shared` (its parent is
    read: select_related("parent"))."""
    if unit.name not in shared:
        return str(unit.name)
    label = f"{unit.name} — {unit.parent.name}" if unit.parent is not None else str(unit.name)
    if unit.active_to is not None:
        label += " " + str(_("(until %(day)s)") % {"day": short_date(unit.active_to)})
    return label


def labels_apart(units: Iterable[Any]) -> list[tuple[int, str]]:
    """(id, label) of each unit, in their order, those sharing a name told apart."""
    units = list(units)
    shared = shared_names(unit.name for unit in units)
    return [(unit.pk, label_apart(unit, shared)) for unit in units]
