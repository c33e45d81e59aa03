"""The PDF is set in a font with Times New Roman's metrics (Liberation Serif 2, which covers
Vietnamese), never the fallback, for every kind; the Decree 30 facts checked on the DOCX
(margins, font, sizes, signature block) hold on the PDF too; and a line of the PDF breaks
where the font's advance widths — Times New Roman's, hence Word's — say it breaks.

What makes the pages match is that both files set the same text, in the same sizes, line
heights and margins (test_docx.py checks those on the DOCX, this file on the PDF), in fonts with
the same advance widths; the last test checks the line breaks that follow from that, and
test_pdf_pages.py compares the pages with LibreOffice's layout of the DOCX."""

import io
import re
from typing import Any

import pytest
from django.utils import timezone
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from cchc.core.testing import BaseTestCase
from cchc.documents import pdf, services
from cchc.documents.content import Block, sample_document
from cchc.documents.models import IssuedDocument
from cchc.documents.tests.scenes import (
    concluded_inspection,
    published_round,
    submitted_assessment,
)
from cchc.documents.tests.test_pdf import open_pdf, page_fonts, render
from cchc.inspections.tests.factories import approved_inspection

PT_PER_MM = 72 / 25.4
FALLBACK_NAMES = ("Noto", "CCHC", "DejaVu")


def embedded_fonts(data: bytes) -> set[str]:
    """The base names of every font the PDF's pages use (subset tag dropped)."""
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        fonts = resources.get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def pdf_bytes(issued: IssuedDocument) -> bytes:
    with issued.pdf.open("rb") as handle:
        return handle.read()


def require_metric_font() -> str:
    family = pdf.metric_family()
    assert family is not None, pdf.NO_METRIC_FONT_MESSAGE
    return family


class EveryKindTests(BaseTestCase):
    def test_every_kind_is_set_in_liberation_serif_and_no_fallback(self):
        family = require_metric_font()
        assert family in ("Times New Roman", "Liberation Serif", "Tinos")
        planned = approved_inspection(self.cast)
        decision = services.issue(
            actor=None,
            kind="team_decision",
            target=planned,
            signer_name="Nguyễn Văn Chủ Tịch",
            issued_on=min(timezone.localdate(), planned.visit_date),
        )
        inspection = concluded_inspection(self.cast)
        issued = [
            decision,
            services.issue(
                actor=None, kind="inspection_plan", target=inspection.plan, signer_name="A"
            ),
            services.issue(
                actor=None, kind="conclusion_notice", target=inspection, signer_name="B"
            ),
            services.issue(
                actor=None, kind="result_report", target=inspection.plan, signer_name="C"
            ),
            services.issue(
                actor=None,
                kind="self_assessment_report",
                target=submitted_assessment(self.cast),
                signer_name="D",
            ),
            services.issue(
                actor=None,
                kind="ranking_announcement",
                target=published_round(self.cast),
                signer_name="E",
            ),
        ]
        assert len({document.kind for document in issued}) == 6
        expected = family.replace(" ", "")
        for document in issued:
            names = embedded_fonts(pdf_bytes(document))
            assert names, document.kind
            assert not [n for n in names if n.startswith(FALLBACK_NAMES)], (document.kind, names)
            assert all(n.replace("-", "").startswith(expected) for n in names), names
            # Regular (body), bold (headings, signer) and italic (date line, bases) are used.
            assert {n.split("-")[-1] for n in names} >= {"Serif", "Bold", "Italic"}, names


def test_the_collective_signature_block_of_the_notice():
    """ "TM. ĐOÀN KIỂM TRA" above "TRƯỞNG ĐOÀN", above the signer's name (Decree 30, Annex I)."""
    require_metric_font()
    document = sample_document()
    data = render(document)
    document_pdf = open_pdf(data)
    page = document_pdf[len(document_pdf) - 1]
    text = page.get_textpage()
    tops = {}
    for phrase in ("TM. ĐOÀN KIỂM TRA", "TRƯỞNG ĐOÀN", "Lê Thị Hồng Vân"):
        searcher = text.search(phrase)
        found = searcher.get_next()
        assert found, phrase
        index, count = found
        tops[phrase] = text.get_charbox(index)[3]
    assert tops["TM. ĐOÀN KIỂM TRA"] > tops["TRƯỞNG ĐOÀN"] > tops["Lê Thị Hồng Vân"]


