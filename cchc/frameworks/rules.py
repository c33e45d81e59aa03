"""Scoring rules as data: each rule is a typed, validated configuration written in one line of
text (the "rule" column of a framework file), that turns a unit's declared inputs into points
and explains the result in one sentence.

The text form is documented in docs/formats/framework.md, for example::

    manual step=0.25
    yes_no na
    tiers: 100=max; 95=3; 90=1
    ratio floor=80 cap=1.5
    deduction 0.25            deduction 10%
    checklist: Kế hoạch; Báo cáo; Quyết định
    graded: Xuất sắc=100; Tốt=75; Hoàn thành=50; Không hoàn thành=0
    survey: A=100; B=60; C=20; D=0

Rules are pure: no database, no clock. Points are Decimal and rounded once, half-up to two
places (cchc.core.points.round_points).
"""

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.dates import format_count
from cchc.core.points import HUNDRED, ZERO, format_decimal, parse_decimal, round_points


class RuleType(models.TextChoices):
    SUM = "sum", gettext_lazy("Sum of sub-criteria")
    MANUAL = "manual", gettext_lazy("Points entered directly")
    YES_NO = "yes_no", gettext_lazy("Yes / no")
    TIERS = "tiers", gettext_lazy("Tiers")
    RATIO = "ratio", gettext_lazy("Ratio")
    DEDUCTION = "deduction", gettext_lazy("Deduction per occurrence")
    CHECKLIST = "checklist", gettext_lazy("Checklist")
    GRADED = "graded", gettext_lazy("Graded completion")
    SURVEY = "survey", gettext_lazy("Survey, weighted answers")


class RuleError(ValueError):
    """The rule text or its parameters are wrong; message says what to write instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ValueError):
    """The declared inputs do not fit the rule; message says which and why."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class InputField:
    """One thing the unit declares for a rule: what a form shows and what score() reads."""

    name: str
    kind: str  # "decimal", "integer", "choice", "multi"
    label: str
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RuleResult:
    """Points (None when not applicable) and the sentence that explains them."""

    points: Decimal | None
    explanation: str

    @property
    def is_applicable(self) -> bool:
        return self.points is not None


def points_text(value: Decimal) -> str:
    return _("%(points)s points") % {"points": format_decimal(value)}


def percent_text(value: Decimal) -> str:
    return f"{format_decimal(value, 1)}%"


def _number(text: str, what: str) -> Decimal:
    try:
        return parse_decimal(text)
    except ValueError as error:
        raise RuleError(
            _("“%(text)s” is not a number (%(what)s).") % {"text": text, "what": what}
        ) from error


def _clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


# The largest figure a unit declares (a count, a numerator, points): far above any real one,
# and small enough that every sum, product and rounding of it stays exact.
MAX_FIGURE = Decimal("999999999999")
# The most decimal places a declared figure has (a rate of 95,25 %, a sum of money): a tiny
# base such as 0,000…1 / 0,000…1 read as 100 % where 0 / 0 is "not applicable".
MAX_FIGURE_PLACES = 4


def _declared_decimal(data: Mapping[str, Any], name: str, label: str) -> Decimal | None:
    text = _clean_text(data.get(name))
    if text == "":
        return None
    try:
        value = parse_decimal(text)
    except ValueError as error:
        raise InputError(
            _("%(label)s: “%(text)s” is not a number.") % {"label": label, "text": text}, name
        ) from error
    if value < 0:
        raise InputError(_("%(label)s cannot be negative.") % {"label": label}, name)
    if value > MAX_FIGURE:
        raise InputError(
            _("%(label)s: the number is too large (at most %(max)s).")
            % {"label": label, "max": format_count(int(MAX_FIGURE))},
            name,
        )
    # Trailing zeros are no places ("12,000000" from a system's DECIMAL(18,6) is 12).
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_FIGURE_PLACES:
        raise InputError(
            _("%(label)s: at most %(places)s decimal places.")
            % {"label": label, "places": MAX_FIGURE_PLACES},
            name,
        )
    return value


