"""The bridge from stored scores to the scoring engine: load a unit's tree once, score it in
memory, and keep the totals on the assessment row (so boards and rankings never rescore)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cchc.assessments.models import Assessment, Score
from cchc.frameworks.models import Criterion
from cchc.frameworks.rules import ManualRule
from cchc.frameworks.scoring import Node, TreeResult, score_tree

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