def test_page_margins_font_and_sizes_are_the_decrees():
    """A4; text inside 30 mm left, 15 mm right, 20 mm top; body 13 pt, national name 12 pt,
    document type 14 pt; the fonts are Liberation Serif's four faces (test_docx.py checks the
    same facts on the Word file)."""
    require_metric_font()
    long = sample_document()
    long.blocks = long.blocks + [Block("paragraph", text="Nội dung kiểm tra đầy đủ. " * 40)] * 6
    data = render(long)
    document = open_pdf(data)
    assert len(document) >= 2
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        assert abs(width - 595.28) <= 1 and abs(height - 841.89) <= 1
        textpage = page.get_textpage()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        boxes = [box for box in boxes if box[2] > box[0]]  # drawn characters only
        left = min(box[0] for box in boxes)
        right = max(box[2] for box in boxes)
        body_top = max(box[3] for box in boxes if box[3] < height - 20 * PT_PER_MM)
        assert abs(left - 30 * PT_PER_MM) <= 1.5, (index, left / PT_PER_MM)
        assert right <= width - 15 * PT_PER_MM + 0.5, (index, (width - right) / PT_PER_MM)
        assert right >= width - 15 * PT_PER_MM - 3, (index, (width - right) / PT_PER_MM)
        assert body_top <= height - 20 * PT_PER_MM
        fonts = page_fonts(page)
        assert all(re.sub(r"^[A-Z]{6}\+", "", n).startswith("Liberation") for n in fonts)
    first = document[0].get_textpage()
    sizes = {}
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "THÔNG BÁO", "Phường đã ban hành"):
        index, _count = first.search(phrase).get_next()
        box = first.get_charbox(index)  # "C", "T": capitals without marks
        sizes[phrase] = box
    # The height of a capital is 0.66 em in Liberation Serif (as in Times New Roman).
    cap = {p: (b[3] - b[1]) / 0.66 for p, b in sizes.items() if p.isupper()}
    assert abs(cap["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] - 12) <= 0.8, cap
    assert abs(cap["THÔNG BÁO"] - 14) <= 0.8, cap


def _line_count(text: str, font_path: str, size: float, width: float, indent: float) -> int:
    """How many lines `text` takes, greedily filled, with the font's advance widths — what Word
    does with Times New Roman, whose widths Liberation Serif copies."""
    with TTFont(font_path) as font:
        cmap = font.getBestCmap()
        metrics = font["hmtx"].metrics
        em = font["head"].unitsPerEm

        def measure(word: str) -> float:
            return sum(metrics[cmap[ord(c)]][0] for c in word) * size / em

        space = measure(" ")
        lines, used = 1, indent
        for word in text.split(" "):
            needed = measure(word) + (space if used > indent or lines > 1 else 0)
            if used + needed > width and used > 0:
                lines += 1
                used = measure(word)
            else:
                used += needed
        return lines


def test_a_paragraph_breaks_its_lines_where_the_metrics_say():
    """A body paragraph (13 pt, justified, first line indented 1 cm, 165 mm wide) has the
    number of lines that Times New Roman's widths give: a font with other widths (the Noto
    fallback) gives another count, and so another page break than Word's."""
    require_metric_font()
    words = (
        "Ủy ban nhân dân phường đã ban hành kế hoạch cải cách hành chính năm, triển khai "
        "niêm yết công khai thủ tục hành chính, tiếp nhận và trả kết quả đúng hạn; "
    )
    paragraph = (words * 6).strip()
    document = sample_document()
    document.blocks = [Block("paragraph", text=paragraph)]
    data = render(document)
    page = open_pdf(data)[0]
    textpage = page.get_textpage()
    start, count = textpage.search(paragraph[:40]).get_next()
    middles = sorted(
        (box[1] + box[3]) / 2
        for box in map(textpage.get_charbox, range(start, start + len(paragraph)))
        if box[2] > box[0]
    )
    # Lines are 17.9 pt apart (13 pt, line-height 1.38): a gap of more than 8 pt starts a line.
    lines_in_pdf = 1 + sum(1 for a, b in zip(middles, middles[1:], strict=False) if b - a > 8)
    path = pdf_font_path("Liberation Serif")
    expected = _line_count(paragraph, path, 13, 165 * PT_PER_MM, 10 * PT_PER_MM)
    assert lines_in_pdf == expected, (lines_in_pdf, expected)


def pdf_font_path(family: str) -> str:
    from weasyprint.text.ffi import ffi, fontconfig

    pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
    fontconfig.FcPatternAddString(pattern, b"family", family.encode())
    fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
    fontconfig.FcDefaultSubstitute(pattern)
    match = fontconfig.FcFontMatch(ffi.NULL, pattern, ffi.new("FcResult *"))
    string = ffi.new("FcChar8 **")
    if match == ffi.NULL or fontconfig.FcPatternGetString(match, b"file", 0, string) != 0:
        pytest.fail(f"fontconfig has no {family}")
    return ffi.string(string[0]).decode()
