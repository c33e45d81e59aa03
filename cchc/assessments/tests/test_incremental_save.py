"""A save scores the changed criterion and its ancestors only (issue 18, item 6): whatever the
framework (groups within groups, criteria a unit does not score, not applicable answers,
bonus and penalty sections capped at their maximum, a criterion at the top) and whatever the
sequence of saves, the totals stored are those a full scoring of the tree gives."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from cchc.assessments.engine import load_tree, refresh_totals
from cchc.assessments.models import Assessment, Score
from cchc.assessments.services import score_save
from cchc.assessments.tests.factories import make_round
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion

HEADER = "code,parent_code,title,max_points,rule,section,self_scored,evidence_required\n"
LEAF_MAXIMA = ("1", "2", "2.5")


@st.composite
def frameworks(draw):
    """A framework file: normal areas (leaves, or groups of leaves), maybe a criterion at the
    top, maybe a bonus and a penalty section whose maximum caps what their criteria add."""
    lines = []

    def leaf(code, parent, section):
        maximum = draw(st.sampled_from(LEAF_MAXIMA))
        rule = draw(st.sampled_from(("yes_no na", "manual step=0.5")))
        scored = "không" if draw(st.integers(0, 5)) == 0 else "có"
        lines.append(f"{code},{parent},Tiêu chí {code},{maximum},{rule},{section},{scored},không")
        return Decimal(maximum)

    def group(code, parent, depth, section="normal", cap=None):
        total = Decimal(0)
        rows_at = len(lines)
        for n in range(1, draw(st.integers(1, 3)) + 1):
            if depth < 2 and draw(st.booleans()):
                total += group(f"{code}.{n}", code, depth + 1, section)
            else:
                total += leaf(f"{code}.{n}", code, section)
        maximum = cap if cap is not None else total
        lines.insert(rows_at, f"{code},{parent},Nhóm {code},{maximum},sum,{section},có,không")
        return total

    for area in range(1, draw(st.integers(1, 3)) + 1):
        group(str(area), "", 0)
    if draw(st.booleans()):
        leaf("9", "", "normal")
    if draw(st.booleans()):
        group("TH", "", 1, "bonus", cap=draw(st.sampled_from(("1", "1.5", "10"))))
    if draw(st.booleans()):
        group("PT", "", 1, "penalty", cap=draw(st.sampled_from(("0.5", "2", "10"))))
    return HEADER + "\n".join(lines) + "\n"


def answer(criterion: Criterion, choice: int) -> dict[str, str]:
    """One of the answers a leaf takes (clearing it included)."""
    if criterion.rule_text.startswith("yes_no"):
        return {"answer": ("yes", "no", "na", "")[choice % 4]}
    steps = int(criterion.max_points / Decimal("0.5")) + 2
    pick = choice % steps
    return {"points": "" if pick == steps - 1 else str(Decimal("0.5") * pick)}


def full_scoring(assessment: Assessment) -> Assessment:
    """What a full scoring of the stored scores gives, without storing it."""
    expected = Assessment.objects.select_related("round").get(pk=assessment.pk)
    expected.save = lambda **kwargs: None  # type: ignore[method-assign]
    return refresh_totals(expected, load_tree(expected))


def figures(assessment: Assessment) -> dict[str, object]:
    areas = {
        pk: (Decimal(entry["s"]), Decimal(entry["sm"]))
        for pk, entry in (assessment.area_totals or {}).items()
    }
    return {
        "self_points": Decimal(assessment.self_points),
        "self_max": Decimal(assessment.self_max),
        "declared_count": assessment.declared_count,
        "leaf_count": assessment.leaf_count,
        "all_leaf_count": assessment.all_leaf_count,
        "appraised_count": assessment.appraised_count,
        "areas": areas,
    }


class IncrementalSaveEqualsFullScoringTests(HypothesisTestCase, BaseTestCase):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        frameworks(),
        st.lists(
            st.tuples(st.integers(0, 99), st.integers(0, 99), st.booleans()),
            min_size=1,
            max_size=12,
        ),
    )
    def test_the_totals_stored_after_each_save_are_a_full_scorings(self, text, saves):
        round_ = make_round(self.cast, text=text, units=[self.cast.ward_a])
        held = Assessment.objects.select_related("round", "org_unit").get(round=round_)
        leaves = list(
            Criterion.objects.filter(
                framework=round_.framework, children__isnull=True, is_self_scored=True
            ).order_by("order")
        )
        if not leaves:
            return
        incremental = 0
        for which, choice, fresh in saves:
            criterion = leaves[which % len(leaves)]
            # As the page does (the row as read, its version) or as a caller holding an
            # assessment read earlier (someone saved since: the whole tree is scored).
            assessment = (
                Assessment.objects.select_related("round", "org_unit").get(pk=held.pk)
                if fresh
                else held
            )
            score = Score.objects.filter(assessment=assessment, criterion=criterion).first()
            _score, saved = score_save(
                actor=None,
                assessment=assessment,
                criterion=criterion.pk if fresh else criterion,
                data=answer(criterion, choice),
                expected_version=version_token(score) if score else "",
            )
            incremental += saved.incremental
            stored = Assessment.objects.get(pk=held.pk)
            assert figures(stored) == figures(full_scoring(stored)), text
            assert figures(saved.assessment) == figures(stored)
        # The first save of a new round scores the whole tree; a fresh read saves incrementally.
        assert incremental or not any(fresh for _w, _c, fresh in saves[1:])
