"""Hostile files through the one checker every upload uses (evidence, inspection files,
signed scans) and through the importers: programs and pages dressed as documents, PDFs that
run script, names that climb out of their folder, empty and oversized files, zip bombs
dressed as Office files. Each is refused with a message in Vietnamese."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from cchc.assessments.services.evidence import check_upload
from cchc.core.imports import ImportFailed
from cchc.documents.docx import TemplateError, validate_template
from cchc.frameworks.importers import read_framework_file

pytestmark = pytest.mark.security

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bomb(required: str, size: int = 120 * 1024 * 1024) -> bytes:
    """An Office-looking zip a few hundred kilobytes big that would unpack to `size` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(required, "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _n in range(size // len(block)):
                member.write(block)
    return buffer.getvalue()


CORPUS = [
    ("a program renamed .pdf", "hoa-don.pdf", b"MZ\x90\x00\x03" + b"\0" * 200),
    ("a web page renamed .pdf", "bao-cao.pdf", b"<html><script>alert(1)</script></html>"),
    (
        "an SVG with script as .png",
        "anh.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    ),
    (
        "a PDF that runs script",
        "ke-hoach.pdf",
        PDF.replace(b"<<>>", b"<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"),
    ),
    (
        "a PDF hiding its script name",
        "ke-hoach.pdf",
        PDF.replace(b"<<>>", b"<</AA<</O<</S/J#61vaScript>>>>>>"),
    ),
    (
        "a PDF launching a program",
        "ke-hoach.pdf",
        PDF.replace(b"<<>>", b"<</S/Launch/F(cmd.exe)>>"),
    ),
    ("a name with a control character", "ke\x00hoach.pdf", PDF),
    ("a Windows path", "C:\\Users\\a\\ke-hoach.pdf", PDF),
    ("an empty file", "rong.pdf", b""),
    ("a zip that is not an Office file", "so-lieu.xlsx", b"PK\x03\x04" + b"\0" * 100),
]


@pytest.mark.parametrize(("what", "name", "content"), CORPUS, ids=[case[0] for case in CORPUS])
def test_the_upload_checker_refuses(what, name, content):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile(name, content))
    message = " ".join(refused.value.messages)
    assert message and not message.isascii(), (what, message)  # said, in Vietnamese


def test_a_name_climbing_out_of_its_folder_never_reaches_storage():
    from cchc.assessments.services.evidence import clean_file_name

    # Django keeps only the last part of an uploaded file's name; the checker refuses the rest.
    assert SimpleUploadedFile("../../etc/passwd.pdf", PDF).name == "passwd.pdf"
    for name in ("../../etc/passwd.pdf", "..", "a/../../b.pdf"):
        with pytest.raises(ValidationError):
            clean_file_name(name)


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_an_oversized_file_is_refused_before_it_is_read():
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("lon.pdf", PDF + b"\0" * 2048))
    assert "MB" in " ".join(refused.value.messages)


def test_a_plain_pdf_still_passes():
    kind, _digest, size = check_upload(SimpleUploadedFile("ke-hoach.pdf", PDF))
    assert (kind, size) == ("pdf", len(PDF))


def test_a_workbook_bomb_is_refused_by_the_framework_import():
    with translation.override("vi"), pytest.raises(ImportFailed) as refused:
        read_framework_file(data=bomb("xl/workbook.xml"), file_name="bo-chi-so.xlsx")
    assert "nén" in str(refused.value.errors[0])  # said in Vietnamese: a compressed bomb


def test_a_document_bomb_is_refused_as_a_template():
    with translation.override("vi"), pytest.raises(TemplateError):
        validate_template(bomb("word/document.xml", 60 * 1024 * 1024))
