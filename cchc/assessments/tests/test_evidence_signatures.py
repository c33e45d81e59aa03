"""Evidence that arrives signed (issue 21): its digital signatures are checked once, on upload,
against the administrator's trust roots, stored with the file, and shown in Vietnamese beside
it on the self-assessment and appraisal pages; checked again on demand. A throw-away CA made
here signs the PDFs: a signed one shows its signer, one byte changed shows altered, one whose
root is not loaded shows untrusted, an unsigned one shows nothing."""

import hashlib
import re

from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cchc.assessments.models import Evidence
from cchc.assessments.services import (
    assessment_submit,
    evidence_check_signatures,
    evidence_upload,
)
from cchc.assessments.services.rounds import round_advance
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core import pdfsignatures
from cchc.core.models import AuditEvent, TrustRoot
from cchc.core.testing import PDF, BaseTestCase
from cchc.core.tests import pki
from cchc.documents import signatures, signing
from cchc.frameworks.models import Criterion

SIGNER = "Nguyễn Văn Bình"


def signed_pdf(authority: pki.Authority, holder: str = SIGNER) -> bytes:
    return signing.sign_pdf(
        PDF,
        [
            signing.Signature(
                signing.Pkcs12Signer(holder, authority.issue(holder), pki.PASSWORD),
                "NguoiKy",
                signing.Placement(0, (300, 100, 470, 160)),
            )
        ],
        font_path=signatures.stamp_font(),
    )


def altered(data: bytes) -> bytes:
    """One digit of the page's size changed: the bytes the signature covers differ."""
    position = data.index(b"MediaBox[0 0 595") + len(b"MediaBox[0 0 59")
    return data[:position] + b"6" + data[position + 1 :]