def _declared_count(data: Mapping[str, Any], name: str, label: str) -> int | None:
    value = _declared_decimal(data, name, label)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise InputError(_("%(label)s must be a whole number.") % {"label": label}, name)
    return int(value)


def _require(inputs: Mapping[str, Any], *names: str) -> None:
    missing = [name for name in names if inputs.get(name) is None]
    if missing:
        raise InputError(_("Enter every figure the rule needs."), missing[0])


@dataclass(frozen=True)
class Rule:
    """Base of every rule. Subclasses are frozen dataclasses of their parameters."""

    type: ClassVar[RuleType]

    def to_text(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        """Say in one sentence how the rule scores, for the people who declare figures."""
        raise NotImplementedError

    def problems_for(self, max_points: Decimal) -> list[str]:
        """Return what is wrong with this rule on a criterion worth max_points."""
        return []

    def input_fields(self) -> list[InputField]:
        return []

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Turn submitted form values (strings) into the inputs score() reads."""
        return {}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        raise NotImplementedError

    def is_complete(self, inputs: Mapping[str, Any]) -> bool:
        """Return whether the inputs hold everything score() needs."""
        try:
            self.score(inputs, Decimal("1"))
        except InputError:
            return False
        return True


@dataclass(frozen=True)
class SumRule(Rule):
    type = RuleType.SUM

    def describe(self) -> str:
        return _("Sum of the sub-criteria.")

    def to_text(self) -> str:
        return "sum"


@dataclass(frozen=True)
class ManualRule(Rule):
    type = RuleType.MANUAL
    step: Decimal = Decimal("0.25")

    def describe(self) -> str:
        return _("Points entered directly, in steps of %(step)s.") % {
            "step": format_decimal(self.step)
        }

    def to_text(self) -> str:
        return f"manual step={self.step}"

    def problems_for(self, max_points: Decimal) -> list[str]:
        if self.step <= 0:
            return [_("The step must be greater than zero.")]
        if max_points % self.step != 0:
            return [
                _("The maximum %(max)s is not a multiple of the step %(step)s.")
                % {"max": format_decimal(max_points), "step": format_decimal(self.step)}
            ]
        return []

    def input_fields(self) -> list[InputField]:
        return [InputField("points", "decimal", _("Points"))]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"points": _declared_decimal(data, "points", _("Points"))}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        _require(inputs, "points")
        points = Decimal(inputs["points"])
        if points < 0 or points > max_points:
            raise InputError(
                _("Points must be between 0 and %(max)s.") % {"max": format_decimal(max_points)},
                "points",
            )
        if points % self.step != 0:
            raise InputError(
                _("Points go in steps of %(step)s.") % {"step": format_decimal(self.step)},
                "points",
            )
        return RuleResult(
            points, _("Scored directly: %(points)s.") % {"points": points_text(points)}
        )


@dataclass(frozen=True)
class YesNoRule(Rule):
    type = RuleType.YES_NO
    allows_not_applicable: bool = False

    def describe(self) -> str:
        text = _("Yes earns the maximum, no earns 0.")
        if self.allows_not_applicable:
            text += " " + _("“Not applicable” takes the criterion out of the maximum.")
        return text

    def to_text(self) -> str:
        return "yes_no na" if self.allows_not_applicable else "yes_no"

    def input_fields(self) -> list[InputField]:
        choices = [("yes", _("Yes")), ("no", _("No"))]
        if self.allows_not_applicable:
            choices.append(("na", _("Not applicable")))
        return [InputField("answer", "choice", _("Answer"), tuple(choices))]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        answer = _clean_text(data.get("answer")).lower()
        return {"answer": answer or None}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        _require(inputs, "answer")
        answer = inputs["answer"]
        if answer == "yes":
            return RuleResult(
                max_points, _("Yes → %(points)s.") % {"points": points_text(max_points)}
            )
        if answer == "no":
            return RuleResult(ZERO, _("No → %(points)s.") % {"points": points_text(ZERO)})
        if answer == "na" and self.allows_not_applicable:
            return RuleResult(None, _("Not applicable: the criterion leaves the maximum."))
        raise InputError(_("Choose one of the answers."), "answer")


def _rate_inputs(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "numerator": _declared_decimal(data, "numerator", _("Numerator")),
        "denominator": _declared_decimal(data, "denominator", _("Denominator")),
    }


def _rate(inputs: Mapping[str, Any]) -> tuple[Decimal | None, str]:
    """Return (percentage, "17/18 = 94,4%") or (None, reason) when the denominator is zero."""
    _require(inputs, "numerator", "denominator")
    numerator, denominator = Decimal(inputs["numerator"]), Decimal(inputs["denominator"])
    if numerator < 0 or denominator < 0:
        raise InputError(_("Figures cannot be negative."), "numerator")
    if denominator == 0 and numerator > 0:
        raise InputError(
            _("The denominator is 0 while the numerator is not: check both figures."),
            "denominator",
        )
    if numerator > denominator:
        raise InputError(_("The numerator cannot be larger than the denominator."), "numerator")
    if denominator == 0:
        return None, _("The denominator is 0")
    percent = numerator * HUNDRED / denominator
    shown = f"{format_decimal(numerator)}/{format_decimal(denominator)} = {percent_text(percent)}"
    return percent, shown


@dataclass(frozen=True)
class Tier:
    threshold: Decimal
    points: Decimal | None  # None means "the criterion's maximum"

    def points_for(self, max_points: Decimal) -> Decimal:
        return max_points if self.points is None else self.points


@dataclass(frozen=True)
class TiersRule(Rule):
    """Thresholds, highest first: a value at or above a threshold earns that tier's points."""

    type = RuleType.TIERS
    tiers: tuple[Tier, ...] = ()
    on_number: bool = False  # thresholds on a declared number instead of a percentage

    def describe(self) -> str:
        parts = [
            f"{self._band(index)} → "
            + (_("the maximum") if tier.points is None else format_decimal(tier.points))
            for index, tier in enumerate(self.tiers)
        ]
        lowest = format_decimal(self.tiers[-1].threshold) + ("" if self.on_number else "%")
        return _("By tiers: %(tiers)s; below %(lowest)s → 0.") % {
            "tiers": "; ".join(parts),
            "lowest": lowest,
        }

    def to_text(self) -> str:
        head = "tiers number" if self.on_number else "tiers"
        body = "; ".join(
            f"{tier.threshold}={'max' if tier.points is None else tier.points}"
            for tier in self.tiers
        )
        return f"{head}: {body}"

    def problems_for(self, max_points: Decimal) -> list[str]:
        problems = []
        for tier in self.tiers:
            points = tier.points_for(max_points)
            if points < 0 or points > max_points:
                problems.append(
                    _("Tier %(threshold)s gives %(points)s, outside 0..%(max)s.")
                    % {
                        "threshold": format_decimal(tier.threshold),
                        "points": format_decimal(points),
                        "max": format_decimal(max_points),
                    }
                )
        return problems

    def input_fields(self) -> list[InputField]:
        if self.on_number:
            return [InputField("value", "decimal", _("Declared figure"))]
        return [
            InputField("numerator", "decimal", _("Numerator (achieved)")),
            InputField("denominator", "decimal", _("Denominator (total)")),
        ]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if self.on_number:
            return {"value": _declared_decimal(data, "value", _("Declared figure"))}
        return _rate_inputs(data)

    def _band(self, index: int) -> str:
        unit = "" if self.on_number else "%"
        low = format_decimal(self.tiers[index].threshold)
        if index == 0:
            return f"≥{low}{unit}"
        high = format_decimal(self.tiers[index - 1].threshold)
        return f"{low}–<{high}{unit}"

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        if self.on_number:
            _require(inputs, "value")
            value = Decimal(inputs["value"])
            shown = format_decimal(value)
        else:
            rate, shown = _rate(inputs)
            if rate is None:
                return RuleResult(None, _("%(reason)s: not applicable.") % {"reason": shown})
            value = rate
        for index, tier in enumerate(self.tiers):
            if value >= tier.threshold:
                points = round_points(tier.points_for(max_points))
                return RuleResult(
                    points,
                    _("%(value)s → %(points)s (tier %(band)s).")
                    % {"value": shown, "points": points_text(points), "band": self._band(index)},
                )
        lowest = format_decimal(self.tiers[-1].threshold) + ("" if self.on_number else "%")
        return RuleResult(
            ZERO,
            _("%(value)s → %(points)s (below %(lowest)s).")
            % {"value": shown, "points": points_text(ZERO), "lowest": lowest},
        )


@dataclass(frozen=True)
class RatioRule(Rule):
    """Points = max × achieved/total (relative to a target), with an optional floor and cap."""

    type = RuleType.RATIO
    floor_percent: Decimal | None = None
    target_percent: Decimal = HUNDRED
    cap: Decimal | None = None

    def describe(self) -> str:
        text = _("Maximum × achieved / total")
        if self.target_percent != HUNDRED:
            text += " " + _("(the maximum once %(target)s is reached)") % {
                "target": percent_text(self.target_percent)
            }
        if self.floor_percent is not None:
            text += "; " + _("below %(floor)s → 0") % {"floor": percent_text(self.floor_percent)}
        if self.cap is not None:
            text += "; " + _("at most %(cap)s") % {"cap": format_decimal(self.cap)}
        return text + "."

    def to_text(self) -> str:
        parts = ["ratio"]
        if self.floor_percent is not None:
            parts.append(f"floor={self.floor_percent}")
        if self.target_percent != HUNDRED:
            parts.append(f"target={self.target_percent}")
        if self.cap is not None:
            parts.append(f"cap={self.cap}")
        return " ".join(parts)

    def problems_for(self, max_points: Decimal) -> list[str]:
        problems = []
        if self.cap is not None and not (0 < self.cap <= max_points):
            problems.append(
                _("The cap must be above 0 and at most the maximum %(max)s.")
                % {"max": format_decimal(max_points)}
            )
        if not (0 < self.target_percent <= HUNDRED):
            problems.append(_("The target must be a percentage above 0 and at most 100."))
        if self.floor_percent is not None and not (0 <= self.floor_percent <= HUNDRED):
            problems.append(_("The floor must be a percentage between 0 and 100."))
        return problems

    def input_fields(self) -> list[InputField]:
        return [
            InputField("numerator", "decimal", _("Numerator (achieved)")),
            InputField("denominator", "decimal", _("Denominator (total)")),
        ]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return _rate_inputs(data)

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        percent, shown = _rate(inputs)
        if percent is None:
            return RuleResult(None, _("%(reason)s: not applicable.") % {"reason": shown})
        if self.floor_percent is not None and percent < self.floor_percent:
            return RuleResult(
                ZERO,
                _("%(value)s, below the floor of %(floor)s → %(points)s.")
                % {
                    "value": shown,
                    "floor": percent_text(self.floor_percent),
                    "points": points_text(ZERO),
                },
            )
        share = min(percent / self.target_percent, Decimal(1))
        points = round_points(max_points * share)
        explanation = _("%(value)s × %(max)s → %(points)s.") % {
            "value": shown
            if self.target_percent == HUNDRED
            else f"{shown} / {percent_text(self.target_percent)}",
            "max": format_decimal(max_points),
            "points": points_text(points),
        }
        if self.cap is not None and points > self.cap:
            points = round_points(self.cap)
            explanation = _("%(value)s → capped at %(points)s.") % {
                "value": shown,
                "points": points_text(points),
            }
        return RuleResult(points, explanation)


@dataclass(frozen=True)
class DeductionRule(Rule):
    """Start from the maximum; each occurrence takes points (or a per cent of the maximum) off."""

    type = RuleType.DEDUCTION
    per_occurrence: Decimal = Decimal("0.25")
    is_percent: bool = False

    def describe(self) -> str:
        if self.is_percent:
            return _("%(each)s of the maximum off per occurrence, never below 0.") % {
                "each": percent_text(self.per_occurrence)
            }
        return _("%(each)s points off per occurrence, never below 0.") % {
            "each": format_decimal(self.per_occurrence)
        }

    def to_text(self) -> str:
        return f"deduction {self.per_occurrence}{'%' if self.is_percent else ''}"

    def problems_for(self, max_points: Decimal) -> list[str]:
        if self.per_occurrence <= 0:
            return [_("The deduction per occurrence must be greater than zero.")]
        if self.is_percent and self.per_occurrence > HUNDRED:
            return [_("A deduction in per cent cannot exceed 100%.")]
        return []

    def input_fields(self) -> list[InputField]:
        return [InputField("count", "integer", _("Number of occurrences"))]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"count": _declared_count(data, "count", _("Number of occurrences"))}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        _require(inputs, "count")
        count = int(inputs["count"])
        if count < 0:
            raise InputError(_("The number of occurrences cannot be negative."), "count")
        each = (
            max_points * self.per_occurrence / HUNDRED if self.is_percent else self.per_occurrence
        )
        taken = each * count
        points = round_points(max(max_points - taken, ZERO))
        values = {
            "count": count,
            "each": format_decimal(each),
            "taken": format_decimal(taken),
            "max": format_decimal(max_points),
            "points": points_text(points),
        }
        if taken > max_points:
            sentence = _(
                "%(count)s × %(each)s = %(taken)s off %(max)s → %(points)s (never below zero)."
            )
        else:
            sentence = _("%(count)s × %(each)s = %(taken)s off %(max)s → %(points)s.")
        return RuleResult(points, sentence % values)


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    points: Decimal | None = None


