"""An inspection's files that arrive signed (issue 21), as evidence does: a remediation report's
PDF or a document the unit sent has its digital signatures checked once, when stored, kept with
the file and shown in Vietnamese beside it on the inspection's page; checked again on demand by
whoever may read the visit. A throw-away CA made here signs the PDFs (as the evidence tests)."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cchc.assessments.tests.test_evidence_signatures import SIGNER, altered, signed_pdf, trust
from cchc.core import pdfsignatures
from cchc.core.models import AuditEvent
from cchc.core.testing import PDF, BaseTestCase
from cchc.core.tests import pki
from cchc.inspections.models import DocumentRequest, Inspection, InspectionFile, RemediationAction
from cchc.inspections.services import findings, visits
from cchc.inspections.tests.factories import approved_inspection, png, to_status


def verdicts(page: str) -> list[str]:
    return re.findall(r'data-verdict="(\w+)"', page)


def upload(data: bytes, name: str = "bien-ban-khac-phuc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


class RemediationFileSignatureTests(BaseTestCase):
    def setUp(self):
        self.ca = pki.authority()
        trust(self.ca)
        self.inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        self.action = RemediationAction.objects.get(recommendation__inspection=self.inspection)

    def report(self, *datas: bytes) -> list[InspectionFile]:
        report = findings.progress_report(
            actor=self.ward_officer,
            action=self.action,
            text="Đã tổ chức đánh giá nội bộ",
            uploads=[upload(data, f"bao-cao-{i}.pdf") for i, data in enumerate(datas)],
            is_done=False,
        )
        return list(report.files.order_by("pk"))

    def page(self, persona: str = "ward_officer") -> str:
        self.login(persona)
        with translation.override("vi"):
            response = self.client.get(
                self.inspection.get_absolute_url(), headers={"accept-language": "vi"}
            )
        assert response.status_code == 200
        return response.content.decode()

    def test_a_signed_remediation_pdf_shows_its_signer(self):
        [stored] = self.report(signed_pdf(self.ca))
        stored.refresh_from_db()
        check = stored.signature_check
        assert check["verdict"] == pdfsignatures.VALID
        assert [s["signer"] for s in check["signatures"]] == [SIGNER]
        event = AuditEvent.objects.get(action="inspection_file.upload", object_id=str(stored.pk))
        assert event.after["signatures"] == pdfsignatures.VALID
        # The team sees it beside the report's file, in Vietnamese.
        page = self.page("appraiser")
        assert verdicts(page) == [pdfsignatures.VALID]
        assert re.search(
            rf"Đã ký số bởi {SIGNER}, lúc \d\d:\d\d \d\d/\d\d/\d{{4}}, nguyên vẹn", page
        )
        assert f'data-testid="file-signature-{stored.pk}"' in page

    def test_one_byte_changed_after_signing_shows_altered(self):
        self.report(altered(signed_pdf(self.ca)))
        page = self.page()
        assert verdicts(page) == [pdfsignatures.ALTERED]
        assert "Đã bị sửa sau khi ký" in page
        assert "nguyên vẹn" not in page

    def test_an_unsigned_pdf_shows_nothing(self):
        [stored] = self.report(PDF)
        stored.refresh_from_db()
        assert stored.signature_check["verdict"] == pdfsignatures.UNSIGNED
        page = self.page()
        assert stored.original_name in page
        assert verdicts(page) == []
        assert f'data-testid="file-signature-{stored.pk}"' not in page

    def test_checked_again_on_demand_by_whoever_reads_the_visit(self):
        stranger = pki.authority("CA tỉnh")
        [stored] = self.report(signed_pdf(stranger))
        assert stored.signature_check["verdict"] == pdfsignatures.UNTRUSTED
        trust(stranger)
        url = reverse("inspections:file_check", args=[stored.pk])
        self.login("ward_officer")
        with translation.override("vi"):
            fragment = self.client.post(url, headers={"hx-request": "true"}).content.decode()
        assert verdicts(fragment) == [pdfsignatures.VALID]
        assert f"Đã ký số bởi {SIGNER}" in fragment
        stored.refresh_from_db()
        assert stored.signature_check["verdict"] == pdfsignatures.VALID
        event = AuditEvent.objects.get(action="inspection_file.check_signatures")
        assert event.before == {"signatures": pdfsignatures.UNTRUSTED}
        assert event.after == {"signatures": pdfsignatures.VALID}
        # Without HTMX: back to the inspection's page, at the file.
        response = self.client.post(url)
        assert response.status_code == 302
        assert response["Location"] == f"{self.inspection.get_absolute_url()}#file-{stored.pk}"
        # Someone who may not read the visit cannot check its files either, nor learn they exist.
        checks = AuditEvent.objects.filter(action="inspection_file.check_signatures").count()
        self.login("outsider")
        assert self.client.post(url).status_code == 404
        assert (
            AuditEvent.objects.filter(action="inspection_file.check_signatures").count() == checks
        )

    def test_a_photo_has_no_signatures_to_check(self):
        inspection = to_status(self.cast, approved_inspection(self.cast, year=2031), "visiting")
        photo = visits.photo_add(actor=self.inspector, inspection=inspection, upload=png())
        assert photo.signature_check is None
        with self.assertRaises(visits.ValidationError):
            visits.file_check_signatures(actor=None, stored=photo)

    def test_a_signed_document_sent_by_the_unit_shows_its_signer(self):
        inspection = to_status(self.cast, approved_inspection(self.cast, year=2031), "visiting")
        item = visits.visit_items(inspection)[0]
        document = DocumentRequest.objects.create(inspection=inspection, item=item, text="QĐ")
        visits.document_answer(
            actor=self.ward_officer, request=document, upload=upload(signed_pdf(self.ca))
        )
        self.inspection = inspection
        page = self.page()
        assert verdicts(page) == [pdfsignatures.VALID]
        assert f"Đã ký số bởi {SIGNER}" in page

    def test_the_page_reads_no_more_queries_with_signed_files(self):
        self.report(PDF)
        self.login("ward_officer")
        url = self.inspection.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        self.report(signed_pdf(self.ca), signed_pdf(self.ca))
        self.report(signed_pdf(self.ca))
        with CaptureQueriesContext(connection) as second:
            page = self.client.get(url).content.decode()
        assert verdicts(page) == [pdfsignatures.VALID] * 3
        assert len(second) == len(first)
