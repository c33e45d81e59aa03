"""Where each unit stands in a round: not started, in progress, submitted, returned or
appraised, with the days to its deadline or the days it is late. One query for any number of
units (the counts it needs are stored on each assessment by every save)."""

import datetime
from dataclasses import dataclass, field

from cchc.assessments.models import STAGE_LABELS, STAGES, Assessment, Round

# In the order a unit goes through them (one list: Assessment.stage); the palette keys follow
# the assessment badges.
STATES = STAGES
STATE_LABELS = STAGE_LABELS


@dataclass
class ProgressRow:
    assessment: Assessment
    state: str
    days_left: int | None  # while the unit still has to submit in an open round

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def is_late(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass
class RoundProgress:
    round: Round
    rows: list[ProgressRow] = field(default_factory=list)

    def counts(self) -> list[tuple[str, str, int]]:
        """(state, label, units) for every state, in order, zeros included."""
        tally = {state: 0 for state, _label in STATES}
        for row in self.rows:
            tally[row.state] += 1
        return [(state, str(label), tally[state]) for state, label in STATES]

    @property
    def late(self) -> int:
        return sum(1 for row in self.rows if row.is_late)

    @property
    def to_remind(self) -> list[ProgressRow]:
        return [row for row in self.rows if row.days_left is not None]


def state_of(assessment: Assessment) -> str:
    return assessment.stage


def round_progress(
    round_: Round, *, unit_ids: set[int] | None = None, today: datetime.date
) -> RoundProgress:
    """Late units first, then by the days left, then by name."""
    assessments = round_.assessments.select_related("org_unit").defer("area_totals")
    if unit_ids is not None:
        assessments = assessments.filter(org_unit_id__in=unit_ids)
    progress = RoundProgress(round=round_)
    is_open = round_.status == Round.Status.OPEN
    for assessment in assessments:
        waiting = is_open and assessment.status != Assessment.Status.SUBMITTED
        progress.rows.append(
            ProgressRow(
                assessment=assessment,
                state=state_of(assessment),
                days_left=assessment.days_left(today) if waiting else None,
            )
        )
    progress.rows.sort(
        key=lambda row: (
            row.days_left is None,
            row.days_left if row.days_left is not None else 0,
            row.assessment.org_unit.sort_order,
            row.assessment.org_unit.name,
        )
    )
    return progress