@dataclass(frozen=True)
class ChecklistRule(Rule):
    """Each ticked item earns its points, or an equal share of the maximum."""

    type = RuleType.CHECKLIST
    items: tuple[ChecklistItem, ...] = ()

    def describe(self) -> str:
        items = "; ".join(
            item.label if item.points is None else f"{item.label} ({format_decimal(item.points)})"
            for item in self.items
        )
        return _("Each item done earns its share: %(items)s.") % {"items": items}

    def to_text(self) -> str:
        return "checklist: " + "; ".join(
            item.label if item.points is None else f"{item.label}={item.points}"
            for item in self.items
        )

    def problems_for(self, max_points: Decimal) -> list[str]:
        weighted = [item for item in self.items if item.points is not None]
        if weighted and len(weighted) != len(self.items):
            return [_("Give points to every checklist item or to none.")]
        total = sum((item.points or ZERO for item in weighted), ZERO)
        if weighted and total != max_points:
            return [
                _("The checklist items add up to %(total)s, not the maximum %(max)s.")
                % {"total": format_decimal(total), "max": format_decimal(max_points)}
            ]
        return []

    def input_fields(self) -> list[InputField]:
        choices = tuple((str(number), item.label) for number, item in enumerate(self.items, 1))
        return [InputField("ticked", "multi", _("Items done"), choices)]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        raw = data.get("ticked", [])
        values = raw if isinstance(raw, list | tuple) else [raw]
        ticked = []
        for value in values:
            text = str(value).strip()
            if not text:
                continue
            if not text.isdigit() or not 1 <= int(text) <= len(self.items):
                raise InputError(_("Tick only items of the list."), "ticked")
            ticked.append(int(text))
        return {"ticked": sorted(set(ticked))}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        ticked = inputs.get("ticked")
        if ticked is None:
            raise InputError(_("Enter every figure the rule needs."), "ticked")
        if any(not 1 <= number <= len(self.items) for number in ticked):
            raise InputError(_("Tick only items of the list."), "ticked")
        chosen = set(ticked)
        if all(item.points is not None for item in self.items):
            earned = sum(
                (item.points or ZERO for n, item in enumerate(self.items, 1) if n in chosen), ZERO
            )
        else:
            earned = max_points * len(chosen) / len(self.items)
        points = round_points(earned)
        return RuleResult(
            points,
            _("%(done)s of %(total)s items done → %(points)s.")
            % {"done": len(chosen), "total": len(self.items), "points": points_text(points)},
        )


