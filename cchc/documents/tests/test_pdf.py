"""The PDF of a document (pdf.py): the text a reader sees on page 1, A4, embedded fonts, a page
that is not blank (saved to test-artifacts/ for a human to look at), drafts, and a preview page
the CSP accepts. Needs pango: skipped without it unless REQUIRE_PDF=1."""

import dataclasses
import os
import re
import unicodedata
from pathlib import Path

import pytest

from cchc.documents import pdf
from cchc.documents.content import Block, sample_document

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def normalise(text: str) -> str:
    """NFC, and any run of whitespace (line breaks of the extraction included) as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def render(document) -> bytes:
    try:
        return pdf.render_pdf(document)
    except pdf.PdfUnavailable as error:
        if os.environ.get("REQUIRE_PDF") == "1":
            raise
        pytest.skip(f"PDF TESTS SKIPPED: {error}. Set REQUIRE_PDF=1 to make this a failure.")


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render(sample_document())


def open_pdf(data: bytes):
    pdfium = pytest.importorskip("pypdfium2")
    return pdfium.PdfDocument(data)


def page_text(data: bytes, index: int = 0) -> str:
    document = open_pdf(data)
    page = document[index]
    text = page.get_textpage().get_text_bounded()
    return normalise(text.replace("\r", "\n").replace("\ufffe", ""))


def test_page_one_says_what_the_document_says(sample_pdf):
    text = page_text(sample_pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ HÀ TĨNH",
        "ĐOÀN KIỂM TRA",
        "Số: 05/TB-ĐKT",
        "Hà Tĩnh, ngày 05 tháng 01 năm 2026",
        "THÔNG BÁO",
        sample_document().subject,
        "Căn cứ Kế hoạch số 12/KH-UBND ngày 10/01/2026 của UBND thành phố;",
        "I. KẾT QUẢ KIỂM TRA",
        "Phường đã ban hành tương đối đầy đủ các văn bản chỉ đạo, điều hành",
        "- Ưu điểm: tuyên truyền kịp thời;",
        "Tổng cộng 12 2",
        "Nơi nhận:",
        "- Lưu: VT, NV.",
        "TM. ĐOÀN KIỂM TRA",
        "TRƯỞNG ĐOÀN",
        "Lê Thị Hồng Vân",
    ):
        assert normalise(expected) in text, expected
    assert "DỰ THẢO" not in text


def page_fonts(page) -> dict[str, bool]:
    """Base font name → embedded, for every font the text of the page uses."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    fonts = {}
    for text_object in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
        font = pdfium_c.FPDFTextObj_GetFont(text_object.raw)
        buffer = ctypes.create_string_buffer(256)
        pdfium_c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
        fonts[buffer.value.decode()] = bool(pdfium_c.FPDFFont_GetIsEmbedded(font))
    return fonts


def top_margin_text(data: bytes, index: int) -> str:
    page = open_pdf(data)[index]
    width, height = page.get_size()
    margin = 20 / 25.4 * 72
    return normalise(page.get_textpage().get_text_bounded(0, height - margin, width, height))


def test_a4_with_embedded_fonts(sample_pdf):
    assert sample_pdf.startswith(b"%PDF-")
    document = open_pdf(sample_pdf)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert abs(width - 595.28) <= 1 and abs(height - 841.89) <= 1
    fonts = page_fonts(document[0])
    # Regular, bold, italic and bold italic, each embedded (subset) in the file.
    assert len(fonts) >= 4, fonts
    assert all(fonts.values()), fonts
    assert any("Bold-Italic" in name or "BoldItalic" in name for name in fonts), fonts


