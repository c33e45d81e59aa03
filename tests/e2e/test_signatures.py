"""Digital signatures in a real browser (issue 21): the administrator loads a trust root and the
issuing body's certificates (a throw-away CA made here), the team's appraiser issues the
conclusion notice and signs it, the signed PDF downloaded reads as signed (pypdf) and intact,
and the verdict shows on the document page and on the portal's page of the unit."""

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from cchc.core import pdfsignatures
from cchc.core.testing import build_cast
from cchc.core.tests import pki
from cchc.documents.models import IssuedDocument
from cchc.documents.tests.scenes import concluded_inspection
from cchc.inspections.models import Inspection
from tests.e2e.test_browser import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNER = "Lê Thị Hồng Vân"
BODY = "Đoàn kiểm tra UBND Thành phố Hà Tĩnh"


@pytest.fixture
def scene() -> Any:
    cast = build_cast()
    return cast, concluded_inspection(cast)


def test_load_certificates_issue_sign_download_and_see_it_verified(
    page, live_server, scene, tmp_path
):
    cast, inspection = scene
    ca = pki.authority()
    root_file = tmp_path / "ca-thu-nghiem.pem"
    root_file.write_bytes(ca.pem)

    # The administrator trusts the root and gives the issuing body its two certificates.
    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}{reverse('documents:signatures')}")
    roots = page.get_by_test_id("root-form")
    roots.locator("input[name=name]").fill("CA thử nghiệm")
    roots.locator("input[type=file]").set_input_files(str(root_file))
    roots.locator("button[type=submit]").click()
    expect(page.get_by_test_id("roots")).to_contain_text("CA thử nghiệm")
    for role, holder in (("signer", SIGNER), ("body", BODY)):
        p12 = tmp_path / f"{role}.p12"
        p12.write_bytes(ca.issue(holder))
        form = page.get_by_test_id("certificate-form")
        form.locator("select[name=org_unit]").select_option(label=cast.city.name)
        form.locator("select[name=role]").select_option(role)
        form.locator("input[type=file]").set_input_files(str(p12))
        form.locator("input[name=password]").fill(pki.PASSWORD)
        form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("certificates")).to_contain_text(holder)
    shot(page, "signatures-loaded")

    # The team's appraiser issues the conclusion notice, then signs it.
    page.context.clear_cookies()
    log_in(page, live_server, "appraiser")
    page.goto(f"{live_server.url}{inspection.get_absolute_url()}")
    page.get_by_test_id("preview-notice").click()
    form = page.get_by_test_id("issue-form")
    form.locator("#id_signer_name").fill(SIGNER)
    form.get_by_test_id("issue").click()
    expect(page.get_by_test_id("issued")).to_contain_text(SIGNER)
    page.get_by_test_id("sign-form").locator("button[type=submit]").click()
    signed_block = page.get_by_test_id("signed-pdf")
    verdicts = signed_block.get_by_test_id("signature-verdict")
    expect(verdicts).to_have_count(2)
    expect(verdicts.first).to_have_attribute("data-verdict", "valid")
    expect(verdicts.first).to_contain_text(f"Đã ký số bởi {SIGNER}, lúc ")
    expect(verdicts.first).to_contain_text("nguyên vẹn")
    expect(verdicts.nth(1)).to_contain_text(f"Đã ký số bởi {BODY}")
    shot(page, "document-signed")

    # The signed PDF downloaded: two signature fields, each with its signature; intact.
    with page.expect_download() as download:
        page.get_by_test_id("download-signed").click()
    signed = Path(download.value.path()).read_bytes()
    fields = PdfReader(io.BytesIO(signed)).get_fields() or {}
    signed_fields = {name: field for name, field in fields.items() if field.get("/FT") == "/Sig"}
    assert sorted(signed_fields) == ["CoQuanBanHanh", "NguoiKy"]
    assert all(field.get("/V") for field in signed_fields.values())
    assert signed.startswith(_unsigned_pdf(inspection))  # the same issued bytes, then signatures
    # pyHanko validates in an event loop of its own; Playwright's runs in this thread.
    roots = pdfsignatures.trust_roots()
    with ThreadPoolExecutor(1) as pool:
        check = pool.submit(pdfsignatures.check_pdf, signed, roots).result()
    assert check.verdict == pdfsignatures.VALID, check.error
    assert [s.signer for s in check.signatures] == [SIGNER, BODY]

    # Checked again on demand: still intact.
    page.get_by_test_id("check-again").locator("button[type=submit]").click()
    expect(
        page.get_by_test_id("signed-pdf").get_by_test_id("signature-verdict").first
    ).to_have_attribute("data-verdict", "valid")

    # Published, the unit's page on the portal says who signed it, for anyone.
    Inspection.objects.filter(pk=inspection.pk).update(is_published=True)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('portal:unit', args=[cast.ward_a.code])}")
    portal_verdicts = page.get_by_test_id("signature-verdict")
    expect(portal_verdicts).to_have_count(2)
    expect(portal_verdicts.first).to_contain_text(f"Đã ký số bởi {SIGNER}")
    expect(portal_verdicts.first).to_contain_text("nguyên vẹn")
    shot(page, "portal-unit-signed")
    assert page.console_errors == [], page.console_errors


def _unsigned_pdf(inspection: Inspection) -> bytes:
    document = IssuedDocument.objects.get(inspection=inspection, kind="conclusion_notice")
    with document.pdf.open("rb") as handle:
        return handle.read()
