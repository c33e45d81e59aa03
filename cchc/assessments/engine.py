"""The bridge from stored scores to the scoring engine: load a unit's tree once, score it in
memory, and keep the totals on the assessment row (so boards and rankings never rescore)."""

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from cchc.assessments.models import Assessment, Score
from cchc.core.points import ZERO
from cchc.frameworks.models import Criterion
from cchc.frameworks.rules import ManualRule
from cchc.frameworks.scoring import Node, Section, TreeResult, score_tree

# Appraised points are entered directly, to the hundredth.
APPRAISED_RULE = ManualRule(step=Decimal("0.01"))


@dataclass
class LoadedTree:
    criteria: list[Criterion]
    nodes: list[Node]
    scores: dict[int, Score]  # by criterion id
    parent_ids: set[int]
    # The scored trees, once computed (a save stores its totals, then shows them): the scores
    # of a loaded tree are not changed after loading.
    results: dict[str, TreeResult] = field(default_factory=dict, repr=False, compare=False)

    @property
    def leaves(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.pk not in self.parent_ids]


def load_tree(assessment: Assessment, *, with_evidence: bool = False) -> LoadedTree:
    """Load the framework's criteria and the unit's scores: two or three queries in all."""
    criteria = list(
        Criterion.objects.filter(framework_id=assessment.round.framework_id)
        .select_related("agency")
        .order_by("order")
    )
    scores_query = Score.objects.filter(assessment=assessment)
    if with_evidence:
        scores_query = scores_query.prefetch_related("evidence", "questions")
    scores = {score.criterion_id: score for score in scores_query}
    parent_ids = {criterion.parent_id for criterion in criteria if criterion.parent_id}
    nodes = [criterion.as_node() for criterion in criteria]
    return LoadedTree(criteria, nodes, scores, parent_ids)


def self_result(tree: LoadedTree) -> TreeResult:
    """Score what the unit declared (criteria it does not self-score are left out)."""
    if "self" not in tree.results:
        inputs = {
            criterion_id: score.inputs
            for criterion_id, score in tree.scores.items()
            if score.inputs
        }
        tree.results["self"] = score_tree(
            tree.nodes, inputs, include=lambda node: node.is_self_scored
        )
    return tree.results["self"]


def appraised_nodes(nodes: Iterable[Node]) -> list[Node]:
    return [
        Node(n.id, n.code, n.parent_id, n.max_points, APPRAISED_RULE, n.section, n.is_self_scored)
        for n in nodes
    ]


def appraised_inputs(tree: LoadedTree) -> dict[int, dict[str, Any]]:
    inputs: dict[int, dict[str, Any]] = {}
    for criterion_id, score in tree.scores.items():
        if score.is_not_applicable:
            continue
        if score.appraised_points is not None:
            inputs[criterion_id] = {"points": score.appraised_points}
    return inputs


def appraised_result(tree: LoadedTree, *, self_scored_only: bool = False) -> TreeResult:
    """Score the appraised points; a criterion the unit declared not applicable stays so.
    With self_scored_only, only the criteria the unit scored itself (to compare with it)."""
    key = "appraised_own" if self_scored_only else "appraised"
    if key in tree.results:
        return tree.results[key]
    leaf_ids = {node.id for node in tree.nodes if node.id not in tree.parent_ids}
    not_applicable = {
        criterion_id
        for criterion_id, score in tree.scores.items()
        if score.is_not_applicable and criterion_id in leaf_ids
    }
    nodes = appraised_nodes(tree.nodes)
    tree.results[key] = score_tree(
        nodes,
        appraised_inputs(tree),
        include=lambda node: (
            node.id not in not_applicable and (node.is_self_scored or not self_scored_only)
        ),
    )
    return tree.results[key]


def area_totals(
    tree: LoadedTree,
    own: TreeResult,
    appraised: TreeResult | None,
    appraised_own: TreeResult | None = None,
) -> dict[str, Any]:
    """Per group of criteria (every parent): the self and appraised points and applicable
    maxima, and the appraisal of the criteria the unit scores itself ("as": what its
    self-score is compared with), kept on the row so the dashboards never rescore a unit."""
    totals: dict[str, Any] = {}
    for criterion in tree.criteria:
        if criterion.pk not in tree.parent_ids:
            continue
        mine = own.results.get(criterion.pk)
        theirs = appraised.results.get(criterion.pk) if appraised else None
        theirs_own = appraised_own.results.get(criterion.pk) if appraised_own else None
        totals[str(criterion.pk)] = {
            "s": str(mine.points) if mine else "0",
            "sm": str(mine.applicable_max) if mine else "0",
            "a": str(theirs.points) if theirs else None,
            "am": str(theirs.applicable_max) if theirs else None,
            "as": str(theirs_own.points) if theirs_own else None,
        }
    return totals