def test_page_one_is_not_blank_and_is_saved_for_a_human(sample_pdf):
    document = open_pdf(sample_pdf)
    bitmap = document[0].render(scale=1.5)
    image = bitmap.to_pil().convert("L")
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "document-page1.png")
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.width * image.height)
    # Text covers a few per cent of an A4 page of writing; a blank or black page fails.
    assert 0.01 < dark < 0.3, dark
    # The top 20 mm (margin, no page number on page 1) is empty.
    top = image.crop((0, 0, image.width, int(image.height * 20 / 297) - 2))
    assert top.getextrema()[0] > 200


def test_page_numbers_from_page_two():
    long = sample_document()
    paragraph = Block("paragraph", text="Nội dung kiểm tra được thực hiện đầy đủ. " * 12)
    long.blocks = long.blocks + [paragraph] * 12
    data = render(long)
    document = open_pdf(data)
    assert len(document) >= 2
    assert top_margin_text(data, 0) == ""  # none on page 1
    assert top_margin_text(data, 1) == "2"
    assert top_margin_text(data, len(document) - 1) == str(len(document))


def test_draft_shows_watermark_and_blanks():
    draft = dataclasses.replace(sample_document(), number=None, date=None)
    text = page_text(render(draft))
    assert "DỰ THẢO" in text
    assert re.search(r"Số: /TB-ĐKT", text), text
    assert "Hà Tĩnh, ngày tháng năm 2026" in text
    assert "Số: 05/TB-ĐKT" not in text


def test_preview_html_has_no_inline_style():
    html = pdf.document_html(sample_document(), for_pdf=False)
    assert "style=" not in html.lower()
    assert "<style" not in html.lower()
    assert 'rel="stylesheet"' in html and "documents/document.css" in html
    assert "Lê Thị Hồng Vân" in html
    for_pdf = pdf.document_html(sample_document(), for_pdf=True)
    assert "documents/document.css" not in for_pdf  # pdf.py hands WeasyPrint the same file


def test_table_columns_use_width_classes():
    html = pdf.document_html(sample_document(), for_pdf=True)
    # widths 1.2, 9.8, 2.5, 2.5 cm: to the millimetre (2.3 cm rounded to 2 wrapped a date),
    # and the table as wide as its columns, 160 mm, as Word sets it.
    assert '<table class="data-table mm-160">' in html
    assert '<col class="mm-12"><col class="mm-98"><col class="mm-25"><col class="mm-25">' in html
    assert '<td class="num">12</td>' in html
    css = pdf.CSS_PATH.read_text()
    for width in range(5, 161):
        assert f".mm-{width} {{ width: {width}mm; }}" in css


def test_bullets_and_recipients_get_one_dash():
    document = sample_document()
    document.blocks = [Block("bullets", items=["a) Thứ nhất;", "- Thứ hai;", "Thứ ba."])]
    document.recipients = ["- Như trên;", "Lưu: VT."]
    html = pdf.document_html(document, for_pdf=True)
    assert ">a) Thứ nhất;<" in html
    assert ">- Thứ hai;<" in html
    assert ">- Thứ ba.<" in html
    assert ">- Như trên;<" in html and ">- Lưu: VT.<" in html


def test_fallback_font_covers_vietnamese():
    from fontTools.ttLib import TTFont

    faces = pdf.font_files()
    assert set(faces) == {("normal", 400), ("normal", 700), ("italic", 400), ("italic", 700)}
    for path in faces.values():
        with TTFont(path) as font:
            cmap = font.getBestCmap()
            assert "fvar" not in font  # static instances
        assert all(ord(char) in cmap for char in pdf.VIETNAMESE_SAMPLE)
    css = pdf.FONT_FACES_CSS
    assert css.count("@font-face") == 4 and 'font-family: "CCHC Serif"' in css
    assert "file://" in css
    assert pdf.font_stack()[-1] == "CCHC Serif"


def test_missing_pango_is_a_clear_error(monkeypatch):
    import importlib.abc
    import sys

    class NoPango(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")
            return None

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPango(), *sys.meta_path])
    with pytest.raises(
        pdf.PdfUnavailable, match="apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    ):
        pdf.render_pdf(sample_document())
