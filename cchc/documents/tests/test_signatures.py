"""Digital signatures (issue 21): a throw-away CA and holders made here, a real issued notice
signed by its signer then its body, checked; one byte changed reads altered, an expired
certificate and an unknown root read as such, in Vietnamese; keys are stored sealed; a signed
scan is checked on upload; who may upload certificates, sign and check."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from cchc.core import pdfsignatures
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.core.tests import pki
from cchc.documents import services, signatures, signing
from cchc.documents.models import IssuedDocument, SigningCertificate
from cchc.documents.tests.scenes import concluded_inspection

SIGNER = "Lê Thị Hồng Vân"
BODY = "Đoàn kiểm tra UBND Thành phố Hà Tĩnh"


def upload(data: bytes, name: str = "chung-thu.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def read(stored) -> bytes:
    with stored.open("rb") as handle:
        return handle.read()


def lines_vi(check) -> list[tuple[str, str]]:
    with translation.override("vi"):
        return pdfsignatures.verdict_lines(check)


class SigningTests(BaseTestCase):
    def setUp(self):
        self.ca = pki.authority()
        signatures.trust_root_add(
            actor=self.admin, name="CA thử nghiệm", upload=upload(self.ca.pem, "ca.pem")
        )
        for role, holder in (("signer", SIGNER), ("body", BODY)):
            signatures.certificate_upload(
                actor=self.admin,
                org_unit=self.cast.city,
                role=role,
                upload=upload(self.ca.issue(holder)),
                password=pki.PASSWORD,
            )

    def issued_notice(self) -> IssuedDocument:
        return services.issue(
            actor=self.appraiser,
            kind="conclusion_notice",
            target=concluded_inspection(self.cast),
            signer_name=SIGNER,
        )

    def test_a_real_notice_is_signed_by_its_signer_then_its_body_and_reads_intact(self):
        issued = self.issued_notice()
        before = (issued.reference, issued.issued_on, issued.pdf_sha256, issued.number)
        unsigned = read(issued.pdf)
        signed_doc = signatures.sign_issued(actor=self.appraiser, document=issued)
        signed = read(signed_doc.signed_pdf)
        # The same numbered document: the issued bytes, then the signatures appended.
        assert signed.startswith(unsigned) and len(signed) > len(unsigned)
        signed_doc.refresh_from_db()
        assert (
            signed_doc.reference,
            signed_doc.issued_on,
            signed_doc.pdf_sha256,
            signed_doc.number,
        ) == before
        assert services.sha256(read(signed_doc.pdf)) == signed_doc.pdf_sha256
        check = signed_doc.signed_check
        assert check["verdict"] == pdfsignatures.VALID
        assert [s["signer"] for s in check["signatures"]] == [SIGNER, BODY]
        assert all(s["intact"] and s["trusted"] for s in check["signatures"])
        lines = lines_vi(check)
        assert lines[0][1].startswith(f"Đã ký số bởi {SIGNER}, lúc ")
        assert lines[0][1].endswith("nguyên vẹn")
        # Both visible, on the last page, in the signature column, under "TRƯỞNG ĐOÀN".
        reader = PdfReader(io.BytesIO(signed))
        widgets = [
            annotation.get_object()
            for page in reader.pages
            for annotation in page.get("/Annots", [])
            if annotation.get_object().get("/FT") == "/Sig"
        ]
        assert [w["/T"] for w in widgets] == ["NguoiKy", "CoQuanBanHanh"]
        signer_box = [float(v) for v in widgets[0]["/Rect"]]
        body_box = [float(v) for v in widgets[1]["/Rect"]]
        assert signer_box[0] > 104 * signing.MM  # the signature column (right 55 %)
        assert body_box[0] < signer_box[0] < body_box[2]  # the body's at its left, overlapping
        assert AuditEvent.objects.filter(action="document.sign").count() == 1
        # Signed once: the register keeps one signed file.
        refusal = signatures.sign_refusal(signed_doc)
        assert refusal is not None

    def test_one_byte_changed_reads_altered(self):
        signed_doc = signatures.sign_issued(actor=None, document=self.issued_notice())
        data = bytearray(read(signed_doc.signed_pdf))
        position = 400  # inside the issued page content, which both signatures cover
        data[position] = (data[position] + 1) % 256
        check = pdfsignatures.check_bytes(bytes(data))
        assert check["verdict"] == pdfsignatures.ALTERED
        assert "Đã bị sửa sau khi ký" in lines_vi(check)[0][1]

    def test_an_unknown_root_reads_untrusted(self):
        stranger = pki.authority("CA lạ")
        data = signing.sign_pdf(
            read(self.issued_notice().pdf),
            [
                signing.Signature(
                    signing.Pkcs12Signer("Người lạ", stranger.issue("Người lạ"), pki.PASSWORD),
                    "NguoiKy",
                    signing.Placement(0, (300, 100, 470, 160)),
                )
            ],
            font_path=signatures.stamp_font(),
        )
        check = pdfsignatures.check_bytes(data)
        assert check["verdict"] == pdfsignatures.UNTRUSTED
        assert check["signatures"][0]["intact"]
        assert "Chứng thư số không được tin cậy" in lines_vi(check)[0][1]

    def test_an_expired_certificate_reads_not_valid_at_signing(self):
        now = datetime.datetime.now(datetime.UTC)
        expired = self.ca.issue(
            SIGNER,
            not_before=now - datetime.timedelta(days=400),
            not_after=now - datetime.timedelta(days=30),
        )
        data = signing.sign_pdf(
            read(self.issued_notice().pdf),
            [
                signing.Signature(
                    signing.Pkcs12Signer(SIGNER, expired, pki.PASSWORD),
                    "NguoiKy",
                    signing.Placement(0, (300, 100, 470, 160)),
                )
            ],
            font_path=signatures.stamp_font(),
        )
        check = pdfsignatures.check_bytes(data)
        assert check["verdict"] == pdfsignatures.EXPIRED
        assert "hết hiệu lực" in lines_vi(check)[0][1]
        # And an administrator cannot put an expired certificate in use.
        with self.assertRaises(signatures.ValidationError):
            signatures.certificate_upload(
                actor=self.admin,
                org_unit=self.cast.city,
                role="signer",
                upload=upload(expired),
                password=pki.PASSWORD,
            )

    def test_keys_and_passwords_are_stored_sealed(self):
        certificate = SigningCertificate.objects.get(role="signer", is_active=True)
        assert pki.PASSWORD.encode() not in bytes(certificate.sealed_password)
        assert bytes(certificate.sealed_pkcs12)[:4] != b"\x30\x82"[:2] * 2
        with self.assertRaises(signing.SigningUnavailable):
            signing.unseal(certificate.sealed_password, "another-secret")
        assert signing.unseal(certificate.sealed_password, signatures._secret()) == (
            pki.PASSWORD.encode()
        )

    def test_a_wrong_password_is_refused(self):
        with self.assertRaises(signatures.ValidationError):
            signatures.certificate_upload(
                actor=self.admin,
                org_unit=self.cast.city,
                role="body",
                upload=upload(self.ca.issue(BODY)),
                password="sai-mat-khau",
            )

    def test_a_signed_scan_is_checked_on_upload(self):
        issued = self.issued_notice()
        signed = read(signatures.sign_issued(actor=None, document=issued).signed_pdf)
        issued.refresh_from_db()
        services.scan_upload(
            actor=self.appraiser, document=issued, upload=upload(signed, "ban-ky.pdf")
        )
        issued.refresh_from_db()
        assert issued.scan_check["verdict"] == pdfsignatures.VALID
        assert len(issued.scan_check["signatures"]) == 2


class SigningPermissionTests(BaseTestCase):
    def setUp(self):
        self.ca = pki.authority()

    def test_only_a_system_administrator_uploads_certificates_and_roots(self):
        for persona in ("home_affairs", "appraiser", "ward_officer", "leader"):
            self.login(persona)
            response = self.client.post(
                reverse("documents:certificate_upload"),
                {
                    "org_unit": self.cast.city.pk,
                    "role": "body",
                    "password": pki.PASSWORD,
                    "file": upload(self.ca.issue(BODY)),
                },
            )
            assert response.status_code == 403, persona
            response = self.client.post(
                reverse("documents:trust_root"), {"file": upload(self.ca.pem, "ca.pem")}
            )
            assert response.status_code == 403, persona
            page = self.client.get(reverse("documents:signatures"))
            assert 'data-testid="certificate-form"' not in page.content.decode()
        assert not SigningCertificate.objects.exists()
        self.login("admin")
        response = self.client.post(
            reverse("documents:certificate_upload"),
            {
                "org_unit": self.cast.city.pk,
                "role": "body",
                "password": pki.PASSWORD,
                "file": upload(self.ca.issue(BODY)),
            },
        )
        assert response.status_code == 302
        assert SigningCertificate.objects.get().holder == BODY

    def test_who_may_issue_signs_a_reader_checks_others_are_refused(self):
        signatures.trust_root_add(actor=None, name="CA", upload=upload(self.ca.pem, "ca.pem"))
        for role, holder in (("signer", SIGNER), ("body", BODY)):
            signatures.certificate_upload(
                actor=None,
                org_unit=self.cast.city,
                role=role,
                upload=upload(self.ca.issue(holder)),
                password=pki.PASSWORD,
            )
        issued = services.issue(
            actor=None,
            kind="conclusion_notice",
            target=concluded_inspection(self.cast),
            signer_name=SIGNER,
        )
        self.login("ward_officer")  # reads its notice, may not issue it
        assert self.client.post(reverse("documents:sign", args=[issued.pk])).status_code == 403
        issued.refresh_from_db()
        assert not issued.signed_pdf
        self.login("outsider")
        assert self.client.post(reverse("documents:sign", args=[issued.pk])).status_code in (
            403,
            404,
        )
        self.login("appraiser")
        page = self.client.get(issued.get_absolute_url()).content.decode()
        assert 'data-testid="sign-form"' in page
        response = self.client.post(reverse("documents:sign", args=[issued.pk]))
        assert response.status_code == 302
        issued.refresh_from_db()
        assert issued.signed_pdf
        self.login("ward_officer")
        response = self.client.post(reverse("documents:check", args=[issued.pk]))
        assert response.status_code == 302
        page = self.client.get(issued.get_absolute_url()).content.decode()
        assert f"Đã ký số bởi {SIGNER}" in page
        signed = self.client.get(reverse("documents:issued_file", args=[issued.pk, "signed"]))
        assert b"".join(signed.streaming_content).startswith(b"%PDF-")

    def test_any_reader_checks_a_pdf_on_the_signatures_page(self):
        self.login("ward_officer")
        response = self.client.post(
            reverse("documents:signatures"),
            {"file": upload(b"%PDF-1.4\n%%EOF\n", "khong-ky.pdf")},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="check-result"' in body
        assert "không có chữ ký số" in body or "không đọc được" in body
