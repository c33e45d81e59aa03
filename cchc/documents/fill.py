"""Filling a Word template with plain data: the body's blocks as Word XML (Decree 30/2020
layout), then the template rendered in the sandbox. It imports nothing of Django, so that it
can run in the small process where uploaded templates render (sandbox.run_isolated)."""

import io
import re
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-untyped]
from docx.oxml import OxmlElement  # type: ignore[import-untyped]
from docx.oxml.ns import qn  # type: ignore[import-untyped]
from docx.oxml.parser import parse_xml  # type: ignore[import-untyped]
from docx.shared import Cm, Pt  # type: ignore[import-untyped]
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from markupsafe import Markup

from cchc.documents import sandbox
from cchc.documents.content import Block

# Body layout (Decree 30/2020, Annex I): 13 pt, justified, first-line indent 1 cm, at least
# 6 pt between paragraphs, line spacing between single and 1.5.
BODY_SIZE = Pt(13)
CELL_SIZE = Pt(12)
FIRST_LINE = Cm(1)
AFTER = Pt(6)
LINE_SPACING = 1.2
TABLE_WIDTH_CM = 16.0  # columns share this when a table block gives no widths
# "a) …", "đ) …", "- …", "+ …", "• …": the writer already marked the item.
MARKED_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|[-–—+•])", re.IGNORECASE)


def render_plain(template: bytes, context: dict[str, Any], strict: bool) -> bytes:
    """Render the template with plain data: the body becomes Word XML (markup the template
    places with {{p body }}) before the template sees it; nothing else but plain data does."""
    tpl = DocxTemplate(io.BytesIO(template))
    context = dict(context)
    blocks = [Block(**block) for block in context["blocks"]]
    context["body"] = Markup(_body(tpl, blocks)._get_xml())  # noqa: S704 - XML built here
    tpl.render(context, jinja_env=sandbox.environment(strict), autoescape=True)
    properties = tpl.docx.core_properties
    properties.title = str(context.get("title") or context.get("subject") or "")
    properties.subject = str(context.get("subject") or "")
    output = io.BytesIO()
    tpl.save(output)
    return output.getvalue()


# --- the body -------------------------------------------------------------------------------


def _body(tpl: DocxTemplate, blocks: list[Block]) -> Any:
    """The blocks as a docxtpl sub-document, formatted directly (not through styles, which an
    uploaded template may lack); the font family is the template's own (Normal style)."""
    subdoc = tpl.new_subdoc()
    for block in blocks:
        if block.kind == "heading":
            paragraph = _paragraph(subdoc, block.text, bold=True, caps=True)
            paragraph.paragraph_format.space_before = Pt(6)
            paragraph.paragraph_format.keep_with_next = True
        elif block.kind == "subheading":
            paragraph = _paragraph(subdoc, block.text, bold=True)
            paragraph.paragraph_format.keep_with_next = True
        elif block.kind == "paragraph":
            _paragraph(subdoc, block.text)
        elif block.kind == "centred":
            paragraph = _paragraph(subdoc, block.text, bold=block.bold, indent=False)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "bullets":
            for item in block.items:
                _paragraph(subdoc, item if MARKED_ITEM.match(item) else f"- {item}")
        elif block.kind == "table":
            _table(subdoc, block)
            # A paragraph after every table: Word would merge two adjacent tables (this one
            # and the next block's, or the template's signature table).
            spacer = subdoc.add_paragraph()
            _format(spacer, space_after=Pt(0), line=1.0)
            _mark_size(spacer, Pt(6))
        else:  # pragma: no cover - Block.kind is a Literal
            raise ValueError(f"unknown block kind: {block.kind!r}")
    return subdoc


def _paragraph(
    container: Any, text: str, *, bold: bool = False, caps: bool = False, indent: bool = True
) -> Any:
    paragraph = container.add_paragraph()
    _format(
        paragraph, first_line=FIRST_LINE if indent else None, space_after=AFTER, line=LINE_SPACING
    )
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = paragraph.add_run(text)
    run.font.size = BODY_SIZE
    run.font.bold = bold
    if caps:
        run.font.all_caps = True
    _mark_size(paragraph, BODY_SIZE)
    return paragraph


