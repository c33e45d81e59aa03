"""Hostile files through the one checker every upload uses (evidence, inspection files,
signed scans, portal photos) and through the importers: programs and pages dressed as
documents, PDFs that run script (also where only a PDF library finds it: inside compressed
object streams), names that climb out of their folder, empty and oversized files, zip bombs
and XML entity bombs dressed as Office files, photos of too many pixels. Each is refused with
a message in Vietnamese; the files that pass are served so that a browser runs nothing."""

import io
import struct
import zipfile
import zlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from PIL import Image

from cchc.assessments.services.evidence import ACTIVE_PDF_MESSAGE, check_upload
from cchc.core.imports import ImportFailed
from cchc.core.testing import PDF, BaseTestCase, pdf_bytes
from cchc.documents.docx import TemplateError, validate_template
from cchc.frameworks.importers import read_framework_file

pytestmark = pytest.mark.security

CATALOG = b"<</Type/Catalog/Pages 2 0 R%s>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]%s>>"
JS = b"<</S/JavaScript/JS(app.alert(1))>>"


def hidden_pdf(catalog: bytes = b"", page: bytes = b"", *more: bytes) -> bytes:
    """A one-page PDF whose catalog, page and further objects (4, 5, …) all travel in one
    FlateDecode object stream: nothing of them shows in the file's bytes."""
    objects = (CATALOG % catalog, PAGES, PAGE % page, *more)
    return pdf_bytes(objects, packed=(1, 3, *range(4, len(objects) + 1)))


HIDDEN_PDFS = [
    ("the catalog's OpenAction", hidden_pdf(b"/OpenAction 4 0 R", b"", JS)),
    ("a page's additional actions", hidden_pdf(b"", b"/AA<</O 4 0 R>>", JS)),
    ("the names tree", hidden_pdf(b"/Names<</JavaScript<</Names[(a) 4 0 R]>>>>", b"", JS)),
    (
        "an outline item",
        hidden_pdf(
            b"/Outlines 4 0 R",
            b"",
            b"<</Type/Outlines/First 5 0 R/Last 5 0 R/Count 1>>",
            b"<</Title(Muc luc)/Parent 4 0 R/A<</S/Launch/F(cmd.exe)>>>>",
        ),
    ),
    (
        "a file attachment annotation",
        hidden_pdf(
            b"",
            b"/Annots[4 0 R]",
            b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS<</Type/Filespec/F(a.exe)"
            b"/EF<</F 5 0 R>>>>>>",
            b"<<>>",
        ),
    ),
    (
        "embedded files",
        hidden_pdf(b"/Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>", b"", b"<</F(a.exe)>>"),
    ),
    (
        "a form field sending the form",
        hidden_pdf(
            b"/AcroForm<</Fields[4 0 R]>>",
            b"",
            b"<</FT/Btn/T(gui)/AA<</D<</S/SubmitForm/F(http://example.invalid/)>>>>>>",
        ),
    ),
    ("data imported on opening", hidden_pdf(b"/OpenAction<</S/ImportData/F(a.fdf)>>")),
    ("an XFA form", hidden_pdf(b"/AcroForm<</Fields[]/XFA[(template) 4 0 R]>>", b"", b"[]")),
    ("rich media", hidden_pdf(b"", b"/Annots[<</Subtype/RichMedia/Rect[0 0 9 9]>>]")),
    ("a script name in #xx escapes", hidden_pdf(b"/OpenAction<</S/J#61vaScript/JS(1)>>")),
]


@pytest.mark.parametrize(
    "content", [case[1] for case in HIDDEN_PDFS], ids=[case[0] for case in HIDDEN_PDFS]
)
def test_a_pdf_hiding_an_action_in_an_object_stream_is_refused(content):
    assert b"JavaScript" not in content and b"Launch" not in content  # not in the raw bytes
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("ke-hoach.pdf", content))
    with translation.override("vi"):  # refused for what it holds, not as unreadable
        assert refused.value.messages == [translation.gettext(ACTIVE_PDF_MESSAGE)]