def refresh_totals(assessment: Assessment, tree: LoadedTree) -> Assessment:
    """Store the self and appraised totals on the assessment (one UPDATE)."""
    own = self_result(tree)
    self_leaves = [leaf for leaf in tree.leaves if leaf.is_self_scored]
    assessment.self_points = own.total
    assessment.self_max = own.applicable_max
    assessment.leaf_count = len(self_leaves)
    assessment.declared_count = sum(
        1 for leaf in self_leaves if leaf.pk in tree.scores and tree.scores[leaf.pk].inputs
    )
    assessment.carried_count = sum(
        1 for leaf in self_leaves if leaf.pk in tree.scores and tree.scores[leaf.pk].is_carried_over
    )
    assessment.all_leaf_count = len(tree.leaves)
    assessment.appraised_count = sum(
        1
        for leaf in tree.leaves
        if (score := tree.scores.get(leaf.pk)) is not None
        and (score.appraised_points is not None or score.is_not_applicable)
    )
    appraised = appraised_own = None
    if any(score.appraised_points is not None for score in tree.scores.values()):
        appraised = appraised_result(tree)
        appraised_own = appraised_result(tree, self_scored_only=True)
        assessment.appraised_points = appraised.total
        assessment.appraised_max = appraised.applicable_max
        assessment.appraised_self_part = appraised_own.total
    else:
        assessment.appraised_points = assessment.appraised_max = None
        assessment.appraised_self_part = None
    assessment.area_totals = area_totals(tree, own, appraised, appraised_own)
    assessment.save(
        update_fields=[
            "self_points",
            "self_max",
            "leaf_count",
            "declared_count",
            "carried_count",
            "all_leaf_count",
            "appraised_count",
            "appraised_points",
            "appraised_max",
            "appraised_self_part",
            "area_totals",
            "updated_at",
        ]
    )
    return assessment


# --- A save, incrementally ---------------------------------------------------------------------
# Saving one criterion changes its points and its ancestors' subtotals only: the other criteria
# keep what is stored (each leaf's points on its score, each group's on the assessment's
# area_totals). What a save reads is one query: the framework's tree as plain values, joined to
# the unit's scores (every leaf's stored points; the saved criterion's whole score).

SAVE_CRITERION_FIELDS = (
    "id",
    "framework_id",
    "parent_id",
    "code",
    "max_points",
    "rule_type",
    "rule_text",
    "section",
    "is_self_scored",
    "evidence_required",
    "data_source",
    "order",
    "depth",
)
# The saved criterion's score is read whole (its version, figures, explanation, appraisal);
# the other leaves' only for their points.
SAVE_SCORE_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "assessment_id",
    "criterion_id",
    "inputs",
    "self_points",
    "self_explanation",
    "is_not_applicable",
    "system_inputs",
    "explanation",
    "is_carried_over",
    "appraised_points",
    "appraisal_reason",
    "appraised_by_id",
    "appraised_at",
)


class Shape(NamedTuple):
    """A criterion as a save needs it: where it sits and how it counts."""

    pk: int
    parent_id: int | None
    max_points: Decimal
    section: str
    is_self_scored: bool
    depth: int


class Stored(NamedTuple):
    """A leaf's stored self-score: its points (None while undeclared), or not applicable."""

    self_points: Decimal | None
    is_not_applicable: bool


@dataclass
class SaveRead:
    shapes: dict[int, Shape]
    children: dict[int | None, list[int]]
    stored: dict[int, Stored]  # by criterion id, for the leaves with a score
    criterion: Criterion | None  # the one being saved (None: not in the framework)
    score: Score | None  # its score, if it has one

    @property
    def parent_ids(self) -> set[int]:
        return {pk for pk in self.children if pk is not None}


@dataclass
class AreaFigures:
    """A group of criteria's self-score as stored after a save (the names of a NodeResult, so
    the templates read either)."""

    pk: int
    depth: int
    max_points: Decimal
    points: Decimal
    applicable_max: Decimal
    declared_count: int
    leaf_count: int


@dataclass
class SavedFigures:
    """What a save changed, for its answer: the assessment with its totals as stored, and the
    groups whose subtotals were recomputed (the saved criterion's ancestors; every group when
    the whole tree was scored)."""

    assessment: Assessment
    areas: list[AreaFigures]
    incremental: bool
    # The save confirmed a value carried over from the previous round (its badge and the
    # area's "confirm all N" count change too).
    confirmed: bool = False


@functools.cache
def _columns_of(
    model: Any, names: tuple[str, ...], alias: str, vendor: str
) -> tuple[list[str], list[Any]]:
    return _columns(model, names, alias)


