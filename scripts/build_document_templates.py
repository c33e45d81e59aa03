"""Build the default Word templates of the six document kinds (Decree 30/2020/NĐ-CP layout).

Each template is a docxtpl (Jinja) document written with python-docx into
cchc/documents/kinds/<kind>/template.docx; cchc/documents/docx.py fills it from a
cchc.documents.content.Document. Regenerate the six files after changing this script with:

    .venv/bin/python scripts/build_document_templates.py

The output is deterministic (fixed core properties and zip timestamps), so a rebuild without
changes to this script gives byte-identical files.

Layout (domain.md §3): A4 portrait, margins 20/20/30/15 mm, Times New Roman 13 pt, black.
- header table: left "parent body" (caps), issuer (caps, bold), a short rule; right the
  national title (caps 12 bold), the motto (13 bold) with a rule of its length; a second row
  puts "Số: …" and the place and date (italic) on the same line;
- document type (caps 14 bold), subject (14 bold) and a short rule, all centred; a
  decision's authority (caps 13 bold, centred) when it has one;
- legal bases (italic, justified, first-line indent 1 cm), then the body (a sub-document
  built in code from the blocks);
- a signature table: recipients on the left ("Nơi nhận:" 12 bold italic, entries 11), the
  signature on the right (authority and title caps bold, room for signature and seal, name);
- page numbers centred in the top margin, not on the first page.

The six kinds share this frame: the body (e.g. "QUYẾT ĐỊNH:" and its articles for the team
decision) comes from the blocks, so the frame does not need to differ per kind. Only names in
cchc.documents.content.PLACEHOLDERS are used; the script checks this after writing.
"""

import datetime
import io
import sys
import zipfile
from pathlib import Path

from docx import Document  # type: ignore[import-untyped]
from docx.enum.section import WD_ORIENT  # type: ignore[import-untyped]
from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-untyped]
from docx.opc.constants import RELATIONSHIP_TYPE  # type: ignore[import-untyped]
from docx.oxml import OxmlElement  # type: ignore[import-untyped]
from docx.oxml.ns import qn  # type: ignore[import-untyped]
from docx.shared import Cm, Mm, Pt, RGBColor  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cchc.documents.content import PLACEHOLDERS  # noqa: E402

KINDS_DIR = ROOT / "cchc" / "documents" / "kinds"
KINDS = {
    "team_decision": "Mẫu quyết định thành lập Đoàn kiểm tra",
    "inspection_plan": "Mẫu kế hoạch kiểm tra",
    "conclusion_notice": "Mẫu thông báo kết luận kiểm tra",
    "result_report": "Mẫu báo cáo kết quả kiểm tra",
    "self_assessment_report": "Mẫu báo cáo tự đánh giá",
    "ranking_announcement": "Mẫu công bố kết quả xếp loại",
}
FIXED_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0, tzinfo=datetime.UTC)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FONT = "Times New Roman"

# Text width: 210 − 30 − 15 mm = 16.5 cm. Table cells keep 0.19 cm (108 twips) each side.
TEXT_WIDTH_CM = 16.5
CELL_MARGIN_TWIPS = 108
CELL_MARGIN_CM = CELL_MARGIN_TWIPS / 567
HEADER_WIDTHS_CM = (6.5, 9.5)
SIGNATURE_WIDTHS_CM = (7.5, 9.0)
# The motto "Độc lập - Tự do - Hạnh phúc" in Times New Roman 13 bold is about 5.3 cm wide
# (measured with the metric-compatible Liberation Serif); its rule has the same length.
MOTTO_RULE_CM = 5.3
ISSUER_RULE_CM = 2.2  # about 1/3 of the left column, under the issuing body
SUBJECT_RULE_CM = 4.0  # centred under the subject


def twips(cm: float) -> int:
    return round(cm * 567)