def test_a_pdf_the_library_cannot_read_is_refused():
    for content in (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", b"%PDF-1.7 " + b"x" * 99):
        with translation.override("vi"), pytest.raises(ValidationError) as refused:
            check_upload(SimpleUploadedFile("hong.pdf", content))
        message = " ".join(refused.value.messages)
        assert "PDF" in message and "đọc" in message, message


def test_a_pdf_of_too_many_objects_is_refused_before_it_is_read():
    from cchc.assessments.services import evidence
    from cchc.core.testing import PDF_PAGE_OBJECTS

    crowded = pdf_bytes(PDF_PAGE_OBJECTS + (b"<<>>",) * 40, packed=tuple(range(1, 44)))
    with (
        mock.patch.object(evidence, "MAX_PDF_OBJECTS", 30),
        translation.override("vi"),
        pytest.raises(ValidationError) as refused,
    ):
        check_upload(SimpleUploadedFile("nhieu.pdf", crowded))
    assert "30 đối tượng" in " ".join(refused.value.messages)


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt("mat-khau", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("mat.pdf", locked.getvalue()))
    assert "mật khẩu" in " ".join(refused.value.messages)


def test_a_pdf_a_library_writes_still_passes():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_outline_item("Mục 1", 0)  # an outline and a GoTo link are not actions to refuse
    buffer = io.BytesIO()
    writer.write(buffer)
    for content in (buffer.getvalue(), PDF, pdf_bytes(packed=(1, 2, 3))):
        assert check_upload(SimpleUploadedFile("ke-hoach.pdf", content))[0] == "pdf"


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
        pdf_bytes((CATALOG % (b"/OpenAction " + JS), PAGES, PAGE % b"")),
    ),
    (
        "a PDF hiding its script name",
        "ke-hoach.pdf",
        pdf_bytes((CATALOG % b"", PAGES, PAGE % b"/AA<</O<</S/J#61vaScript/JS(1)>>>>")),
    ),
    (
        "a PDF launching a program",
        "ke-hoach.pdf",
        pdf_bytes((CATALOG % b"/OpenAction<</S/Launch/F(cmd.exe)>>", PAGES, PAGE % b"")),
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


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n<workbook>&lol9;</workbook>"
)


def office(marker: str, part: str, xml: bytes) -> bytes:
    """An Office-looking zip whose `part` holds `xml` (the marker part is a plain root)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker, "<root/>" if part != marker else xml)
        if part != marker:
            archive.writestr(part, xml)
    return buffer.getvalue()


OFFICE_BOMBS = [
    ("a zip bomb as XLSX", "so-lieu.xlsx", lambda: bomb("xl/workbook.xml")),
    ("a zip bomb as DOCX", "bao-cao.docx", lambda: bomb("word/document.xml", 60 * 1024 * 1024)),
    (
        "billion laughs as XLSX",
        "so-lieu.xlsx",
        lambda: office("xl/workbook.xml", "xl/workbook.xml", LAUGHS),
    ),
    (
        "billion laughs in a sheet",
        "so-lieu.xlsx",
        lambda: office("xl/workbook.xml", "xl/worksheets/sheet1.xml", LAUGHS),
    ),
    (
        "billion laughs in UTF-16",
        "bao-cao.docx",
        lambda: office(
            "word/document.xml",
            "word/styles.xml",
            LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
        ),
    ),
    (
        "an external entity in a part with an odd name",
        "bao-cao.docx",
        lambda: office(
            "word/document.xml",
            "word/media/image1.bin",
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        ),
    ),
    (
        "a DTD behind a long prolog",
        "so-lieu.xlsx",
        lambda: office(
            "xl/workbook.xml", "xl/styles.xml", b"<!--" + b" " * 100_000 + b"-->" + LAUGHS
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "build"),
    [case[1:] for case in OFFICE_BOMBS],
    ids=[case[0] for case in OFFICE_BOMBS],
)
def test_an_office_bomb_is_refused_as_evidence(name, build):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile(name, build()))
    message = " ".join(refused.value.messages)
    assert message and not message.isascii() and "PDF, DOCX" not in message, message


def test_office_files_the_libraries_write_still_pass():
    from docx import Document  # type: ignore[import-untyped]
    from openpyxl import Workbook

    workbook, document = Workbook(), Document()
    workbook.active.append(["Mã", "Tên"])
    document.add_paragraph("Báo cáo")
    for name, save, kind in (
        ("so-lieu.xlsx", workbook.save, "xlsx"),
        ("bao-cao.docx", document.save, "docx"),
    ):
        buffer = io.BytesIO()
        save(buffer)
        assert check_upload(SimpleUploadedFile(name, buffer.getvalue()))[0] == kind


def test_an_entity_bomb_is_refused_by_the_importers_and_as_a_template():
    from cchc.indicators.importers import DossierImportFailed, check_xlsx_zip

    workbook = office("xl/workbook.xml", "xl/workbook.xml", LAUGHS)
    with translation.override("vi"):
        with pytest.raises(ImportFailed) as refused:
            read_framework_file(data=workbook, file_name="bo-chi-so.xlsx")
        assert "DTD" in str(refused.value.errors[0])
        with pytest.raises(DossierImportFailed) as refused_dossiers:
            check_xlsx_zip(io.BytesIO(workbook))
        assert "DTD" in str(refused_dossiers.value.errors[0])
        with pytest.raises(TemplateError) as refused_template:
            validate_template(office("word/document.xml", "word/document.xml", LAUGHS))
        assert "DTD" in " ".join(refused_template.value.messages)


def png_header(width: int, height: int) -> bytes:
    """A PNG saying it is width × height, its pixels not even there: what a reader sees of
    an image before decoding it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"\0" * 64)


