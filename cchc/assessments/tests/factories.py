"""Rounds for tests, built through the real services."""

import datetime
from typing import Any

from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import round_advance, round_create
from cchc.core.testing import Cast
from cchc.frameworks.tests.factories import make_framework

# A small framework: 2.1 and 2.2 are appraised by the cast's agency (Phòng Tư pháp, H436-TP).
ROUND_FRAMEWORK = """code,parent_code,title,max_points,rule,section,self_scored,evidence_required,agency_code
1,,Chỉ đạo điều hành,3.5,sum,normal,có,không,
1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,có,
1.2,1,Báo cáo định kỳ,1,deduction 0.25,normal,có,không,
2,,Thủ tục hành chính,8.5,sum,normal,có,không,
2.1,2,Hồ sơ đúng hạn,5,tiers: 100=max; 95=3; 90=1,normal,có,không,H436-TP
2.2,2,Xin lỗi khi trễ hạn,3.5,ratio,normal,có,không,H436-TP
"""


def make_round(
    cast: Cast, *, open_it: bool = True, text: str = ROUND_FRAMEWORK, **extra: Any
) -> Round:
    """A round of the city over wards A and B (or `units`), on a framework of its own made
    from `text` (by default the two-area framework above)."""
    framework = make_framework(
        cast.city, text=text, publish=True, name=extra.pop("name", "Bộ chỉ số đợt")
    )
    today = datetime.date(2026, 6, 1)
    round_ = round_create(
        actor=None,
        framework=framework,
        organiser=cast.city,
        period=extra.pop("period", Round.Period.H1),
        year=2026,
        units=extra.pop("units", [cast.ward_a, cast.ward_b]),
        self_assessment_due_on=extra.pop("due", today + datetime.timedelta(days=30)),
        appraisal_due_on=today + datetime.timedelta(days=45),
        appeals_due_on=today + datetime.timedelta(days=60),
        **extra,
    )
    if open_it:
        round_ = round_advance(actor=None, round_=round_)
    return round_


def assessment_of(round_: Round, unit: Any) -> Assessment:
    return Assessment.objects.select_related("round").get(round=round_, org_unit=unit)


FULL_INPUTS = {
    "1.1": {"answer": "yes"},
    "1.2": {"count": "1"},
    "2.1": {"numerator": "17", "denominator": "18"},
    "2.2": {"numerator": "3", "denominator": "4"},
}