def set_fonts(r_pr, size_half_points: int | None = None) -> None:
    """Times New Roman for every script (no theme fonts), optionally a size."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(name), FONT)
    if size_half_points is not None:
        for tag in ("w:sz", "w:szCs"):
            element = r_pr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                r_pr.append(element)
            element.set(qn("w:val"), str(size_half_points))


def set_defaults(document) -> None:
    """Normal style and document defaults: Times New Roman 13, black, single spacing."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(r_pr, 26)
    lang = r_pr.find(qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(normal.element.get_or_add_rPr(), 26)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def set_page(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)


def add_paragraph(
    container,
    text: str = "",
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    caps: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    first_line_cm: float | None = None,
    before: float = 0,
    after: float = 0,
    line: float | None = None,
    paragraph=None,
):
    """A paragraph with one run; `paragraph` reuses an existing (empty) one, e.g. in a cell."""
    if paragraph is None:
        paragraph = container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if line is not None:
        fmt.line_spacing = line
    if first_line_cm is not None:
        fmt.first_line_indent = Cm(first_line_cm)
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        if caps:
            run.font.all_caps = True
    # The paragraph mark gets the same size, so empty lines have the height of the text.
    mark = paragraph._p.get_or_add_pPr()
    mark_r_pr = mark.find(qn("w:rPr"))
    if mark_r_pr is None:
        mark_r_pr = OxmlElement("w:rPr")
        mark.append(mark_r_pr)
    size_element = OxmlElement("w:sz")
    size_element.set(qn("w:val"), str(round(size * 2)))
    mark_r_pr.append(size_element)
    return paragraph


def add_tag(container, tag: str):
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); removed when rendering."""
    return add_paragraph(container, tag, align=WD_ALIGN_PARAGRAPH.LEFT)


def add_rule(container, width_cm: float, column_cm: float, after: float = 0):
    """A short horizontal rule: a tiny empty paragraph with a bottom border, indented on both
    sides so the border is width_cm long and centred in a column of column_cm."""
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    indent = max((column_cm - width_cm) / 2, 0)
    fmt.left_indent = Cm(indent)
    fmt.right_indent = Cm(indent)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    fmt.line_spacing = Pt(3)
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    # pBdr comes before spacing/ind/jc in CT_PPr's sequence.
    anchor = p_pr.find(qn("w:spacing"))
    if anchor is None:
        p_pr.append(borders)
    else:
        anchor.addprevious(borders)
    r_pr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    r_pr.append(size)
    p_pr.append(r_pr)
    return paragraph


def borderless_table(document, widths_cm: tuple[float, ...], rows: int = 1):
    """A fixed-layout table with the given column widths and no borders."""
    table = document.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblStyle", "w:tblW", "w:tblBorders", "w:tblCellMar", "w:tblLook"):
        for element in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(element)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(twips(w) for w in widths_cm)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.insert(0, width)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    margins = OxmlElement("w:tblCellMar")
    for side, value in (("left", CELL_MARGIN_TWIPS), ("right", CELL_MARGIN_TWIPS)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.append(margins)
    sort_tbl_pr(tbl_pr)
    for column, width_cm in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width_cm)
        for cell in column.cells:
            cell.width = Cm(width_cm)
    return table


TBL_PR_ORDER = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
]


def sort_tbl_pr(tbl_pr) -> None:
    """Put tblPr's children in the order the schema requires (Word is strict about it)."""
    children = list(tbl_pr)
    for child in children:
        tbl_pr.remove(child)
    children.sort(key=lambda c: TBL_PR_ORDER.index(c.tag.split("}")[1]))
    for child in children:
        tbl_pr.append(child)


