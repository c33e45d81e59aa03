from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cchc.frameworks.rules import ManualRule, SumRule, parse_rule
from cchc.frameworks.scoring import Node, Section, Status, score_tree, sum_problems

D = Decimal


def tree():
    return [
        Node(1, "1", None, D("7.5"), SumRule()),
        Node(2, "1.1", 1, D("2.5"), parse_rule("yes_no na")),
        Node(3, "1.2", 1, D(5), parse_rule("ratio")),
        Node(4, "2", None, D("8.5"), SumRule()),
        Node(5, "2.1", 4, D("8.5"), parse_rule("deduction 0.5")),
        Node(6, "TH", None, D(1), SumRule(), section=Section.BONUS),
        Node(7, "TH.1", 6, D(2), ManualRule(step=D("0.5")), section=Section.BONUS),
        Node(8, "PT", None, D(3), SumRule(), section=Section.PENALTY),
        Node(9, "PT.1", 8, D(5), parse_rule("manual step=1"), section=Section.PENALTY),
    ]


def test_parents_sum_their_children_and_totals_add_up():
    result = score_tree(
        tree(),
        {2: {"answer": "yes"}, 3: {"numerator": 3, "denominator": 4}, 5: {"count": 1}},
    )
    assert result.results[1].points == D("6.25")  # 2.5 + 3.75
    assert result.results[4].points == D(8)
    assert result.normal_points == D("14.25")
    assert result.applicable_max == D(16)  # 7.5 + 8.5
    assert result.percent == D("89.06")


def test_not_applicable_leaves_the_denominator():
    result = score_tree(
        tree(),
        {2: {"answer": "na"}, 3: {"numerator": 1, "denominator": 1}, 5: {"count": 0}},
    )
    assert result.results[2].status == Status.NOT_APPLICABLE
    assert result.results[1].applicable_max == D(5)
    assert result.applicable_max == D("13.5")
    assert result.total == D("13.5")
    assert result.percent == D(100)


def test_missing_inputs_count_as_zero_but_stay_in_the_maximum():
    result = score_tree(tree(), {2: {"answer": "yes"}})
    assert result.results[3].status == Status.MISSING
    assert result.applicable_max == D(16)
    assert result.results[1].declared_count == 1
    assert result.results[1].leaf_count == 2


def test_bad_inputs_are_reported_not_raised():
    result = score_tree(tree(), {3: {"numerator": 5, "denominator": 4}})
    assert result.results[3].status == Status.INVALID
    assert result.results[3].explanation


def test_bonus_adds_within_its_cap_and_penalty_takes_off_within_its_cap():
    inputs: dict[int, dict[str, object]] = {
        2: {"answer": "yes"},
        3: {"numerator": 1, "denominator": 1},
        5: {"count": 0},
    }
    base = score_tree(tree(), inputs).total
    with_bonus = score_tree(tree(), {**inputs, 7: {"points": D(2)}})
    assert with_bonus.bonus_points == D(1)  # capped at the section's maximum
    assert with_bonus.total == base + 1
    assert with_bonus.applicable_max == D(16)  # bonus is not in the maximum
    with_penalty = score_tree(tree(), {**inputs, 9: {"points": D(5)}})
    assert with_penalty.penalty_points == D(3)
    assert with_penalty.total == base - 3


def test_the_total_never_goes_below_zero():
    result = score_tree(tree(), {9: {"points": D(5)}})
    assert result.total == 0


def test_include_leaves_out_criteria_not_self_scored():
    nodes = [
        Node(1, "A", None, D(2), SumRule()),
        Node(2, "A.1", 1, D(1), parse_rule("yes_no")),
        Node(3, "A.2", 1, D(1), parse_rule("survey"), is_self_scored=False),
    ]
    result = score_tree(nodes, {2: {"answer": "yes"}}, include=lambda node: node.is_self_scored)
    assert result.applicable_max == D(1)
    assert result.percent == D(100)


def test_sum_problems_name_the_parent_and_skip_section_caps():
    nodes = tree()
    nodes[0] = Node(1, "1", None, D(8), SumRule())
    problems = sum_problems(nodes)
    assert [(code, field) for code, field, _message in problems] == [("1", "max_points")]


def test_sums_like_seven_and_a_half_plus_eight_and_a_half_are_exact():
    nodes = [
        Node(1, "R", None, D(16), SumRule()),
        Node(2, "a", 1, D("7.5"), parse_rule("yes_no")),
        Node(3, "b", 1, D("8.5"), parse_rule("yes_no")),
    ]
    assert sum_problems(nodes) == []
    result = score_tree(nodes, {2: {"answer": "yes"}, 3: {"answer": "yes"}})
    assert result.total == D(16)


@st.composite
def random_trees(draw):
    """A random tree of yes/no and ratio leaves whose parents' maxima are their sums."""
    leaf_count = draw(st.integers(1, 12))
    leaves = []
    for index in range(leaf_count):
        maximum = D(draw(st.integers(1, 40))) / 4
        rule = draw(st.sampled_from(["yes_no na", "ratio", "deduction 0.25"]))
        leaves.append((index + 100, maximum, rule))
    groups = draw(st.integers(1, min(4, leaf_count)))
    nodes = []
    for group in range(groups):
        members = leaves[group::groups]
        nodes.append(
            Node(group + 1, f"G{group}", None, sum((m for _, m, _ in members), D(0)), SumRule())
        )
        for node_id, maximum, rule in members:
            nodes.append(Node(node_id, f"L{node_id}", group + 1, maximum, parse_rule(rule)))
    inputs = {}
    for node_id, _maximum, _rule in leaves:
        low, high = sorted((draw(st.integers(0, 50)), draw(st.integers(0, 50))))
        inputs[node_id] = {
            "answer": draw(st.sampled_from(["yes", "no", "na"])),
            "numerator": D(low),
            "denominator": D(high),
            "count": draw(st.integers(0, 9)),
        }
    return nodes, inputs


@settings(max_examples=150)
@given(random_trees())
def test_a_parent_always_scores_the_sum_of_its_children_within_its_maximum(case):
    nodes, inputs = case
    result = score_tree(nodes, inputs)
    for node in nodes:
        node_result = result.results[node.id]
        assert D(0) <= node_result.points <= node_result.applicable_max <= node.max_points
        children = [other for other in nodes if other.parent_id == node.id]
        if children:
            assert node_result.points == sum((result.results[c.id].points for c in children), D(0))
    assert result.total == sum(
        (result.results[n.id].points for n in nodes if n.parent_id is None), D(0)
    )