@dataclass(frozen=True)
class Level:
    label: str
    percent: Decimal


DEFAULT_LEVELS = (
    Level("Xuất sắc", Decimal(100)),
    Level("Tốt", Decimal(75)),
    Level("Hoàn thành", Decimal(50)),
    Level("Không hoàn thành", Decimal(0)),
)
DEFAULT_SURVEY_WEIGHTS = (
    Level("A", Decimal(100)),
    Level("B", Decimal(60)),
    Level("C", Decimal(20)),
    Level("D", Decimal(0)),
)


def _levels_text(levels: Sequence[Level]) -> str:
    return "; ".join(f"{level.label}={level.percent}" for level in levels)


def _levels_problems(levels: Sequence[Level]) -> list[str]:
    problems = []
    labels = [level.label for level in levels]
    if len(set(labels)) != len(labels):
        problems.append(_("Each level needs its own name."))
    if any(not 0 <= level.percent <= HUNDRED for level in levels):
        problems.append(_("Each level's per cent must be between 0 and 100."))
    return problems


@dataclass(frozen=True)
class GradedRule(Rule):
    """A level of completion earns its per cent of the maximum."""

    type = RuleType.GRADED
    levels: tuple[Level, ...] = DEFAULT_LEVELS

    def describe(self) -> str:
        levels = "; ".join(f"{level.label} {percent_text(level.percent)}" for level in self.levels)
        return _("By level of completion, as a share of the maximum: %(levels)s.") % {
            "levels": levels
        }

    def to_text(self) -> str:
        return f"graded: {_levels_text(self.levels)}"

    def problems_for(self, max_points: Decimal) -> list[str]:
        return _levels_problems(self.levels)

    def input_fields(self) -> list[InputField]:
        choices = tuple(
            (level.label, f"{level.label} ({percent_text(level.percent)})") for level in self.levels
        )
        return [InputField("level", "choice", _("Level of completion"), choices)]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"level": _clean_text(data.get("level")) or None}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        _require(inputs, "level")
        for level in self.levels:
            if level.label == inputs["level"]:
                points = round_points(max_points * level.percent / HUNDRED)
                return RuleResult(
                    points,
                    _("Level “%(level)s” (%(percent)s) → %(points)s.")
                    % {
                        "level": level.label,
                        "percent": percent_text(level.percent),
                        "points": points_text(points),
                    },
                )
        raise InputError(_("Choose one of the levels."), "level")