def add_header_table(document) -> None:
    left_width, right_width = HEADER_WIDTHS_CM
    left_text = left_width - 2 * CELL_MARGIN_CM
    right_text = right_width - 2 * CELL_MARGIN_CM
    table = borderless_table(document, HEADER_WIDTHS_CM, rows=2)
    top_left, top_right = table.rows[0].cells
    bottom_left, bottom_right = table.rows[1].cells

    add_tag(top_left, "{%p if parent_body %}").paragraph_format.keep_with_next = True
    top_left.paragraphs[0]._p.getparent().remove(top_left.paragraphs[0]._p)
    add_paragraph(top_left, "{{ parent_body }}", caps=True)
    add_tag(top_left, "{%p endif %}")
    add_paragraph(top_left, "{{ issuer_body }}", bold=True, caps=True)
    add_rule(top_left, ISSUER_RULE_CM, left_text)

    add_paragraph(
        top_right,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        size=12,
        bold=True,
        paragraph=top_right.paragraphs[0],
    )
    add_paragraph(top_right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    add_rule(top_right, MOTTO_RULE_CM, right_text)

    # "Số" and the date sit on the same line (Decree 30, Annex I), whatever the height of
    # the lines above: hence a second row rather than more paragraphs in the first.
    add_paragraph(bottom_left, "Số: {{ reference }}", before=6, paragraph=bottom_left.paragraphs[0])
    add_paragraph(
        bottom_right,
        "{{ date_line }}",
        italic=True,
        before=6,
        paragraph=bottom_right.paragraphs[0],
    )


def add_title(document) -> None:
    add_paragraph(document, "{{ doc_type }}", size=14, bold=True, caps=True, before=18)
    add_paragraph(document, "{{ subject }}", size=14, bold=True)
    add_rule(document, SUBJECT_RULE_CM, TEXT_WIDTH_CM)
    add_paragraph(document, "", size=6)  # a little space before the legal bases
    # A decision's authority (thẩm quyền ban hành), caps bold centred, before the bases.
    add_tag(document, "{%p if authority %}")
    add_paragraph(document, "{{ authority }}", bold=True, caps=True, after=6, line=1.2)
    add_tag(document, "{%p endif %}")


def add_bases(document) -> None:
    add_tag(document, "{%p for basis in bases %}")
    add_paragraph(
        document,
        "{{ basis }}",
        italic=True,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_cm=1.0,
        after=6,
        line=1.2,
    )
    add_tag(document, "{%p endfor %}")


def add_signature_table(document) -> None:
    table = borderless_table(document, SIGNATURE_WIDTHS_CM)
    left, right = table.rows[0].cells
    add_paragraph(
        left,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        before=12,
        paragraph=left.paragraphs[0],
    )
    add_tag(left, "{%p for r in recipients %}")
    add_paragraph(left, "- {{ r }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    add_tag(left, "{%p endfor %}")

    add_tag(right, "{%p if sign_authority %}")
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    add_paragraph(right, "{{ sign_authority }}", bold=True, caps=True, before=12)
    add_tag(right, "{%p endif %}")
    add_paragraph(right, "{{ sign_title }}", bold=True, caps=True)
    for _ in range(5):  # room for the signature and the seal
        add_paragraph(right, "")
    add_paragraph(right, "{{ signer_name }}", bold=True)


def add_page_numbers(section) -> None:
    """PAGE field centred in the header of every page but the first (an empty first header)."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    header.is_linked_to_previous = False
    paragraph = add_paragraph(header, paragraph=header.paragraphs[0])
    run_begin = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_begin._r.append(begin)
    run_code = paragraph.add_run()
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    run_code._r.append(code)
    run_separate = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_separate._r.append(separate)
    paragraph.add_run("2")
    run_end = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_end._r.append(end)
    for run in paragraph.runs:
        run.font.size = Pt(13)


def set_properties(document, title: str) -> None:
    properties = document.core_properties
    properties.author = "CCHC"
    properties.last_modified_by = "CCHC"
    properties.title = title
    properties.subject = ""
    properties.comments = "Nghị định 30/2020/NĐ-CP"
    properties.category = ""
    properties.keywords = ""
    properties.revision = 1
    properties.created = FIXED_TIME
    properties.modified = FIXED_TIME
    package = document.part.package
    for r_id, relationship in list(package.rels.items()):
        if relationship.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            package.rels.pop(r_id)  # python-docx's own preview picture


def build(title: str) -> bytes:
    document = Document()
    set_defaults(document)
    section = document.sections[0]
    set_page(section)
    body = document.element.body
    for paragraph in list(document.paragraphs):
        body.remove(paragraph._p)
    add_header_table(document)
    add_title(document)
    add_bases(document)
    add_paragraph(document, "{{p body }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    add_signature_table(document)
    add_page_numbers(section)
    set_properties(document, title)
    stream = io.BytesIO()
    document.save(stream)
    return normalise_zip(stream.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps, so rebuilding gives identical bytes."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return output.getvalue()


def check(data: bytes) -> None:
    """Fail loudly if the template uses a name a template may not use."""
    from docxtpl import DocxTemplate  # type: ignore[import-untyped]

    names = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()
    unknown = set(names) - PLACEHOLDERS
    if unknown:
        raise SystemExit(f"unknown placeholders: {sorted(unknown)}")


def main() -> None:
    for kind, title in KINDS.items():
        folder = KINDS_DIR / kind
        folder.mkdir(parents=True, exist_ok=True)
        init = folder / "__init__.py"
        if not init.exists():
            init.touch()
        data = build(title)
        check(data)
        (folder / "template.docx").write_bytes(data)
        print(f"{folder.relative_to(ROOT) / 'template.docx'}: {len(data)} bytes")


if __name__ == "__main__":
    main()