def _columns(model: Any, names: Iterable[str], alias: str) -> tuple[list[str], list[Any]]:
    """The quoted columns of a model's fields (by attname) and, for each, the converters that
    turn what the database driver gives into the field's Python value (as the ORM does)."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns, converters = [], []
    for name in names:
        field = model._meta.get_field(name)
        expression = field.get_col(alias)
        columns.append(f"{quote(alias)}.{quote(field.column)}")
        converters.append(
            (
                expression,
                connection.ops.get_db_converters(expression) + field.get_db_converters(connection),
            )
        )
    return columns, converters


def _convert(values: Iterable[Any], converters: list[Any]) -> list[Any]:
    from django.db import connection

    out = []
    for value, (expression, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, expression, connection)
        out.append(value)
    return out


def _memo(converter: Any) -> Any:
    """One column's conversion, remembered per value (a tree has few distinct maxima)."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = _convert([value], [converter])[0]
            return result

    return convert


def load_for_save(assessment: Assessment, criterion_id: int) -> SaveRead:
    """One query: the framework's criteria with the unit's stored score of each (a LEFT JOIN);
    every row's figures are converted for the tree, the saved criterion's whole rows only.
    Plain SQL over the models' own tables and columns: the ORM's per-row work was most of a
    save's time (3.5 ms of CPU for 150 rows against 0.2 ms)."""
    from django.db import connection

    criterion_columns, criterion_converters = _columns_of(
        Criterion, SAVE_CRITERION_FIELDS, "c", connection.vendor
    )
    score_columns, score_converters = _columns_of(Score, SAVE_SCORE_FIELDS, "s", connection.vendor)
    quote = connection.ops.quote_name
    # Every row's few figures; the other columns for the saved criterion's row only.
    saved_only = f"{quote('c')}.{quote('id')} = %s"
    light = {"id", "parent_id", "max_points", "section", "is_self_scored", "depth"}
    selected = [
        column if name in light else f"CASE WHEN {saved_only} THEN {column} END"
        for name, column in zip(SAVE_CRITERION_FIELDS, criterion_columns, strict=True)
    ] + [
        column
        if name in ("id", "self_points", "is_not_applicable")
        else f"CASE WHEN {saved_only} THEN {column} END"
        for name, column in zip(SAVE_SCORE_FIELDS, score_columns, strict=True)
    ]
    cases = sum(1 for column in selected if column.startswith("CASE"))
    # Names from the models' own metadata, values as parameters: nothing from a request.
    join = (
        f"FROM {quote(Criterion._meta.db_table)} {quote('c')} "
        f"LEFT OUTER JOIN {quote(Score._meta.db_table)} {quote('s')} "
        f"ON {quote('s')}.{quote('criterion_id')} = {quote('c')}.{quote('id')} "
        f"AND {quote('s')}.{quote('assessment_id')} = %s "
        f"WHERE {quote('c')}.{quote('framework_id')} = %s"
    )
    sql = f"SELECT {', '.join(selected)} {join}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [criterion_id] * cases + [assessment.pk, assessment.round.framework_id])
        rows = cursor.fetchall()
    index = {name: n for n, name in enumerate(SAVE_CRITERION_FIELDS)}
    width = len(SAVE_CRITERION_FIELDS)
    score_index = {name: width + n for n, name in enumerate(SAVE_SCORE_FIELDS)}
    # The tree's few figures of each row, through the same converters (a decimal or a flag
    # converted once per distinct value the driver gives).
    to_points = _memo(criterion_converters[index["max_points"]])
    to_flag = _memo(criterion_converters[index["is_self_scored"]])
    to_self_points = _memo(score_converters[score_index["self_points"] - width])
    to_na = _memo(score_converters[score_index["is_not_applicable"] - width])
    at = [index[name] for name in ("id", "parent_id", "max_points", "section")]
    at += [index["is_self_scored"], index["depth"]]
    at += [score_index[name] for name in ("id", "self_points", "is_not_applicable")]
    shapes: dict[int, Shape] = {}
    children: dict[int | None, list[int]] = {}
    stored: dict[int, Stored] = {}
    criterion = score = None
    pick = operator.itemgetter(*at)
    for row in rows:
        pk, parent_id, max_points, section, self_scored, depth, score_id, points, na = pick(row)
        shapes[pk] = Shape(
            pk, parent_id, to_points(max_points), section, to_flag(self_scored), depth
        )
        children.setdefault(parent_id, []).append(pk)
        if score_id is not None:
            stored[pk] = Stored(to_self_points(points), bool(to_na(na)))
        if pk == criterion_id:
            # The criterion with the fields read: any other is read when asked for, never
            # silently empty.
            criterion = Criterion.from_db(
                connection.alias,
                list(SAVE_CRITERION_FIELDS),
                _convert(row[:width], criterion_converters),
            )
            if score_id is not None:
                score = Score.from_db(
                    connection.alias,
                    list(SAVE_SCORE_FIELDS),
                    _convert(row[width:], score_converters),
                )
    return SaveRead(shapes, children, stored, criterion, score)


