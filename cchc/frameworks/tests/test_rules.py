"""Golden tests for every rule type, edges included, and the properties that must always hold."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cchc.frameworks.rules import (
    ChecklistRule,
    DeductionRule,
    GradedRule,
    InputError,
    ManualRule,
    RatioRule,
    RuleError,
    SurveyRule,
    TiersRule,
    YesNoRule,
    parse_rule,
)

D = Decimal


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def score(text, inputs, max_points):
    return parse_rule(text).score(inputs, D(max_points))


class TestManual:
    def test_any_value_in_steps_of_a_quarter(self):
        assert score("manual step=0.25", {"points": D("1.75")}, 2).points == D("1.75")

    def test_zero_and_the_maximum_are_allowed(self):
        assert score("manual", {"points": D(0)}, 2).points == 0
        assert score("manual", {"points": D(2)}, 2).points == 2

    def test_off_step_and_out_of_range_are_refused(self):
        with pytest.raises(InputError):
            score("manual step=0.25", {"points": D("1.3")}, 2)
        with pytest.raises(InputError):
            score("manual", {"points": D("2.25")}, 2)

    def test_a_maximum_that_is_not_a_multiple_of_the_step_is_a_problem(self):
        assert ManualRule(step=D("0.25")).problems_for(D("1.1"))


class TestYesNo:
    def test_yes_earns_the_maximum_and_no_earns_nothing(self):
        assert score("yes_no", {"answer": "yes"}, "7.5").points == D("7.5")
        assert score("yes_no", {"answer": "no"}, "7.5").points == 0

    def test_not_applicable_only_when_allowed(self):
        assert score("yes_no na", {"answer": "na"}, 1).points is None
        with pytest.raises(InputError):
            score("yes_no", {"answer": "na"}, 1)

    def test_the_explanation_is_vietnamese(self):
        assert score("yes_no", {"answer": "yes"}, "7.5").explanation == "Có → 7,5 điểm."


class TestTiers:
    rule = "tiers: 100=max; 95=3; 90=1"

    def test_the_sentence_from_the_brief(self):
        result = score("tiers: 100=max; 95=3; 90=1", {"numerator": 17, "denominator": 18}, 5)
        assert result.points == 1
        assert result.explanation == "17/18 = 94,4% → 1 điểm (bậc 90–<95%)."

    def test_exact_thresholds_belong_to_the_tier(self):
        assert score(self.rule, {"numerator": 95, "denominator": 100}, 5).points == 3
        assert score(self.rule, {"numerator": 90, "denominator": 100}, 5).points == 1
        assert score(self.rule, {"numerator": 100, "denominator": 100}, 5).points == 5

    def test_below_the_lowest_tier_earns_nothing(self):
        result = score(self.rule, {"numerator": 89, "denominator": 100}, 5)
        assert result.points == 0
        assert "dưới 90%" in result.explanation

    def test_a_zero_denominator_is_not_applicable(self):
        assert score(self.rule, {"numerator": 0, "denominator": 0}, 5).points is None

    def test_tiers_on_a_number(self):
        assert score("tiers number: 10=max; 5=1", {"value": D(7)}, 2).points == 1

    def test_tier_points_above_the_maximum_are_a_problem(self):
        assert parse_rule("tiers: 100=6; 90=1").problems_for(D(5))

    def test_the_order_of_tiers_in_the_text_does_not_matter(self):
        assert parse_rule("tiers: 90=1; 100=max; 95=3") == parse_rule(self.rule)


class TestRatio:
    def test_max_times_the_ratio(self):
        assert score("ratio", {"numerator": 9, "denominator": 10}, 3).points == D("2.7")

    def test_half_up_rounding_to_two_places(self):
        # 2 × 1/3 = 0.666… → 0.67; 1 × 1/8 = 0.125 → 0.13
        assert score("ratio", {"numerator": 1, "denominator": 3}, 2).points == D("0.67")
        assert score("ratio", {"numerator": 1, "denominator": 8}, 1).points == D("0.13")

    def test_below_the_floor_earns_nothing_and_at_the_floor_earns_its_share(self):
        assert score("ratio floor=80", {"numerator": 79, "denominator": 100}, 3).points == 0
        assert score("ratio floor=80", {"numerator": 80, "denominator": 100}, 3).points == D("2.4")

    def test_a_cap_limits_the_points(self):
        result = score("ratio cap=1.5", {"numerator": 10, "denominator": 10}, 2)
        assert result.points == D("1.5")

    def test_a_target_below_100_gives_the_maximum_once_reached(self):
        assert score("ratio target=50", {"numerator": 60, "denominator": 100}, 4).points == 4
        assert score("ratio target=50", {"numerator": 25, "denominator": 100}, 4).points == 2

    def test_a_zero_denominator_is_not_applicable(self):
        assert score("ratio", {"numerator": 0, "denominator": 0}, 2).points is None

    def test_a_zero_denominator_under_a_counted_numerator_says_so(self):
        # Found walking the demo: 5 of 0 was refused as "the numerator cannot be larger".
        with pytest.raises(InputError) as refused:
            score("ratio", {"numerator": 5, "denominator": 0}, 2)
        assert refused.value.field == "denominator"
        assert "Mẫu số bằng 0" in str(refused.value.message)

    def test_a_numerator_above_the_denominator_is_refused(self):
        with pytest.raises(InputError):
            score("ratio", {"numerator": 11, "denominator": 10}, 2)


class TestDeduction:
    def test_points_off_per_occurrence(self):
        result = score("deduction 0.25", {"count": 3}, 1)
        assert result.points == D("0.25")
        assert result.explanation == "3 × 0,25 = 0,75 trừ vào 1 → 0,25 điểm."

    def test_never_below_zero(self):
        result = score("deduction 0.5", {"count": 9}, 3)
        assert result.points == 0
        assert "không dưới 0" in result.explanation

    def test_per_cent_off(self):
        assert score("deduction 10%", {"count": 2}, 4).points == D("3.2")

    def test_no_occurrence_keeps_the_maximum(self):
        assert score("deduction 1", {"count": 0}, 4).points == 4

    def test_a_negative_count_is_refused(self):
        with pytest.raises(InputError):
            score("deduction 1", {"count": -1}, 4)


class TestChecklist:
    def test_equal_shares(self):
        assert score("checklist: A; B; C", {"ticked": [1, 3]}, 4).points == D("2.67")
        assert score("checklist: A; B; C", {"ticked": [1, 2, 3]}, 4).points == 4

    def test_item_points(self):
        assert score("checklist: A=1; B=2.5", {"ticked": [2]}, "3.5").points == D("2.5")

    def test_items_that_do_not_add_up_are_a_problem(self):
        assert parse_rule("checklist: A=1; B=2").problems_for(D(4))
        assert parse_rule("checklist: A=1; B").problems_for(D(1))

    def test_an_unknown_item_is_refused(self):
        with pytest.raises(InputError):
            score("checklist: A; B", {"ticked": [3]}, 2)


class TestGraded:
    def test_default_levels(self):
        assert score("graded", {"level": "Tốt"}, 2).points == D("1.5")
        assert score("graded", {"level": "Không hoàn thành"}, 2).points == 0

    def test_configured_levels(self):
        rule = "graded: Đạt=100; Đạt một phần=40; Không đạt=0"
        assert score(rule, {"level": "Đạt một phần"}, 5).points == 2

    def test_an_unknown_level_is_refused(self):
        with pytest.raises(InputError):
            score("graded", {"level": "Giỏi"}, 2)


class TestSurvey:
    def test_weighted_answers(self):
        result = score("survey", {"counts": {"A": 60, "B": 30, "C": 10, "D": 0}}, 6)
        # (60×100 + 30×60 + 10×20) / 100 = 80% of 6
        assert result.points == D("4.8")

    def test_no_answers_is_not_applicable(self):
        assert score("survey", {"counts": {"A": 0}}, 6).points is None


class TestParsing:
    @pytest.mark.parametrize(
        "text",
        [
            "manual step=0.25",
            "yes_no",
            "yes_no na",
            "tiers: 100=max; 95=3; 90=1",
            "tiers number: 10=max; 5=1",
            "ratio floor=80 target=50 cap=1.5",
            "ratio",
            "deduction 0.25",
            "deduction 10%",
            "checklist: Kế hoạch; Báo cáo; Quyết định",
            "checklist: A=1; B=2.5",
            "graded: Xuất sắc=100; Tốt=75; Hoàn thành=50; Không hoàn thành=0",
            "survey: A=100; B=60; C=20; D=0",
            "sum",
        ],
    )
    def test_text_round_trips(self, text):
        rule = parse_rule(text)
        assert parse_rule(rule.to_text()) == rule

    def test_comma_decimals_are_accepted(self):
        assert parse_rule("deduction 0,25") == DeductionRule(per_occurrence=D("0.25"))

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "bogus",
            "tiers",
            "tiers: 100=lots",
            "ratio floor=x",
            "deduction",
            "checklist",
            "manual step=0",
            "yes_no maybe",
            "graded: Tốt",
            "tiers: 90=1; 90=2",
        ],
    )
    def test_bad_rules_are_explained(self, text):
        with pytest.raises(RuleError) as error:
            parse_rule(text)
        assert error.value.message.endswith(".")


leaf_rules = st.sampled_from(
    [
        ManualRule(),
        YesNoRule(allows_not_applicable=True),
        parse_rule("tiers: 100=max; 95=3; 90=1"),
        RatioRule(floor_percent=D(80)),
        RatioRule(cap=D("0.5")),
        DeductionRule(per_occurrence=D("0.75")),
        DeductionRule(per_occurrence=D(30), is_percent=True),
        parse_rule("checklist: A; B; C"),
        GradedRule(),
        SurveyRule(),
    ]
)
max_points = st.decimals(min_value=D("0.5"), max_value=D(30), places=2).map(
    lambda value: (value * 4).to_integral_value() / 4 or D("0.25")
)


def inputs_for(rule, draw_numbers):
    numerator, denominator, count, index = draw_numbers
    low, high = sorted((numerator, denominator))
    return {
        "points": D(0),
        "answer": ["yes", "no", "na"][index % 3],
        "numerator": D(low),
        "denominator": D(high),
        "value": D(numerator),
        "count": count,
        "ticked": list(range(1, index % 4 + 1)),
        "level": ["Xuất sắc", "Tốt", "Hoàn thành", "Không hoàn thành"][index % 4],
        "counts": {"A": numerator, "B": denominator, "C": count, "D": index},
    }


@given(
    rule=leaf_rules,
    maximum=max_points,
    numbers=st.tuples(
        st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 500), st.integers(0, 50)
    ),
)
def test_points_always_lie_between_zero_and_the_maximum(rule, maximum, numbers):
    if rule.problems_for(maximum):
        return
    result = rule.score(inputs_for(rule, numbers), maximum)
    if result.points is not None:
        assert D(0) <= result.points <= maximum
        assert result.points == result.points.quantize(D("0.01"))
    assert result.explanation


def test_tiers_rule_builds_from_parameters_too():
    assert isinstance(parse_rule("tiers: 1=1"), TiersRule)
    assert isinstance(parse_rule("checklist: x"), ChecklistRule)