def big_photo() -> bytes:
    """A real PNG of 110 million pixels (11,000 × 10,000, one bit each: a few hundred KB)."""
    buffer = io.BytesIO()
    Image.new("1", (11_000, 10_000)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_of_too_many_pixels_is_refused_from_its_header():
    with translation.override("vi"):
        for content in (big_photo(), png_header(11_000, 10_000)):
            with pytest.raises(ValidationError) as refused:
                check_upload(SimpleUploadedFile("anh.png", content))
            assert "40" in " ".join(refused.value.messages)  # the limit, in megapixels
        with override_settings(UPLOAD_MAX_PIXELS=1_000), pytest.raises(ValidationError):
            check_upload(SimpleUploadedFile("anh.png", png_header(40, 30)))
        buffer = io.BytesIO()
        Image.new("RGB", (4000, 3000)).save(buffer, format="JPEG")
        assert check_upload(SimpleUploadedFile("anh.jpg", buffer.getvalue()))[0] == "jpg"


class StoredFileTests(BaseTestCase):
    def test_stored_files_take_their_extension_from_their_content(self):
        from cchc.assessments.services import evidence_upload
        from cchc.assessments.tests.factories import assessment_of, make_round
        from cchc.frameworks.models import Criterion
        from cchc.inspections.services import visits
        from cchc.inspections.tests.factories import PNG, approved_inspection, to_status

        round_ = make_round(self.cast)
        evidence = evidence_upload(
            actor=self.ward_officer,
            assessment=assessment_of(round_, self.cast.ward_a),
            criterion=Criterion.objects.get(framework=round_.framework, code="1.1"),
            upload=SimpleUploadedFile("ke-hoach.html", PDF),
        )
        assert evidence.file.name.endswith(".pdf") and evidence.original_name == "ke-hoach.html"
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        photo = visits.photo_add(
            actor=None, inspection=inspection, upload=SimpleUploadedFile("anh.svg", PNG)
        )
        assert photo.file.name.endswith(".png")

    def test_a_portal_photo_of_too_many_pixels_is_refused(self):
        from cchc.portal.models import Article
        from cchc.portal.services import article_save

        article = article_save(actor=None, article=None, data={"title": "Tin", "summary": "S"})
        self.login("portal_editor")
        url = reverse("portal_editor:photo_add", args=[article.pk])
        photo = SimpleUploadedFile("anh.png", big_photo(), content_type="image/png")
        page = self.client.post(url, {"image": photo, "caption": "Ảnh"}, follow=True)
        assert "40 triệu điểm ảnh" in page.content.decode()
        assert not Article.objects.get().photos.exists()

    def test_user_files_are_served_so_that_a_browser_runs_nothing(self):
        from cchc.documents import services as documents
        from cchc.documents.tests.scenes import concluded_inspection
        from cchc.inspections.services import visits
        from cchc.inspections.tests.factories import PNG

        inspection = concluded_inspection(self.cast)
        notice = documents.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="A"
        )
        documents.scan_upload(
            actor=None, document=notice, upload=SimpleUploadedFile("ban-ky.pdf", PDF)
        )
        visits.inspection_publish(actor=None, inspection=inspection, publish=True)
        # The portal's copy of a signed scan, to anyone: a download, in a sandbox.
        response = self.client.get(reverse("portal:document", args=[notice.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Security-Policy"] == "sandbox"
        # A visit's photo is shown in the browser, in a sandbox too.
        photo = visits.photo_add(
            actor=None, inspection=inspection, upload=SimpleUploadedFile("anh.png", PNG)
        )
        self.login("inspector")
        response = self.client.get(reverse("inspections:file_download", args=[photo.pk]))
        assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox"
        response = self.client.get(reverse("documents:issued_file", args=[notice.pk, "scan"]))
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Security-Policy"] == "sandbox"


def test_a_workbook_bomb_is_refused_by_the_framework_import():
    with translation.override("vi"), pytest.raises(ImportFailed) as refused:
        read_framework_file(data=bomb("xl/workbook.xml"), file_name="bo-chi-so.xlsx")
    assert "nén" in str(refused.value.errors[0])  # said in Vietnamese: a compressed bomb


def test_a_document_bomb_is_refused_as_a_template():
    with translation.override("vi"), pytest.raises(TemplateError):
        validate_template(bomb("word/document.xml", 60 * 1024 * 1024))
