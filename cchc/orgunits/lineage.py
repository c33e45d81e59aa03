"""How a unit made by a reorganisation reads the results of the units it was made from: the
one rule, used by every page that shows history (the ranking's trend and change, the
over-claim index, last year's dossier figures, repeat findings).

A unit with its own figure for a round keeps it. A unit without one (it did not exist yet)
takes its predecessors' figures (`UnitChange`, merged or divided; through every
reorganisation), combined by the rule of `settings.LINEAGE_HISTORY_RULE`:

- ``units`` (the default): the mean weighted by the number of units. A whole former unit
  counts once; a divided one counts for an equal part in each of its successors (1/2 each
  for two), so its history is never counted twice in a province's totals.
- ``area``: the same, but a divided unit's parts are weighted by the share recorded for each
  successor (its area in km² in the 2025 file); equal parts where no share was recorded.
  Former units that were not divided count once each (their areas are not recorded).

Averages (percentages, the over-claim) are the weighted mean of the predecessors that have a
figure; counts (dossiers, findings) the weighted sum, so the parts of a divided unit add up
to the unit. Repeat findings look at the unit and every unit it came from (`history_ids`).
Past rounds themselves are never rewritten: a published ranking shows its own units."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.orgunits.models import OrgUnit, UnitChange

UNITS = "units"
AREA = "area"
RULES = {
    UNITS: gettext_lazy("mean weighted by the number of units"),
    AREA: gettext_lazy("mean weighted by area"),
}
RULE_EXPLANATIONS = {
    UNITS: gettext_lazy(
        "A unit created by a reorganisation has no results of its own before it; its figures "
        "for those rounds are computed from the units it was made from, each counting once "
        "(a unit divided between several new units counts for an equal part in each, so it is "
        "never counted twice)."
    ),
    AREA: gettext_lazy(
        "A unit created by a reorganisation has no results of its own before it; its figures "
        "for those rounds are computed from the units it was made from, each counting once, "
        "except a unit divided between several new units, which counts in each by the share "
        "of its area recorded for that part (equal parts when no area was recorded)."
    ),
}
_CENT = Decimal("0.01")


def history_rule() -> str:
    """The rule in force (the setting; `units` when it names none we know)."""
    rule = getattr(settings, "LINEAGE_HISTORY_RULE", UNITS)
    return rule if rule in RULES else UNITS


@dataclass(frozen=True)
class Source:
    """One predecessor of a unit and the part of it the unit continues (1 for a whole unit)."""

    unit_id: int
    name: str
    portion: Decimal


@dataclass
class Lineage:
    """The predecessors of a set of units, through every reorganisation, and the rule."""

    rule: str
    sources: dict[int, list[Source]] = field(default_factory=dict)

    def has_history(self, unit_id: int) -> bool:
        return bool(self.sources.get(unit_id))

    def history_ids(self, unit_id: int) -> list[int]:
        """The unit and every unit it came from (the predecessors' predecessors too)."""
        found, stack = [unit_id], [unit_id]
        while stack:
            for source in self.sources.get(stack.pop(), []):
                if source.unit_id not in found:
                    found.append(source.unit_id)
                    stack.append(source.unit_id)
        return found

    def mean(self, unit_id: int, values: Mapping[int, Decimal | None]) -> Decimal | None:
        """The unit's own figure, else its predecessors' weighted mean (None without any)."""
        return self._combine(unit_id, values, total=False, seen=set())

    def total(self, unit_id: int, values: Mapping[int, Decimal | int | None]) -> Decimal | None:
        """A count: the unit's own, else its predecessors' weighted sum (the parts of a
        divided unit add up to it)."""
        return self._combine(unit_id, values, total=True, seen=set())

    def inherits(self, unit_id: int, values: Mapping[int, object]) -> bool:
        """Whether the unit's figure in these values would come from its predecessors."""
        return values.get(unit_id) is None and self.has_history(unit_id)

    def _combine(
        self, unit_id: int, values: Mapping[int, object], *, total: bool, seen: set[int]
    ) -> Decimal | None:
        own = values.get(unit_id)
        if own is not None:
            return Decimal(str(own)) if not isinstance(own, Decimal) else own
        if unit_id in seen:
            return None
        seen.add(unit_id)
        weighted, weight = Decimal(0), Decimal(0)
        for source in self.sources.get(unit_id, []):
            value = self._combine(source.unit_id, values, total=total, seen=seen)
            if value is None:
                continue
            weighted += value * source.portion
            weight += source.portion
        if weight == 0:
            return None
        if total:
            return weighted.quantize(_CENT, rounding=ROUND_HALF_UP)
        return (weighted / weight).quantize(_CENT, rounding=ROUND_HALF_UP)

    def explain(self, unit_name: str, unit_id: int, when: str) -> str:
        """ "Phường Thành Sen, 2024: computed from Phường Nam Hà, Phường Bắc Hà, Phường Đại
        Nài (46%)…, mean weighted by the number of units"."""
        parts = []
        for source in self.sources.get(unit_id, []):
            if source.portion == 1:
                parts.append(source.name)
            else:
                percent = (source.portion * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                parts.append(f"{source.name} ({percent}%)")
        return _("%(unit)s, %(when)s: computed from %(sources)s; %(rule)s") % {
            "unit": unit_name,
            "when": when,
            "sources": ", ".join(parts),
            "rule": RULES[self.rule],
        }


def _portions(links: list[UnitChange], rule: str) -> dict[int, Decimal]:
    """Link id → the part of its former unit the successor continues."""
    by_old: dict[int, list[UnitChange]] = {}
    for link in links:
        by_old.setdefault(link.predecessor_id, []).append(link)
    portions: dict[int, Decimal] = {}
    for parts in by_old.values():
        shares = [link.share for link in parts]
        if rule == AREA and all(share for share in shares):
            whole = sum((share for share in shares if share), Decimal(0))
            for link in parts:
                portions[link.pk] = (link.share or Decimal(0)) / whole
        else:
            for link in parts:
                portions[link.pk] = Decimal(1) / len(parts)
    return portions


def lineage_for(unit_ids: Iterable[int], *, rule: str | None = None) -> Lineage:
    """The predecessors of these units through every reorganisation (one query per
    generation; one query in all when none of them has any). A divided unit's parts are
    weighed among all its successors, whether or not they are among `unit_ids`."""
    rule = rule or history_rule()
    lineage = Lineage(rule=rule)
    wanted = set(unit_ids)
    seen: set[int] = set()
    while wanted:
        seen |= wanted
        links = list(
            UnitChange.objects.filter(
                predecessor__in=OrgUnit.objects.filter(
                    successor_links__successor_id__in=wanted,
                    successor_links__kind__in=UnitChange.LINK_KINDS,
                ),
                kind__in=UnitChange.LINK_KINDS,
            )
            .select_related("predecessor")
            .only("pk", "predecessor_id", "successor_id", "share", "predecessor__name")
            .order_by("predecessor__sort_order", "predecessor__name", "pk")
        )
        portions = _portions(links, rule)
        for link in links:
            if link.successor_id in wanted:
                lineage.sources.setdefault(link.successor_id, []).append(
                    Source(link.predecessor_id, link.predecessor.name, portions[link.pk])
                )
        wanted = {link.predecessor_id for link in links if link.successor_id in wanted} - seen
    return lineage
