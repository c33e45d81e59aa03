"""Preview, issue and download an official document in a real browser: the team's notice of a
concluded visit, read back from the downloaded Word and PDF files."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cchc.core.testing import build_cast
from cchc.documents.tests.helpers import docx_text, pdf_pages
from cchc.documents.tests.scenes import SENTENCE, concluded_inspection
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inspection() -> Any:
    return concluded_inspection(build_cast())


def test_preview_issue_and_download_a_conclusion_notice(page, live_server, inspection):
    log_in(page, live_server, "appraiser")
    page.goto(f"{live_server.url}{inspection.get_absolute_url()}")
    page.get_by_test_id("preview-notice").click()
    frame = page.frame_locator("[data-testid=preview-frame]")
    expect(frame.locator("body")).to_contain_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    expect(frame.locator("body")).to_contain_text(SENTENCE)
    shot(page, "document-preview")
    form = page.get_by_test_id("issue-form")
    form.locator("#id_signer_name").fill("Lê Thị Hồng Vân")
    form.get_by_test_id("issue").click()
    expect(page.get_by_test_id("issued")).to_contain_text("Lê Thị Hồng Vân")
    expect(page.locator("h1")).to_contain_text("01/TB-ĐKT")
    shot(page, "document-issued")
    with page.expect_download() as download_docx:
        page.get_by_test_id("download-docx").click()
    docx_bytes = Path(download_docx.value.path()).read_bytes()
    assert "Số: 01/TB-ĐKT" in docx_text(docx_bytes)
    assert SENTENCE in docx_text(docx_bytes)
    with page.expect_download() as download_pdf:
        page.get_by_test_id("download-pdf").click()
    pages = pdf_pages(Path(download_pdf.value.path()).read_bytes())
    assert "Số: 01/TB-ĐKT" in pages[0]
    assert "Lê Thị Hồng Vân" in " ".join(pages)
    assert page.console_errors == [], page.console_errors