def trust(authority: pki.Authority) -> None:
    TrustRoot.objects.create(
        name="CA thử nghiệm",
        certificate=authority.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        sha256=hashlib.sha256(
            authority.certificate.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
        not_after=authority.certificate.not_valid_after_utc,
    )


def verdicts(page: str) -> list[str]:
    return re.findall(r'data-verdict="(\w+)"', page)


class EvidenceSignatureTests(BaseTestCase):
    def setUp(self):
        self.ca = pki.authority()
        trust(self.ca)
        self.assessment = assessment_of(make_round(self.cast), self.cast.ward_a)
        self.framework = self.assessment.round.framework

    def upload(self, data: bytes, code: str = "1.1", name: str = "quyet-dinh.pdf") -> Evidence:
        return evidence_upload(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=Criterion.objects.get(framework=self.framework, code=code),
            upload=SimpleUploadedFile(name, data, content_type="application/pdf"),
        )

    def page(self, url: str, persona: str = "ward_officer", **query: str) -> str:
        self.login(persona)
        with translation.override("vi"):
            response = self.client.get(url, query, headers={"accept-language": "vi"})
        assert response.status_code == 200
        return response.content.decode()

    def test_a_signed_pdf_is_checked_on_upload_and_shows_its_signer(self):
        evidence = self.upload(signed_pdf(self.ca))
        evidence.refresh_from_db()
        check = evidence.signature_check
        assert check["verdict"] == pdfsignatures.VALID
        assert [s["signer"] for s in check["signatures"]] == [SIGNER]
        assert check["signatures"][0]["intact"] and check["signatures"][0]["trusted"]
        upload_event = AuditEvent.objects.get(action="evidence.upload")
        assert upload_event.after["signatures"] == pdfsignatures.VALID
        page = self.page(self.assessment.get_absolute_url())
        assert verdicts(page) == [pdfsignatures.VALID]
        assert re.search(
            rf"Đã ký số bởi {SIGNER}, lúc \d\d:\d\d \d\d/\d\d/\d{{4}}, nguyên vẹn", page
        )

    def test_one_byte_changed_after_signing_shows_altered(self):
        self.upload(altered(signed_pdf(self.ca)))
        page = self.page(self.assessment.get_absolute_url())
        assert verdicts(page) == [pdfsignatures.ALTERED]
        assert "Đã bị sửa sau khi ký" in page
        assert "nguyên vẹn" not in page

    def test_a_root_not_loaded_shows_untrusted(self):
        self.upload(signed_pdf(pki.authority("CA lạ"), "Người lạ"))
        page = self.page(self.assessment.get_absolute_url())
        assert verdicts(page) == [pdfsignatures.UNTRUSTED]
        assert "Chứng thư số không được tin cậy" in page

    def test_an_unsigned_pdf_and_an_image_show_nothing(self):
        evidence = self.upload(PDF, name="ke-hoach.pdf")
        evidence.refresh_from_db()
        assert evidence.signature_check["verdict"] == pdfsignatures.UNSIGNED
        page = self.page(self.assessment.get_absolute_url())
        assert "ke-hoach.pdf" in page or evidence.title in page
        assert verdicts(page) == []
        assert f'data-testid="evidence-signature-{evidence.pk}"' not in page

    def test_checked_again_on_demand_after_the_root_is_loaded(self):
        stranger = pki.authority("CA tỉnh")
        evidence = self.upload(signed_pdf(stranger))
        assert evidence.signature_check["verdict"] == pdfsignatures.UNTRUSTED
        trust(stranger)
        url = reverse("assessments:evidence_check", args=[evidence.pk])
        self.login("ward_officer")
        with translation.override("vi"):
            fragment = self.client.post(url, headers={"hx-request": "true"}).content.decode()
        assert verdicts(fragment) == [pdfsignatures.VALID]
        assert f"Đã ký số bởi {SIGNER}" in fragment
        evidence.refresh_from_db()
        assert evidence.signature_check["verdict"] == pdfsignatures.VALID
        event = AuditEvent.objects.get(action="evidence.check_signatures")
        assert event.before == {"signatures": pdfsignatures.UNTRUSTED}
        assert event.after == {"signatures": pdfsignatures.VALID}
        # Without HTMX: back to the page, the verdict stored.
        response = self.client.post(url, headers={"referer": self.assessment.get_absolute_url()})
        assert response.status_code == 302
        assert response["Location"] == self.assessment.get_absolute_url()
        # Someone who may not read the assessment cannot check it either.
        self.login("outsider")
        assert self.client.post(url).status_code == 404

    def test_a_picture_has_no_signatures_to_check(self):
        evidence = self.upload(PDF)
        Evidence.objects.filter(pk=evidence.pk).update(kind=Evidence.Kind.PNG)
        evidence.refresh_from_db()
        with self.assertRaises(signatures.ValidationError):
            evidence_check_signatures(actor=None, evidence=evidence)

    def test_the_appraiser_sees_the_verdict_beside_the_file(self):
        self.upload(signed_pdf(self.ca), code="2.1")
        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        round_ = round_advance(actor=None, round_=self.assessment.round)
        criterion = Criterion.objects.get(framework=self.framework, code="2.1")
        page = self.page(
            reverse("assessments:appraisal", args=[round_.pk]),
            "appraiser",
            criterion=criterion.pk,
        )
        assert verdicts(page) == [pdfsignatures.VALID]
        assert f"Đã ký số bởi {SIGNER}" in page

    def test_the_page_reads_no_more_queries_with_signed_evidence(self):
        url = self.assessment.get_absolute_url()
        self.upload(PDF, code="1.1")
        self.login("ward_officer")
        self.client.get(url)
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        for code in ("1.2", "2.1"):
            self.upload(signed_pdf(self.ca), code=code, name=f"ky-{code}.pdf")
        with CaptureQueriesContext(connection) as second:
            page = self.client.get(url).content.decode()
        assert verdicts(page) == [pdfsignatures.VALID, pdfsignatures.VALID]
        assert len(second) == len(first)
