"""Word output: fill a kind's docxtpl template (Decree 30/2020 frame) with a Document, the body
built in code as a sub-document from its blocks; check uploaded templates before use.

Templates are Jinja run in a sandbox with autoescaping (data with "&" or "<" stays valid
XML), and may use only the names in content.PLACEHOLDERS."""

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from docx.enum.table import WD_TABLE_ALIGNMENT  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-untyped]
from docx.oxml import OxmlElement  # type: ignore[import-untyped]
from docx.oxml.ns import qn  # type: ignore[import-untyped]
from docx.oxml.parser import parse_xml  # type: ignore[import-untyped]
from docx.shared import Cm, Pt  # type: ignore[import-untyped]
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from cchc.documents.content import PLACEHOLDERS, Block, Document, sample_document

KINDS_DIR = Path(__file__).resolve().parent / "kinds"

NOT_DOCX_MESSAGE = gettext_noop(
    "The file is not a Word document (.docx). Save it in Word as “Word Document (*.docx)” "
    "and upload it again."
)
ZIP_BOMB_MESSAGE = gettext_noop(
    "The file would unpack to far more than it weighs (a compressed bomb): it was not opened."
)
SYNTAX_MESSAGE = gettext_noop("The template has an error near “{detail}”: {message}")
SYNTAX_AT_END_MESSAGE = gettext_noop("The template has an error: {message}")
UNKNOWN_NAMES_MESSAGE = gettext_noop(
    "The template uses names that do not exist: {names}. Use only: {allowed}."
)
RENDER_FAILED_MESSAGE = gettext_noop(
    "The template could not be filled with a sample document: {message}"
)

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


class TemplateError(Exception):
    """A template that cannot be used, with the reasons for the person who uploaded it."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


class _Environment(SandboxedEnvironment):
    """The sandbox, also refusing huge repetitions ("x" * 10**9) from a template; of Jinja's
    global functions only range (bounded) and namespace remain (no lipsum, cycler…)."""

    intercepted_binops = frozenset({"*", "**"})
    limit = 10_000

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals = {name: self.globals[name] for name in ("range", "namespace")}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator is not allowed in a template")
        sequences = (str, list, tuple)
        count = right if isinstance(left, sequences) else left
        repeats = isinstance(left, sequences) or isinstance(right, sequences)
        if repeats and isinstance(count, int) and count > self.limit:
            raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def _environment(strict: bool = False) -> jinja2.Environment:
    undefined = jinja2.StrictUndefined if strict else jinja2.Undefined
    return _Environment(autoescape=True, undefined=undefined)


def default_template(kind: str) -> bytes:
    """The Word template shipped with the application for the kind."""
    if not re.fullmatch(r"[a-z_]+", kind):
        raise ValueError(f"unknown document kind: {kind!r}")
    return (KINDS_DIR / kind / "template.docx").read_bytes()


def render_docx(template: bytes, document: Document) -> bytes:
    """The document as a .docx file, through the template (bytes of a .docx)."""
    return _render(template, document, _environment())


def _render(template: bytes, document: Document, environment: jinja2.Environment) -> bytes:
    tpl = DocxTemplate(io.BytesIO(template))
    context = document.context()
    context["body"] = _body(tpl, document.blocks)
    tpl.render(context, jinja_env=environment, autoescape=True)
    properties = tpl.docx.core_properties
    properties.title = document.title or document.subject
    properties.subject = document.subject
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


def _paragraph(container: Any, text: str, *, bold: bool = False, caps: bool = False) -> Any:
    paragraph = container.add_paragraph()
    _format(paragraph, first_line=FIRST_LINE, space_after=AFTER, line=LINE_SPACING)
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
        if role == "header":
            tr_pr = row._tr.get_or_add_trPr()
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


# --- checking an uploaded template ----------------------------------------------------------


def validate_template(template: bytes) -> None:
    """Raise TemplateError (the reasons, translated) unless the file is a Word template that
    uses only PLACEHOLDERS and fills a sample document."""
    tpl = _open(template)
    environment = _environment(strict=True)
    _check_syntax(tpl, environment)
    unknown = set(tpl.get_undeclared_template_variables(jinja_env=environment)) - PLACEHOLDERS
    if unknown:
        raise TemplateError(
            [
                _(UNKNOWN_NAMES_MESSAGE).format(
                    names=", ".join(sorted(unknown)), allowed=", ".join(sorted(PLACEHOLDERS))
                )
            ]
        )
    try:
        _render(template, sample_document(), environment)
    except Exception as error:  # any failure means the template cannot be used as it is
        raise TemplateError([_(RENDER_FAILED_MESSAGE).format(message=error)]) from error


def _open(template: bytes) -> DocxTemplate:
    from cchc.core.zipcheck import zip_problem

    problem = zip_problem(
        io.BytesIO(template), required="word/document.xml", max_unpacked=50 * 1024 * 1024
    )
    if problem in ("too_large", "bomb"):
        raise TemplateError([_(ZIP_BOMB_MESSAGE)])
    stream = io.BytesIO(template)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    if "word/document.xml" not in names:
        raise TemplateError([_(NOT_DOCX_MESSAGE)])
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.init_docx()
    except Exception as error:  # python-docx refuses it (.docm, .dotx, broken parts)
        raise TemplateError([_(NOT_DOCX_MESSAGE)]) from error
    return tpl


def _check_syntax(tpl: DocxTemplate, environment: jinja2.Environment) -> None:
    """Compile the body, headers and footers as docxtpl will, one Word paragraph a line, so an
    error is reported with the text of the paragraph it is in."""
    document = tpl.get_docx()
    sources = [tpl.xml_to_string(document.element.body)]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for relationship in document.part.rels.values():
            if relationship.reltype == uri and relationship.target_part.blob:
                sources.append(tpl.xml_to_string(parse_xml(relationship.target_part.blob)))
    for source in sources:
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(source))
        try:
            environment.compile(xml)  # parsing, then unknown filters and tests
        except jinja2.TemplateSyntaxError as error:
            lines = xml.splitlines()
            line = lines[error.lineno - 1] if 0 < error.lineno <= len(lines) else ""
            detail = " ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split())
            message = error.message or str(error)
            if not detail or "end of template" in message:
                text = _(SYNTAX_AT_END_MESSAGE).format(message=message)
            else:
                if len(detail) > 80:
                    detail = detail[:79] + "…"
                text = _(SYNTAX_MESSAGE).format(detail=detail, message=message)
            raise TemplateError([text]) from error
