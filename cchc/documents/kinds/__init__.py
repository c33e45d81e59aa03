"""The kinds of document, one folder each (a builder and its default Word template): what
each is built from, its number's symbol, and who issues it."""

from collections.abc import Callable
from dataclasses import dataclass

from cchc.documents.content import Document
from cchc.documents.kinds import (
    conclusion_notice,
    inspection_plan,
    ranking_announcement,
    result_report,
    self_assessment_report,
    team_decision,
)
from cchc.documents.models import Kind


@dataclass(frozen=True)
class KindInfo:
    kind: Kind
    symbol: str
    target: str  # what it is built from: "inspection", "plan", "round" or "assessment"
    build: Callable[..., Document]
    # The builder takes `issued_on`, the date the document will carry (what it cites depends
    # on it: the law in force that day).
    dated: bool = False


KINDS: dict[str, KindInfo] = {
    info.kind: info
    for info in [
        KindInfo(
            Kind.TEAM_DECISION, team_decision.SYMBOL, "inspection", team_decision.build, dated=True
        ),
        KindInfo(Kind.INSPECTION_PLAN, inspection_plan.SYMBOL, "plan", inspection_plan.build),
        KindInfo(
            Kind.CONCLUSION_NOTICE, conclusion_notice.SYMBOL, "inspection", conclusion_notice.build
        ),
        KindInfo(Kind.RESULT_REPORT, result_report.SYMBOL, "plan", result_report.build),
        KindInfo(
            Kind.SELF_ASSESSMENT_REPORT,
            self_assessment_report.SYMBOL,
            "assessment",
            self_assessment_report.build,
        ),
        KindInfo(
            Kind.RANKING_ANNOUNCEMENT,
            ranking_announcement.SYMBOL,
            "round",
            ranking_announcement.build,
        ),
    ]
}


def kind_info(kind: str) -> KindInfo:
    return KINDS[Kind(kind)]


__all__ = ["KINDS", "KindInfo", "kind_info"]
