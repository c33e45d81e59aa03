"""What a document says, independent of its format: the Decree 30/2020 frame (issuing body,
number, place and date, type, subject, legal bases, signature, recipients) and a body of
blocks. Builders (kinds/<kind>/) fill it from the records; docx.py renders it through the
Word template of its kind, html.py/pdf.py through the HTML template, so DOCX, preview and PDF
say the same thing."""

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cchc.core.dates import document_date_line


def gettext_noop(message: str) -> str:
    """Marks a message for translation (content.py imports nothing of Django: it is loaded
    where uploaded templates render)."""
    return message


BlockKind = Literal["heading", "subheading", "paragraph", "centred", "bullets", "table"]


@dataclass
class Block:
    """One piece of the body.

    - heading: "I. KẾT QUẢ KIỂM TRA" (caps, bold); subheading: "1. Công tác CCHC" (bold);
    - paragraph: justified text, first-line indent;
    - centred: a line centred, no indent, bold when `bold` ("QUYẾT ĐỊNH:" before a decision's
      articles, "Kính gửi: …" of a report);
    - bullets: items each written "- …" (or "a) …" when the text already starts so);
    - table: columns (header row), rows of cells (text), optional widths in cm (sum ≤ 16),
      optional total row (bold), numeric columns right-aligned (indexes in align_right).
    """

    kind: BlockKind
    text: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    total: list[str] = field(default_factory=list)
    align_right: list[int] = field(default_factory=list)
    bold: bool = False

    @property
    def column_mm(self) -> list[int]:
        """A table's column widths in whole millimetres, as the preview and the PDF set them
        (no inline style: a class each); empty when the block gives none for every column."""
        columns = len(self.columns) or max((len(r) for r in [*self.rows, self.total]), default=0)
        if len(self.widths) != columns:
            return []
        return [round(width * 10) for width in self.widths]

    @property
    def width_mm(self) -> int:
        """The table's width, as Word sets it (fill.py): its columns', else 16 cm."""
        return sum(self.column_mm) or 160


@dataclass
class Document:
    kind: str
    parent_body: str  # cơ quan chủ quản, caps: "UBND THÀNH PHỐ HÀ TĨNH" ("" when none)
    issuer_body: str  # cơ quan ban hành, caps, bold: "ĐOÀN KIỂM TRA"
    symbol: str  # "TB-ĐKT": the number is written "Số: 12/TB-ĐKT"
    number: int | None  # None until issued: "Số:      /TB-ĐKT"
    place: str  # "Hà Tĩnh"
    date: datetime.date | None  # None until issued: "ngày    tháng    năm 2026"
    year: int
    doc_type: str  # caps: "THÔNG BÁO"
    subject: str  # trích yếu: "Kết luận kiểm tra … tại Phường Trần Phú"
    # thẩm quyền ban hành, caps, bold, centred before the bases: a decision's, "CHỦ TỊCH ỦY BAN
    # NHÂN DÂN THÀNH PHỐ HÀ TĨNH" ("" for the other kinds)
    authority: str = ""
    bases: list[str] = field(default_factory=list)  # "Căn cứ …;" — the last ends with "."
    blocks: list[Block] = field(default_factory=list)
    sign_authority: str = ""  # "TM. ĐOÀN KIỂM TRA" ("" when the signer signs in their own name)
    sign_title: str = ""  # "TRƯỞNG ĐOÀN"
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)  # "- UBND phường …;" … "- Lưu: VT, …."
    title: str = ""  # a short title for lists and file names

    @property
    def reference(self) -> str:
        """ "12/TB-ĐKT"; numbers below 10 get a leading 0 (Decree 30, Annex I)."""
        number = f"{self.number:02d}" if self.number is not None else "\u00a0" * 6
        return f"{number}/{self.symbol}"

    @property
    def date_line(self) -> str:
        """ "Hà Tĩnh, ngày 05 tháng 01 năm 2026", with blanks for a draft."""
        if self.date is None:
            blank = "\u00a0" * 4
            return f"{self.place}, ngày{blank} tháng{blank} năm {self.year}"
        return document_date_line(self.place, self.date)

    @property
    def is_draft(self) -> bool:
        return self.number is None

    def context(self) -> dict[str, Any]:
        """Everything a template may use (the names listed in PLACEHOLDERS)."""
        data = asdict(self)
        data.pop("date")
        data.update(
            reference=self.reference,
            date_line=self.date_line,
            is_draft=self.is_draft,
        )
        return data


