"""Score a whole criterion tree in memory: no query per criterion.

A leaf is scored by its rule from the unit's inputs. A parent's points are the sum of its
children's; its applicable maximum is the sum of its applicable children's maxima, so a
not-applicable criterion leaves the denominator. Bonus and penalty sections (top-level nodes)
add to or take from the total within their own maximum, which acts as a cap; they do not
count in the applicable maximum. The total never goes below zero.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.points import ZERO, format_decimal, percent
from cchc.frameworks.rules import InputError, Rule, SumRule


class Section(models.TextChoices):
    NORMAL = "normal", gettext_lazy("Scored criteria")
    BONUS = "bonus", gettext_lazy("Bonus points")
    PENALTY = "penalty", gettext_lazy("Penalty points")


class Status(models.TextChoices):
    SCORED = "scored", gettext_lazy("Scored")
    NOT_APPLICABLE = "na", gettext_lazy("Not applicable")
    MISSING = "missing", gettext_lazy("Not declared yet")
    INVALID = "invalid", gettext_lazy("Inputs need correcting")


@dataclass(frozen=True)
class Node:
    """What the engine needs of a criterion: already loaded, nothing lazy."""

    id: int
    code: str
    parent_id: int | None
    max_points: Decimal
    rule: Rule
    section: str = Section.NORMAL
    is_self_scored: bool = True


@dataclass
class NodeResult:
    points: Decimal  # 0 when missing or not applicable
    applicable_max: Decimal
    status: str
    explanation: str = ""
    declared_count: int = 0  # leaves under this node with inputs (for "7/16 declared")
    leaf_count: int = 0

    @property
    def is_applicable(self) -> bool:
        return self.status != Status.NOT_APPLICABLE


@dataclass
class TreeResult:
    results: dict[int, NodeResult] = field(default_factory=dict)
    normal_points: Decimal = ZERO
    bonus_points: Decimal = ZERO
    penalty_points: Decimal = ZERO
    applicable_max: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return max(self.normal_points + self.bonus_points - self.penalty_points, ZERO)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.total, self.applicable_max)


def score_leaf(node: Node, inputs: Mapping[str, Any] | None) -> NodeResult:
    """Score one leaf; never raises for bad inputs, which come back as INVALID with the reason."""
    if not inputs:
        return NodeResult(ZERO, node.max_points, Status.MISSING, _("Not declared yet."), 0, 1)
    try:
        result = node.rule.score(inputs, node.max_points)
    except InputError as error:
        return NodeResult(ZERO, node.max_points, Status.INVALID, error.message, 0, 1)
    if result.points is None:
        return NodeResult(ZERO, ZERO, Status.NOT_APPLICABLE, result.explanation, 1, 1)
    return NodeResult(result.points, node.max_points, Status.SCORED, result.explanation, 1, 1)


def score_tree(
    nodes: Iterable[Node],
    inputs: Mapping[int, Mapping[str, Any]],
    *,
    include: Any = None,
) -> TreeResult:
    """Score every node from the leaves' inputs (keyed by node id).

    `include(node) -> bool` can leave leaves out (e.g. criteria a unit does not self-score);
    left-out leaves count as not applicable.
    """
    node_list = list(nodes)
    children: dict[int | None, list[Node]] = {}
    for node in node_list:
        children.setdefault(node.parent_id, []).append(node)
    tree = TreeResult()

    def visit(node: Node) -> NodeResult:
        kids = children.get(node.id, [])
        if not kids:
            if include is not None and not include(node):
                result = NodeResult(ZERO, ZERO, Status.NOT_APPLICABLE, _("Not self-scored."), 0, 0)
            else:
                result = score_leaf(node, inputs.get(node.id))
            tree.results[node.id] = result
            return result
        kid_results = [visit(kid) for kid in kids]
        applicable = [r for r in kid_results if r.is_applicable]
        points = sum((r.points for r in applicable), ZERO)
        applicable_max = sum((r.applicable_max for r in applicable), ZERO)
        status = Status.SCORED if applicable else Status.NOT_APPLICABLE
        explanation = ""
        if node.section != Section.NORMAL and points > node.max_points:
            explanation = _("%(points)s, capped at %(cap)s.") % {
                "points": format_decimal(points),
                "cap": format_decimal(node.max_points),
            }
            points = node.max_points
        result = NodeResult(
            points,
            applicable_max,
            status,
            explanation,
            sum(r.declared_count for r in kid_results),
            sum(r.leaf_count for r in kid_results),
        )
        tree.results[node.id] = result
        return result

    for root in children.get(None, []):
        result = visit(root)
        if root.section == Section.BONUS:
            tree.bonus_points += min(result.points, root.max_points)
        elif root.section == Section.PENALTY:
            tree.penalty_points += min(result.points, root.max_points)
        else:
            tree.normal_points += result.points
            tree.applicable_max += result.applicable_max
    return tree


def sum_problems(nodes: Iterable[Node]) -> list[tuple[str, str, str]]:
    """Return (code, field, message) for every parent whose maximum is not the sum of its
    children's, and every rule that does not fit its criterion's maximum."""
    node_list = list(nodes)
    children: dict[int | None, list[Node]] = {}
    for node in node_list:
        children.setdefault(node.parent_id, []).append(node)
    problems: list[tuple[str, str, str]] = []
    for node in node_list:
        kids = children.get(node.id, [])
        if node.max_points < 0:
            problems.append((node.code, "max_points", _("The maximum cannot be negative.")))
        if kids:
            if not isinstance(node.rule, SumRule):
                problems.append(
                    (node.code, "rule", _("A criterion with sub-criteria is scored as their sum."))
                )
            total = sum((kid.max_points for kid in kids), ZERO)
            is_section = node.parent_id is None and node.section != Section.NORMAL
            if total != node.max_points and not is_section:
                problems.append(
                    (
                        node.code,
                        "max_points",
                        _("The maximum %(max)s is not the sum of its sub-criteria (%(total)s).")
                        % {"max": format_decimal(node.max_points), "total": format_decimal(total)},
                    )
                )
        else:
            if isinstance(node.rule, SumRule):
                problems.append(
                    (node.code, "rule", _("A criterion without sub-criteria needs a scoring rule."))
                )
            for message in node.rule.problems_for(node.max_points):
                problems.append((node.code, "rule", message))
    return problems