@dataclass(frozen=True)
class SurveyRule(Rule):
    """Answers A/B/C/D counted, each weighted; points = max × the weighted share."""

    type = RuleType.SURVEY
    weights: tuple[Level, ...] = DEFAULT_SURVEY_WEIGHTS

    def describe(self) -> str:
        weights = "; ".join(
            f"{level.label} {percent_text(level.percent)}" for level in self.weights
        )
        return _("Survey answers, weighted: %(weights)s.") % {"weights": weights}

    def to_text(self) -> str:
        return f"survey: {_levels_text(self.weights)}"

    def problems_for(self, max_points: Decimal) -> list[str]:
        return _levels_problems(self.weights)

    def input_fields(self) -> list[InputField]:
        return [
            InputField(
                f"count_{level.label}",
                "integer",
                _("Answers “%(option)s”") % {"option": level.label},
            )
            for level in self.weights
        ]

    def parse_inputs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        counts = {}
        for level in self.weights:
            label = _("Answers “%(option)s”") % {"option": level.label}
            counts[level.label] = _declared_count(data, f"count_{level.label}", label)
        if all(count is None for count in counts.values()):
            return {"counts": None}
        return {"counts": {label: count or 0 for label, count in counts.items()}}

    def score(self, inputs: Mapping[str, Any], max_points: Decimal) -> RuleResult:
        _require(inputs, "counts")
        counts: Mapping[str, int] = inputs["counts"]
        if any(label not in {level.label for level in self.weights} for label in counts):
            raise InputError(_("Count only the answers of the survey."), "counts")
        if any(count < 0 for count in counts.values()):
            raise InputError(_("Figures cannot be negative."), "counts")
        total = sum(counts.values())
        if total == 0:
            return RuleResult(None, _("No answers: not applicable."))
        weighted = sum(
            (Decimal(counts.get(level.label, 0)) * level.percent for level in self.weights), ZERO
        ) / Decimal(total)
        points = round_points(max_points * weighted / HUNDRED)
        shares = ", ".join(
            f"{level.label} {percent_text(Decimal(counts.get(level.label, 0)) * HUNDRED / total)}"
            for level in self.weights
        )
        return RuleResult(
            points,
            _("%(shares)s → %(weighted)s × %(max)s → %(points)s.")
            % {
                "shares": shares,
                "weighted": percent_text(weighted),
                "max": format_decimal(max_points),
                "points": points_text(points),
            },
        )