def leaf_figures(shape: Shape, stored: Stored | None) -> tuple[Decimal, Decimal, int, int]:
    """A leaf's (points, applicable maximum, declared, counted) from its stored score, as
    score_tree gives them from its inputs: left out when not self-scored, not applicable, or
    the maximum still open while undeclared."""
    if not shape.is_self_scored:
        return ZERO, ZERO, 0, 0
    if stored is None:
        return ZERO, shape.max_points, 0, 1
    if stored.is_not_applicable:
        return ZERO, ZERO, 1, 1
    if stored.self_points is None:
        return ZERO, shape.max_points, 0, 1
    return stored.self_points, shape.max_points, 1, 1


def ancestors(read: SaveRead, criterion_id: int) -> list[int]:
    """The criterion's ancestors, nearest first."""
    chain = []
    parent = read.shapes[criterion_id].parent_id
    while parent is not None:
        chain.append(parent)
        parent = read.shapes[parent].parent_id
    return chain


def _subtree_counts(read: SaveRead, pk: int) -> tuple[int, int]:
    declared = counted = 0
    pending = [pk]
    while pending:
        node = pending.pop()
        kids = read.children.get(node)
        if kids:
            pending.extend(kids)
            continue
        _points, _max, is_declared, is_counted = leaf_figures(
            read.shapes[node], read.stored.get(node)
        )
        declared += is_declared
        counted += is_counted
    return declared, counted


def saved_area_totals(
    read: SaveRead, area_totals: dict[str, Any], criterion_id: int
) -> tuple[dict[str, Any], list[AreaFigures]] | None:
    """Recompute the saved criterion's ancestors, nearest first, each from its children's
    stored points (a leaf's on its score, a group's in area_totals; a bonus or penalty group
    capped at its maximum, as score_tree does), and return the new area_totals with their
    figures. None when a group the sums need has no stored entry (the whole tree is scored
    then)."""
    totals = dict(area_totals)
    figures = []
    for pk in ancestors(read, criterion_id):
        points = applicable_max = ZERO
        for kid in read.children[pk]:
            if kid in read.children:
                entry = totals.get(str(kid))
                if not entry or entry.get("s") is None or entry.get("sm") is None:
                    return None
                points += Decimal(entry["s"])
                applicable_max += Decimal(entry["sm"])
            else:
                kid_points, kid_max, _declared, _counted = leaf_figures(
                    read.shapes[kid], read.stored.get(kid)
                )
                points += kid_points
                applicable_max += kid_max
        shape = read.shapes[pk]
        if shape.section != Section.NORMAL and points > shape.max_points:
            points = shape.max_points
        previous = totals.get(str(pk)) or {}
        totals[str(pk)] = {
            "s": str(points),
            "sm": str(applicable_max),
            "a": previous.get("a"),
            "am": previous.get("am"),
            "as": previous.get("as"),
        }
        declared, counted = _subtree_counts(read, pk)
        figures.append(
            AreaFigures(
                pk, shape.depth, shape.max_points, points, applicable_max, declared, counted
            )
        )
    return totals, figures


def saved_totals(read: SaveRead, area_totals: dict[str, Any]) -> tuple[Decimal, Decimal] | None:
    """The self total and applicable maximum from the top-level criteria's stored figures (as
    score_tree adds them: bonus and penalty sections within their maximum, never below 0)."""
    normal = bonus = penalty = applicable_max = ZERO
    for pk in read.children.get(None, []):
        shape = read.shapes[pk]
        if pk in read.children:
            entry = area_totals.get(str(pk))
            if not entry:
                return None
            points, kid_max = Decimal(entry["s"]), Decimal(entry["sm"])
        else:
            points, kid_max, _declared, _counted = leaf_figures(shape, read.stored.get(pk))
        if shape.section == Section.BONUS:
            bonus += min(points, shape.max_points)
        elif shape.section == Section.PENALTY:
            penalty += min(points, shape.max_points)
        else:
            normal += points
            applicable_max += kid_max
    return max(normal + bonus - penalty, ZERO), applicable_max


def all_area_figures(tree: LoadedTree) -> list[AreaFigures]:
    """Every group's figures from a scored tree (a save that scored the whole tree)."""
    own = self_result(tree)
    figures = []
    for criterion in tree.criteria:
        result = own.results.get(criterion.pk)
        if criterion.pk in tree.parent_ids and result is not None:
            figures.append(
                AreaFigures(
                    criterion.pk,
                    criterion.depth,
                    criterion.max_points,
                    result.points,
                    result.applicable_max,
                    result.declared_count,
                    result.leaf_count,
                )
            )
    return figures