def _format(
    paragraph: Any,
    *,
    first_line: Any = None,
    space_after: Any = AFTER,
    line: float = LINE_SPACING,
) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = space_after
    fmt.line_spacing = line
    fmt.first_line_indent = first_line if first_line is not None else Cm(0)
    fmt.left_indent = Cm(0)
    fmt.right_indent = Cm(0)


def _mark_size(paragraph: Any, size: Any) -> None:
    """The paragraph mark's size, so an empty or last line has the text's height."""
    p_pr = paragraph._p.get_or_add_pPr()
    r_pr = p_pr.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        p_pr.append(r_pr)
    half_points = str(round(size.pt * 2))
    for tag in ("w:sz", "w:szCs"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), half_points)
        r_pr.append(element)


def _table(subdoc: Any, block: Block) -> Any:
    columns = len(block.columns) or max((len(row) for row in [*block.rows, block.total]), default=0)
    if not columns:
        return None
    widths = list(block.widths) if len(block.widths) == columns else []
    if not widths:
        widths = [TABLE_WIDTH_CM / columns] * columns
    rows: list[tuple[list[str], str]] = []
    if block.columns:
        rows.append((block.columns, "header"))
    rows.extend((row, "row") for row in block.rows)
    if block.total:
        rows.append((block.total, "total"))

    table = subdoc.add_table(rows=len(rows), cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _grid(table, widths)
    for row_index, (cells, role) in enumerate(rows):
        row = table.rows[row_index]
        tr_pr = row._tr.get_or_add_trPr()
        # A row is not split across pages (as in the PDF): a split row, its cells broken each
        # after a different line, is hard to read and laid out differently by every program.
        tr_pr.append(OxmlElement("w:cantSplit"))
        if role == "header":
            repeat = OxmlElement("w:tblHeader")  # repeated at the top of each page
            tr_pr.append(repeat)
        for column, cell in enumerate(row.cells):
            cell.width = Cm(widths[column])
            text = cells[column] if column < len(cells) else ""
            paragraph = cell.paragraphs[0]
            _format(paragraph, space_after=Pt(0), line=1.0)
            if role == "header":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif column in block.align_right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            else:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            run = paragraph.add_run(text)
            run.font.size = CELL_SIZE
            run.font.bold = role in ("header", "total")
            _mark_size(paragraph, CELL_SIZE)
    return table


def _grid(table: Any, widths: list[float]) -> None:
    """Fixed column widths and single-line grid borders, set in the table itself so they hold
    whatever styles the template has ("Table Grid" may not exist in it)."""
    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblStyle", "w:tblW", "w:tblBorders", "w:tblLayout", "w:tblCellMar"):
        for element in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(element)
    total = sum(round(width * 567) for width in widths)
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    sides = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    width = parse_xml(f'<w:tblW {ns} w:w="{total}" w:type="dxa"/>')
    borders = parse_xml(f"<w:tblBorders {ns}>{sides}</w:tblBorders>")
    layout = parse_xml(f'<w:tblLayout {ns} w:type="fixed"/>')
    margins = parse_xml(
        f'<w:tblCellMar {ns}><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        f'<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
    )
    # CT_TblPr order: tblStyle, …, tblW, jc, tblCellSpacing, tblInd, tblBorders, shd,
    # tblLayout, tblCellMar, tblLook.
    jc = tbl_pr.find(qn("w:jc"))
    if jc is not None:
        jc.addprevious(width)
        jc.addnext(borders)
    else:
        tbl_pr.insert(0, width)
        width.addnext(borders)
    borders.addnext(layout)
    layout.addnext(margins)
    for column, width_cm in zip(table.columns, widths, strict=True):
        column.width = Cm(width_cm)
