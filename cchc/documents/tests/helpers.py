"""Read documents back as a reader would: the words of a DOCX (body and tables), the words of
each PDF page, and whether the first page is really drawn."""

import io
import unicodedata

from docx import Document as open_docx  # type: ignore[import-untyped]


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def docx_text(data: bytes) -> str:
    """Every paragraph of the document, its tables and header cells, in order."""
    document = open_docx(io.BytesIO(data))
    parts: list[str] = []

    for paragraph in document.paragraphs:
        parts.append(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                for inner in cell.tables:
                    for inner_row in inner.rows:
                        parts.extend(c.text for c in inner_row.cells)
    return normal(" ".join(parts))


def pdf_pages(data: bytes) -> list[str]:
    import pypdfium2  # type: ignore[import-untyped]

    pdf = pypdfium2.PdfDocument(data)
    try:
        return [normal(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    finally:
        pdf.close()


def first_page_ink(data: bytes) -> float:
    """The share of dark pixels on page 1 (a blank page gives 0)."""
    import pypdfium2  # type: ignore[import-untyped]

    pdf = pypdfium2.PdfDocument(data)
    try:
        image = pdf[0].render(scale=0.5, grayscale=True).to_pil()
    finally:
        pdf.close()
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)


def assert_issued_document(issued: object, *expected: str) -> tuple[str, list[str]]:
    """Open the issued DOCX and PDF and check what every document must say, plus `expected`
    (in both); the first PDF page must be drawn. Returns the texts for further checks."""
    docx_file = issued.docx  # type: ignore[attr-defined]
    pdf_file = issued.pdf  # type: ignore[attr-defined]
    with docx_file.open("rb") as handle:
        docx_bytes = handle.read()
    with pdf_file.open("rb") as handle:
        pdf_bytes = handle.read()
    import hashlib

    assert hashlib.sha256(docx_bytes).hexdigest() == issued.docx_sha256  # type: ignore[attr-defined]
    assert hashlib.sha256(pdf_bytes).hexdigest() == issued.pdf_sha256  # type: ignore[attr-defined]
    text = docx_text(docx_bytes)
    pages = pdf_pages(pdf_bytes)
    whole_pdf = " ".join(pages)
    common = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {issued.reference}",  # type: ignore[attr-defined]
        issued.signer_name,  # type: ignore[attr-defined]
        "Nơi nhận:",
    ]
    day = issued.issued_on  # type: ignore[attr-defined]
    common.append(f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}")
    for phrase in [*common, *expected]:
        phrase = normal(phrase)
        assert phrase in text, f"DOCX lacks “{phrase}”"
        assert phrase in whole_pdf, f"PDF lacks “{phrase}”"
    assert first_page_ink(pdf_bytes) > 0.005, "the first PDF page is blank"
    return text, pages