# --- Parsing the text form -------------------------------------------------------------------

RULE_ALIASES = {
    "sum": RuleType.SUM,
    "sum(children)": RuleType.SUM,
    "manual": RuleType.MANUAL,
    "yes_no": RuleType.YES_NO,
    "yesno": RuleType.YES_NO,
    "tiers": RuleType.TIERS,
    "ratio": RuleType.RATIO,
    "deduction": RuleType.DEDUCTION,
    "checklist": RuleType.CHECKLIST,
    "graded": RuleType.GRADED,
    "survey": RuleType.SURVEY,
    "survey_weighted": RuleType.SURVEY,
}
HEAD = re.compile(r"^\s*([a-z_()]+)\s*(.*)$", re.DOTALL | re.IGNORECASE)


@dataclass
class _Parts:
    options: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    items: list[tuple[str, str | None]] = field(default_factory=list)
    has_list: bool = False


def _split(rest: str) -> _Parts:
    parts = _Parts()
    options_text, colon, list_text = rest.partition(":")
    for token in options_text.split():
        key, equals, value = token.partition("=")
        if equals:
            parts.options[key.lower()] = value
        else:
            parts.flags.add(key.lower())
    if colon:
        parts.has_list = True
        for raw in list_text.split(";"):
            entry = raw.strip()
            if not entry:
                continue
            label, equals, value = entry.rpartition("=") if "=" in entry else (entry, "", "")
            parts.items.append((label.strip(), value.strip() if equals else None))
    return parts