# The names a Word or HTML template may use, with what each holds (shown on the upload page);
# an uploaded template using any other is refused. Every value is plain data: text, a number,
# a yes/no, or a list of those (blocks: a list of dicts); body is the blocks already rendered.
PLACEHOLDER_MEANINGS: dict[str, str] = {
    "kind": gettext_noop("the kind of document (its code)"),
    "parent_body": gettext_noop("the governing body, in capitals (may be empty)"),
    "issuer_body": gettext_noop("the issuing body, in capitals"),
    "symbol": gettext_noop("the symbol of the number, e.g. TB-ĐKT"),
    "number": gettext_noop("the number (empty in a draft)"),
    "reference": gettext_noop("number and symbol, e.g. 05/TB-ĐKT"),
    "place": gettext_noop("the place, e.g. Hà Tĩnh"),
    "date_line": gettext_noop("place and date as documents write them"),
    "year": gettext_noop("the year"),
    "doc_type": gettext_noop("the type of document, in capitals, e.g. THÔNG BÁO"),
    "subject": gettext_noop("the summary of the subject (trích yếu)"),
    "authority": gettext_noop(
        "the authority issuing a decision, in capitals, before the legal bases (may be empty)"
    ),
    "bases": gettext_noop("the legal bases (a list of lines)"),
    "body": gettext_noop("the body, rendered: put {{p body }} in a paragraph of its own"),
    "blocks": gettext_noop("the body's parts as data (headings, paragraphs, tables)"),
    "sign_authority": gettext_noop("the signing authority, e.g. TM. ĐOÀN KIỂM TRA"),
    "sign_title": gettext_noop("the signer's title, e.g. TRƯỞNG ĐOÀN"),
    "signer_name": gettext_noop("the signer's name"),
    "recipients": gettext_noop("the recipients (a list of lines)"),
    "title": gettext_noop("a short title"),
    "is_draft": gettext_noop("yes while the document has no number"),
}
PLACEHOLDERS = frozenset(PLACEHOLDER_MEANINGS)


def sample_document(kind: str = "sample") -> Document:
    """A document with every part filled: for checking templates and for tests."""
    return Document(
        kind=kind,
        parent_body="UBND THÀNH PHỐ HÀ TĨNH",
        issuer_body="ĐOÀN KIỂM TRA",
        symbol="TB-ĐKT",
        number=5,
        place="Hà Tĩnh",
        date=datetime.date(2026, 1, 5),
        year=2026,
        doc_type="THÔNG BÁO",
        subject="Kết luận kiểm tra công tác cải cách hành chính năm 2026 tại Phường Trần Phú",
        bases=[
            "Căn cứ Kế hoạch số 12/KH-UBND ngày 10/01/2026 của UBND thành phố;",
            "Căn cứ Quyết định số 25/QĐ-UBND ngày 20/8/2026 thành lập Đoàn kiểm tra.",
        ],
        blocks=[
            Block("heading", text="I. KẾT QUẢ KIỂM TRA"),
            Block("subheading", text="1. Công tác cải cách hành chính"),
            Block(
                "paragraph",
                text="Phường đã ban hành tương đối đầy đủ các văn bản chỉ đạo, điều hành; "
                "việc niêm yết công khai thủ tục hành chính được thực hiện khá đầy đủ.",
            ),
            Block(
                "bullets", items=["Ưu điểm: tuyên truyền kịp thời;", "Hạn chế: kinh phí hạn hẹp."]
            ),
            Block(
                "table",
                columns=["TT", "Nội dung", "Đạt", "Không đạt"],
                rows=[
                    ["1", "Niêm yết thủ tục hành chính", "8", "1"],
                    ["2", "ISO 9001:2015", "4", "1"],
                ],
                widths=[1.2, 9.8, 2.5, 2.5],
                total=["", "Tổng cộng", "12", "2"],
                align_right=[2, 3],
            ),
        ],
        sign_authority="TM. ĐOÀN KIỂM TRA",
        sign_title="TRƯỞNG ĐOÀN",
        signer_name="Lê Thị Hồng Vân",
        recipients=["UBND Phường Trần Phú;", "Thành viên Đoàn kiểm tra;", "Lưu: VT, NV."],
        title="Thông báo kết luận kiểm tra Phường Trần Phú",
    )
