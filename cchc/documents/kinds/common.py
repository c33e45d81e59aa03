"""What every builder shares: the bodies' names, the place, Vietnamese numbers and dates."""

import datetime
from decimal import Decimal
from typing import TypedDict

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


class Bodies(TypedDict):
    parent_body: str
    issuer_body: str


def committee_bodies(unit: OrgUnit) -> Bodies:
    """The masthead of a document a People's Committee issues: its name in full, and no
    governing body (cơ quan chủ quản) above it. A People's Committee is an organ of local
    government, not a body under another (Decree 30/2020, Annex I: the governing body's line is
    for a body that has one, such as a committee's office or a team the committee formed); it
    read "UBND TỈNH HÀ TĨNH" above "ỦY BAN NHÂN DÂN / THÀNH PHỐ HÀ TĨNH"."""
    return Bodies(parent_body="", issuer_body=issuing_committee(unit))


def chair_authority(unit: OrgUnit) -> str:
    """ "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH": the authority of a decision its Chairman
    issues, printed (caps, bold, centred) between the subject and the legal bases (Decree
    30/2020, Annex I, Mẫu 1.2: "THẨM QUYỀN BAN HÀNH")."""
    return f"CHỦ TỊCH ỦY BAN NHÂN DÂN {unit.name.upper()}"


# The law on the organisation of local government, each from the day it took effect: a
# decision cites the one in force on its date (the 2015 law was replaced in 2025, twice).
LOCAL_GOVERNMENT_LAWS = [
    (
        datetime.date(2016, 1, 1),
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    ),
    (
        datetime.date(2020, 7, 1),
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, "
        "bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
        "ngày 22 tháng 11 năm 2019;",
    ),
    (
        datetime.date(2025, 3, 1),
        "Căn cứ Luật Tổ chức chính quyền địa phương số 65/2025/QH15 ngày 19 tháng 02 năm 2025;",
    ),
    (
        datetime.date(2025, 6, 16),
        "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;",
    ),
]


def local_government_law(on: datetime.date) -> str:
    """The legal basis "Căn cứ Luật Tổ chức chính quyền địa phương …;" in force on `on`."""
    in_force = [basis for start, basis in LOCAL_GOVERNMENT_LAWS if start <= on]
    return in_force[-1] if in_force else LOCAL_GOVERNMENT_LAWS[0][1]


def place_of(unit: OrgUnit) -> str:
    """ "Hà Tĩnh" for "Thành phố Hà Tĩnh": the place name written before the date."""
    for prefix in PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def points(value: Decimal | str | None, places: int | None = None) -> str:
    """ "85,25"; with `places`, a table column's "78,60" under "85,36" """
    if value is None or value == "":
        return ""
    return format_points(Decimal(str(value)), places)


def percent(value: Decimal | str | None, places: int | None = None) -> str:
    return f"{points(value, places)}%" if value not in (None, "") else ""


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
    """ "kiểm tra …" from "Kiểm tra …": a phrase continued inside a sentence (after a colon, no
    capital). Only a capital followed by a small letter is lowered: "UBND …" stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def clause(text: str) -> str:
    """A sentence's text made a clause of a longer one: its own final stop or semicolon
    dropped ("…cho công chức kiêm nhiệm. — Xã Thạch Hạ" read a dash after a full stop)."""
    return text.strip().rstrip(" ;.")


def closed(items: list[str]) -> list[str]:
    """The items of an enumeration, each ending ";" but the last, which ends "." (Decree
    30/2020 style: the list closes the sentence)."""
    items = [clause(item) + ";" for item in items]
    if items:
        items[-1] = items[-1][:-1] + "."
    return items


def numbered(items: list[str]) -> list[Block]:
    return [Block("paragraph", text=f"{index}. {text}") for index, text in enumerate(items, 1)]