def _refuse_unknown(
    parts: _Parts, options: frozenset[str] = frozenset(), flags: frozenset[str] = frozenset()
) -> None:
    unknown = (set(parts.options) - options) | (parts.flags - flags)
    if unknown:
        raise RuleError(
            _("Unknown option “%(option)s” for this rule.") % {"option": sorted(unknown)[0]}
        )


def _levels(parts: _Parts, default: tuple[Level, ...], what: str) -> tuple[Level, ...]:
    if not parts.items:
        return default
    levels = []
    for label, value in parts.items:
        if value is None or not label:
            raise RuleError(_("Write each %(what)s as name=per cent.") % {"what": what})
        levels.append(Level(label, _number(value.rstrip("%"), what)))
    return tuple(levels)


@functools.lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """Parse the text form of a rule; raise RuleError with a message a user can act on.

    Rules are frozen, so one parsed rule serves every criterion with the same text (a page of
    150 criteria asks for each rule several times)."""
    match = HEAD.match((text or "").strip())
    if not match or not match.group(1):
        raise RuleError(
            _("The rule is empty; write for example “yes_no” or “tiers: 100=max; 90=1”.")
        )
    keyword = match.group(1).lower()
    rule_type = RULE_ALIASES.get(keyword)
    if rule_type is None:
        raise RuleError(
            _("Unknown rule “%(rule)s”; use one of: %(choices)s.")
            % {"rule": keyword, "choices": ", ".join(RuleType.values)}
        )
    parts = _split(match.group(2))
    if rule_type == RuleType.SUM:
        return SumRule()
    if rule_type == RuleType.MANUAL:
        _refuse_unknown(parts, options=frozenset({"step"}))
        step = _number(parts.options.get("step", "0.25"), _("step"))
        if step <= 0:
            raise RuleError(_("The step must be greater than zero."))
        return ManualRule(step=step)
    if rule_type == RuleType.YES_NO:
        _refuse_unknown(parts, flags=frozenset({"na"}))
        return YesNoRule(allows_not_applicable="na" in parts.flags)
    if rule_type == RuleType.TIERS:
        _refuse_unknown(parts, flags=frozenset({"number", "percent"}))
        if not parts.items:
            raise RuleError(_("List the tiers after a colon, e.g. “tiers: 100=max; 95=3; 90=1”."))
        tiers = []
        for label, value in parts.items:
            if value is None:
                raise RuleError(_("Write each tier as threshold=points, e.g. 95=3."))
            threshold = _number(label.rstrip("%"), _("threshold"))
            points = None if value.lower() == "max" else _number(value, _("points"))
            tiers.append(Tier(threshold, points))
        thresholds = [tier.threshold for tier in tiers]
        if len(set(thresholds)) != len(thresholds):
            raise RuleError(_("Two tiers have the same threshold."))
        return TiersRule(
            tiers=tuple(sorted(tiers, key=lambda tier: tier.threshold, reverse=True)),
            on_number="number" in parts.flags,
        )
    if rule_type == RuleType.RATIO:
        _refuse_unknown(parts, options=frozenset({"floor", "target", "cap"}))
        floor = parts.options.get("floor")
        cap = parts.options.get("cap")
        return RatioRule(
            floor_percent=_number(floor.rstrip("%"), _("floor")) if floor else None,
            target_percent=_number(parts.options.get("target", "100").rstrip("%"), _("target")),
            cap=_number(cap, _("cap")) if cap else None,
        )
    if rule_type == RuleType.DEDUCTION:
        amounts = list(parts.flags)
        if len(amounts) != 1 or parts.options or parts.items:
            raise RuleError(_("Write the deduction as “deduction 0.25” or “deduction 10%”."))
        amount = amounts[0]
        is_percent = amount.endswith("%")
        return DeductionRule(
            per_occurrence=_number(amount.rstrip("%"), _("deduction")), is_percent=is_percent
        )
    if rule_type == RuleType.CHECKLIST:
        _refuse_unknown(parts)
        if not parts.items:
            raise RuleError(_("List the checklist items after a colon, separated by “;”."))
        items = tuple(
            ChecklistItem(label, _number(value, _("points")) if value is not None else None)
            for label, value in parts.items
        )
        return ChecklistRule(items=items)
    if rule_type == RuleType.GRADED:
        _refuse_unknown(parts)
        return GradedRule(levels=_levels(parts, DEFAULT_LEVELS, _("level")))
    _refuse_unknown(parts)
    return SurveyRule(weights=_levels(parts, DEFAULT_SURVEY_WEIGHTS, _("answer")))
