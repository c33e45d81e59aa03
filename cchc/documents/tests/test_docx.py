"""The Word output: the default templates of the six kinds render a Document in the Decree 30
layout, and uploaded templates are checked before use."""

import dataclasses
import io
import re
import zipfile

import docx as python_docx
import pytest
from django.utils import translation
from docx.shared import Mm
from docx.table import Table

from cchc.documents import docx
from cchc.documents.content import Block, sample_document

KINDS = [
    "team_decision",
    "inspection_plan",
    "conclusion_notice",
    "result_report",
    "self_assessment_report",
    "ranking_announcement",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(data: bytes):
    return python_docx.Document(io.BytesIO(data))


def paragraphs(container):
    """Every paragraph, including those in (nested) table cells, in document order."""
    for element in container.iter_inner_content():
        if isinstance(element, Table):
            for row in element.rows:
                for cell in row.cells:
                    yield from paragraphs(cell)
        else:
            yield element


def texts(document) -> list[str]:
    return [p.text for p in paragraphs(document)]


def run_with(document, text: str):
    for paragraph in paragraphs(document):
        for run in paragraph.runs:
            if text in run.text:
                return run
    raise AssertionError(f"no run with {text!r}")


def rewrite(template: bytes, old: str, new: str) -> bytes:
    """The template with a piece of its document.xml replaced."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(output, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode()
                assert old in xml
                data = xml.replace(old, new).encode()
            target.writestr(item, data)
    return output.getvalue()


def tiny_docx(*lines: str) -> bytes:
    document = python_docx.Document()
    for line in lines:
        document.add_paragraph(line)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


@pytest.mark.parametrize("kind", KINDS)
def test_default_template_renders_in_decree_30_layout(kind):
    rendered = read(docx.render_docx(docx.default_template(kind), sample_document(kind)))

    section = rendered.sections[0]
    assert abs(section.page_width - Mm(210)) <= Mm(1)
    assert abs(section.page_height - Mm(297)) <= Mm(1)
    assert abs(section.top_margin - Mm(20)) <= Mm(0.5)
    assert abs(section.bottom_margin - Mm(20)) <= Mm(0.5)
    assert abs(section.left_margin - Mm(30)) <= Mm(0.5)
    assert abs(section.right_margin - Mm(15)) <= Mm(0.5)
    normal = rendered.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 13

    all_text = texts(rendered)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in all_text
    assert run_with(rendered, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold
    assert "Độc lập - Tự do - Hạnh phúc" in all_text
    assert "UBND THÀNH PHỐ HÀ TĨNH" in all_text
    assert run_with(rendered, "ĐOÀN KIỂM TRA").bold
    assert "Số: 05/TB-ĐKT" in all_text
    assert "Hà Tĩnh, ngày 05 tháng 01 năm 2026" in all_text
    assert run_with(rendered, "Hà Tĩnh, ngày 05 tháng 01 năm 2026").italic
    assert "THÔNG BÁO" in all_text
    assert run_with(rendered, "THÔNG BÁO").bold
    subject = "Kết luận kiểm tra công tác cải cách hành chính năm 2026 tại Phường Trần Phú"
    assert subject in all_text
    assert run_with(rendered, subject).bold
    basis = "Căn cứ Kế hoạch số 12/KH-UBND ngày 10/01/2026 của UBND thành phố;"
    assert basis in all_text
    assert run_with(rendered, basis).italic

    assert "I. KẾT QUẢ KIỂM TRA" in all_text
    assert any(
        t.startswith("Phường đã ban hành tương đối đầy đủ các văn bản chỉ đạo, điều hành")
        for t in all_text
    )
    assert "- Ưu điểm: tuyên truyền kịp thời;" in all_text

    table = next(t for t in rendered.tables if "Tổng cộng" in t.rows[-1].cells[1].text)
    assert [c.text for c in table.rows[0].cells] == ["TT", "Nội dung", "Đạt", "Không đạt"]
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "Niêm yết thủ tục hành chính",
        "8",
        "1",
    ]
    assert [c.text for c in table.rows[-1].cells] == ["", "Tổng cộng", "12", "2"]
    assert all(run.bold for c in table.rows[-1].cells for run in c.paragraphs[0].runs)
    assert abs(table.columns[1].width - Mm(98)) <= Mm(0.5)

    assert "Nơi nhận:" in all_text
    assert "- UBND Phường Trần Phú;" in all_text
    assert "- Lưu: VT, NV." in all_text
    assert "TM. ĐOÀN KIỂM TRA" in all_text
    assert "TRƯỞNG ĐOÀN" in all_text
    assert run_with(rendered, "Lê Thị Hồng Vân").bold
    # No placeholder is left over.
    assert not any("{{" in t or "{%" in t for t in all_text)


def test_page_numbers_in_the_header_but_not_on_the_first_page():
    rendered = read(docx.render_docx(docx.default_template("result_report"), sample_document()))
    section = rendered.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml


def test_draft_has_blanks_for_number_and_date():
    draft = dataclasses.replace(sample_document(), number=None, date=None)
    all_text = texts(read(docx.render_docx(docx.default_template("conclusion_notice"), draft)))
    assert any(re.fullmatch(r"Số:\s+/TB-ĐKT", t) for t in all_text)
    assert any(re.fullmatch(r"Hà Tĩnh, ngày\s+tháng\s+năm 2026", t) for t in all_text)


def test_data_is_escaped():
    document = dataclasses.replace(
        sample_document(),
        subject="A & B <C>",
        recipients=["Sở Nội vụ & Văn phòng <UBND>;"],
        blocks=[Block("paragraph", text="Tỷ lệ < 5% & > 1%")],
    )
    all_text = texts(read(docx.render_docx(docx.default_template("conclusion_notice"), document)))
    assert "A & B <C>" in all_text
    assert "- Sở Nội vụ & Văn phòng <UBND>;" in all_text
    assert "Tỷ lệ < 5% & > 1%" in all_text


def test_body_blocks():
    document = dataclasses.replace(
        sample_document(),
        parent_body="",
        sign_authority="",
        blocks=[
            Block("bullets", items=["a) Một;", "- Hai;", "Ba."]),
            Block("table", columns=["A", "B"], rows=[["1", "2"]]),
            Block("table", rows=[["x", "y", "z"]]),
        ],
    )
    rendered = read(docx.render_docx(docx.default_template("inspection_plan"), document))
    all_text = texts(rendered)
    start = all_text.index("a) Một;")
    assert all_text[start : start + 3] == ["a) Một;", "- Hai;", "- Ba."]
    assert "UBND THÀNH PHỐ HÀ TĨNH" not in all_text
    assert "TM. ĐOÀN KIỂM TRA" not in all_text
    assert "TRƯỞNG ĐOÀN" in all_text
    # Two tables in a row stay two tables (a paragraph between them), with grid borders.
    body = list(rendered.element.body.iterchildren())
    tags = [element.tag.rsplit("}", 1)[1] for element in body]
    assert not any(a == b == "tbl" for a, b in zip(tags, tags[1:], strict=False))
    grid = [t for t in rendered.tables if t.rows[0].cells[0].text in ("A", "x")]
    assert len(grid) == 2
    assert 'w:val="single"' in grid[0]._tbl.tblPr.xml


def test_template_from_default_word_document_renders():
    """A user's own template (python-docx's default styles, no "Table Grid" use) works too."""
    template = tiny_docx("{{ doc_type }}", "{{p body }}", "{{ signer_name }}")
    docx.validate_template(template)
    rendered = read(docx.render_docx(template, sample_document()))
    assert "THÔNG BÁO" in texts(rendered)
    (table,) = rendered.tables
    assert [c.text for c in table.rows[-1].cells] == ["", "Tổng cộng", "12", "2"]


@pytest.mark.parametrize("kind", KINDS)
def test_default_templates_pass_the_check(kind):
    docx.validate_template(docx.default_template(kind))


def test_default_template_refuses_unknown_kind():
    with pytest.raises(ValueError):
        docx.default_template("../settings")


@pytest.mark.parametrize(
    "data",
    [b"", b"not a word file", tiny_docx("x")[:100]],
    ids=["empty", "text", "truncated"],
)
def test_check_refuses_a_file_that_is_not_docx(data):
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(data)
    assert refused.value.messages == [
        "The file is not a Word document (.docx). Save it in Word as “Word Document (*.docx)” "
        "and upload it again."
    ]


def test_check_refuses_a_zip_without_a_document():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(output.getvalue())
    assert "not a Word document" in refused.value.messages[0]


def test_check_refuses_unknown_names():
    template = rewrite(
        docx.default_template("conclusion_notice"), "{{ signer_name }}", "{{ unknown_name }}"
    )
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(template)
    (message,) = refused.value.messages
    assert message.startswith("The template uses names that do not exist: unknown_name. Use only:")
    assert "signer_name" in message


def test_check_refuses_unknown_names_in_a_small_document():
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx("Kính gửi: {{ to_whom }}", "{{ subject }}"))
    assert "to_whom" in refused.value.messages[0]


def test_check_refuses_a_broken_tag_and_says_where():
    template = rewrite(
        docx.default_template("conclusion_notice"), "{{ subject }}", "{% for x in %}"
    )
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(template)
    (message,) = refused.value.messages
    assert message.startswith("The template has an error near “{% for x in %}”:")


def test_check_refuses_an_unknown_filter():
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx("{{ subject|shout }}"))
    assert refused.value.messages == [
        "The template has an error near “{{ subject|shout }}”: No filter named 'shout'."
    ]


def test_check_refuses_an_unclosed_block():
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx("{% for basis in bases %}", "{{ basis }}"))
    assert refused.value.messages[0].startswith("The template has an error:")
    assert "endfor" in refused.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "{{ subject.missing }}",
        "{{ subject.__class__.__mro__ }}",
        "{{ subject * 100000 }}",
        "{{ 10 ** 100000 }}",
    ],
    ids=["undefined", "sandbox", "repetition", "power"],
)
def test_check_refuses_a_template_that_cannot_fill_the_sample(text):
    with pytest.raises(docx.TemplateError) as refused:
        docx.validate_template(tiny_docx(text))
    assert refused.value.messages[0].startswith(
        "The template could not be filled with a sample document:"
    )


def test_rendering_does_not_run_unsafe_code():
    with pytest.raises(Exception):  # noqa: B017 - the sandbox's SecurityError
        docx.render_docx(
            tiny_docx("{{ subject.__class__.__mro__[1].__subclasses__() }}"), sample_document()
        )
