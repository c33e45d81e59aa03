"""What every builder shares: the bodies' names, the place, Vietnamese numbers and dates."""

import datetime
from decimal import Decimal

from cchc.core.dates import format_points, short_date
from cchc.documents.content import Block
from cchc.documents.models import IssuedDocument, Kind
from cchc.inspections.models import Inspection, Topic
from cchc.orgunits.models import OrgUnit

PREFIXES = ("Thành phố ", "Thị xã ", "Tỉnh ", "Quận ", "Huyện ", "Phường ", "Xã ", "Thị trấn ")
# The consolidated visit covers these, in the order the article names them.
TOPIC_TITLES = {
    Topic.CCHC: "Công tác cải cách hành chính",
    Topic.TTHC: "Công tác kiểm soát thủ tục hành chính, hoạt động của Bộ phận một cửa",
    Topic.ISO: "Duy trì, áp dụng Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015",
    Topic.DIRECTIVES: "Thực hiện ý kiến chỉ đạo",
}
# The same topics inside a sentence: "kiểm tra công tác cải cách hành chính, … và …".
TOPIC_PHRASES = {
    Topic.CCHC: "công tác cải cách hành chính",
    Topic.TTHC: "công tác kiểm soát thủ tục hành chính",
    Topic.ISO: "duy trì Hệ thống quản lý chất lượng TCVN ISO 9001:2015",
    Topic.DIRECTIVES: "thực hiện ý kiến chỉ đạo",
}
VERDICT_COLUMNS = ["Đạt", "Đạt một phần", "Không đạt", "Không áp dụng"]


def committee(unit: OrgUnit | None) -> str:
    """ "UBND THÀNH PHỐ HÀ TĨNH" for the unit's People's Committee ("" for none): the governing
    body's name, which may be abbreviated."""
    return f"UBND {unit.name.upper()}" if unit is not None else ""


NO_BREAK = "\u00a0"
# The longest place name (in capitals, bold, 13 pt) that fits on one line of the masthead's
# left column (65 mm less its cells' margins); a longer one may break where it must.
ONE_LINE = 22


def issuing_committee(unit: OrgUnit) -> str:
    """ "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH": the issuing body's name, written in full (Decree
    30/2020, Annex I abbreviates only the governing body's), set on two lines as such documents
    are, "ỦY BAN NHÂN DÂN" above "THÀNH PHỐ HÀ TĨNH": no-break spaces inside each part leave
    the space between them the only place to break (in the DOCX as in the PDF)."""
    place = unit.name.upper()
    if len(place) <= ONE_LINE:
        place = place.replace(" ", NO_BREAK)
    return f"{'ỦY BAN NHÂN DÂN'.replace(' ', NO_BREAK)} {place}"


def place_of(unit: OrgUnit) -> str:
    """ "Hà Tĩnh" for "Thành phố Hà Tĩnh": the place name written before the date."""
    for prefix in PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def points(value: Decimal | str | None) -> str:
    """ "85,25" """
    if value is None or value == "":
        return ""
    return format_points(Decimal(str(value)))


def percent(value: Decimal | str | None) -> str:
    return f"{points(value)}%" if value not in (None, "") else ""


def day(value: datetime.date | None) -> str:
    return short_date(value)


def topics_phrase(topics: list[str]) -> str:
    """ "công tác cải cách hành chính, kiểm soát thủ tục hành chính và …", in topic order."""
    phrases = [TOPIC_PHRASES[Topic(t)] for t in Topic.values if t in topics]
    if len(phrases) < 2:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " và " + phrases[-1]


def team_decision_of(inspection: Inspection) -> tuple[str, datetime.date | None]:
    """The number and date of the decision forming the visit's team, as documents cite it:
    the decision issued from the register when there is one (the current one, not one it
    replaced), else the decision typed on the visit's page (issued outside CCHC), else ""."""
    issued = (
        IssuedDocument.objects.filter(
            inspection=inspection, kind=Kind.TEAM_DECISION, replaced_by__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if issued is not None:
        return issued.reference, issued.issued_on
    return inspection.decision_number, inspection.decision_date


def inspection_subject(inspection: Inspection) -> str:
    return (
        f"Kiểm tra {topics_phrase(inspection.topics)} năm {inspection.plan.year} "
        f"tại UBND {in_text(inspection.org_unit)}"
    )


def in_text(unit: OrgUnit) -> str:
    """ "phường Trần Phú" for "Phường Trần Phú": a unit's name inside a sentence, after "UBND",
    its level in lower case as documents write it ("UBND thành phố Hà Tĩnh")."""
    for prefix in PREFIXES:
        if unit.name.startswith(prefix):
            return prefix.lower() + unit.name[len(prefix) :]
    return unit.name


def lower_first(text: str) -> str:
    """ "kiểm tra …" from "Kiểm tra …": a phrase continued inside a sentence."""
    return text[:1].lower() + text[1:]


def numbered(items: list[str]) -> list[Block]:
    return [Block("paragraph", text=f"{index}. {text}") for index, text in enumerate(items, 1)]
