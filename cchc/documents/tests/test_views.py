import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.docx import default_template
from cchc.documents.models import BulkJob, DocumentTemplate, IssuedDocument
from cchc.documents.tests.helpers import docx_text, pdf_pages
from cchc.documents.tests.scenes import concluded_inspection, submitted_assessment
from cchc.inspections.tests.factories import PDF


class IssueThroughThePagesTests(BaseTestCase):
    def test_preview_then_issue_then_download_both_files(self):
        inspection = concluded_inspection(self.cast)
        self.login("appraiser")
        preview = self.client.get(
            reverse("documents:preview", args=["conclusion_notice", inspection.pk])
        )
        assert preview.status_code == 200
        raw = self.client.get(
            reverse("documents:preview_raw", args=["conclusion_notice", inspection.pk])
        )
        body = raw.content.decode()
        assert 'class="document is-draft"' in body  # the stylesheet writes "DỰ THẢO" across it
        assert "frame-ancestors 'self'" in raw["Content-Security-Policy"]
        draft = self.client.get(
            reverse("documents:draft_docx", args=["conclusion_notice", inspection.pk])
        )
        # Named for what it is, in the reader's language (it was "du-thao-conclusion_notice").
        assert (
            'filename="ban-nhap-thong-bao-ket-luan-kiem-tra.docx"' in draft["Content-Disposition"]
        )
        response = self.client.post(
            reverse("documents:issue", args=["conclusion_notice", inspection.pk]),
            {"signer_name": "Lê Thị Hồng Vân", "issued_on": "2026-11-20"},
        )
        issued = IssuedDocument.objects.get()
        assert response["Location"] == issued.get_absolute_url()
        docx = self.client.get(reverse("documents:issued_file", args=[issued.pk, "docx"]))
        assert "Số: 01/TB-ĐKT" in docx_text(b"".join(docx.streaming_content))
        pdf = self.client.get(reverse("documents:issued_file", args=[issued.pk, "pdf"]))
        assert "Hà Tĩnh, ngày 20 tháng 11 năm 2026" in pdf_pages(b"".join(pdf.streaming_content))[0]

    def test_a_refused_issue_keeps_what_was_typed_and_says_which_field(self):
        # Found walking the demo: without a signer the error was at the top without naming
        # the field, and the difficulties typed for the report were lost.
        assessment = submitted_assessment(self.cast)
        self.login("ward_chair")
        url = reverse("documents:issue", args=["self_assessment_report", assessment.pk])
        typed = {
            "signer_name": "",
            "issued_on": "2026-11-20",
            "difficulties": "Thiếu máy scan ở bộ phận một cửa.",
        }
        response = self.client.post(url, typed)
        content = response.content.decode()
        assert response.status_code == 400
        assert "Thiếu máy scan ở bộ phận một cửa." in content
        assert 'id="id_signer_name_errors"' in content and 'aria-invalid="true"' in content
        assert not IssuedDocument.objects.exists()

    def test_a_notice_dated_before_the_visit_is_refused_beside_its_date(self):
        # Found walking the demo: a notice dated 01/11/2026 was issued for a visit of 30/11,
        # its PDF citing a decision of 20/11 and "Ngày 30/11/2026, Đoàn kiểm tra…".
        import datetime

        inspection = concluded_inspection(self.cast)
        self.login("appraiser")
        day_before = inspection.visit_date - datetime.timedelta(days=1)
        url = reverse("documents:issue", args=["conclusion_notice", inspection.pk])
        response = self.client.post(
            url, {"signer_name": "Lê Thị Hồng Vân", "issued_on": day_before.isoformat()}
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert "Thông báo kết luận được ban hành sau cuộc kiểm tra" in content
        assert 'id="id_issued_on_errors"' in content and "Lê Thị Hồng Vân" in content
        assert not IssuedDocument.objects.exists()
        response = self.client.post(
            url,
            {"signer_name": "Lê Thị Hồng Vân", "issued_on": inspection.visit_date.isoformat()},
        )
        assert response.status_code == 302 and IssuedDocument.objects.count() == 1

    def test_a_ward_reads_its_notice_but_cannot_issue_it(self):
        inspection = concluded_inspection(self.cast)
        services.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="Trưởng đoàn"
        )
        self.login("ward_officer")
        register = self.client.get(reverse("documents:register"))
        assert "01/TB-ĐKT" in register.content.decode()
        refused = self.client.post(
            reverse("documents:issue", args=["conclusion_notice", inspection.pk]),
            {"signer_name": "X", "issued_on": "2026-11-20"},
        )
        assert refused.status_code == 403
        self.login("outsider")
        assert "01/TB-ĐKT" not in self.client.get(reverse("documents:register")).content.decode()

    def test_who_may_not_issue_a_document_already_issued_reads_the_issued_one(self):
        """The leader's "Ranking announcement" opened a draft with a blank number, headed as
        the document as issued, after 01/TB-UBND was issued (found by a new-user walk)."""
        from cchc.documents.tests.scenes import published_round

        round_ = published_round(self.cast)
        preview = reverse("documents:preview", args=["ranking_announcement", round_.pk])
        self.login("leader")
        assert self.client.get(preview).status_code == 200  # nothing issued: the draft
        issued = services.issue(
            actor=None, kind="ranking_announcement", target=round_, signer_name="Chủ tịch"
        )
        response = self.client.get(preview)
        assert response.status_code == 302 and response.url == issued.get_absolute_url()
        assert self.client.get(response.url).status_code == 200
        # Whoever may issue it again still previews the next one.
        self.login("home_affairs")
        assert self.client.get(preview).status_code == 200

    def test_the_register_reads_in_a_fixed_number_of_queries(self):
        inspection = concluded_inspection(self.cast)
        services.issue(actor=None, kind="conclusion_notice", target=inspection, signer_name="A")
        self.login("home_affairs")
        url = reverse("documents:register")
        self.client.get(url)  # the first request after signing in writes the session
        with self.assertNumQueries(5) as first:
            self.client.get(url)
        for number, name in enumerate("BCD", 1):
            services.issue(
                actor=None,
                kind="conclusion_notice",
                target=inspection,
                signer_name=name,
                replaces=f"{number:02d}/TB-ĐKT",
            )
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(url)


class ScanAndTemplateTests(BaseTestCase):
    def test_the_signed_scan_is_archived_once_and_must_be_a_pdf(self):
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=None, kind="inspection_plan", target=inspection.plan, signer_name="A"
        )
        self.login("home_affairs")
        url = reverse("documents:scan_upload", args=[issued.pk])
        self.client.post(url, {"file": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nxx")})
        issued.refresh_from_db()
        assert not issued.scan
        self.client.post(url, {"file": SimpleUploadedFile("ban-ky.pdf", PDF)})
        issued.refresh_from_db()
        assert issued.scan and len(issued.scan_sha256) == 64
        self.client.post(url, {"file": SimpleUploadedFile("lai.pdf", PDF + b" ")})
        issued.refresh_from_db()
        with issued.scan.open("rb") as handle:
            assert handle.read() == PDF

    def test_a_good_template_becomes_the_new_version_and_a_broken_one_is_refused(self):
        self.login("home_affairs")
        url = reverse("documents:template_upload", args=["conclusion_notice"])
        good = default_template("conclusion_notice")
        self.client.post(url, {"file": SimpleUploadedFile("mau.docx", good)})
        template = DocumentTemplate.objects.get()
        assert template.version == 1 and template.is_active
        broken = _with_text(good, "{{ khong_co_truong_nay }}")
        response = self.client.post(
            url, {"file": SimpleUploadedFile("hong.docx", broken)}, follow=True
        )
        assert "khong_co_truong_nay" in response.content.decode()
        assert DocumentTemplate.objects.count() == 1
        assert services.active_template("conclusion_notice", self.cast.city)[0] == template
        download = self.client.get(
            reverse("documents:template_download", args=["conclusion_notice"])
        )
        assert download.content == good
        # Named as people name the kind (no code name), the version in use.
        assert (
            'filename="mau-thong-bao-ket-luan-kiem-tra-v1.docx"' in download["Content-Disposition"]
        )


def _with_text(template: bytes, text: str) -> bytes:
    """The template with one more paragraph holding `text` (a placeholder, say)."""
    from docx import Document as open_docx  # type: ignore[import-untyped]

    document = open_docx(io.BytesIO(template))
    document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


class BulkTests(BaseTestCase):
    def test_every_concluded_visit_gets_its_notice_in_one_zip(self):
        inspection = concluded_inspection(self.cast)
        self.login("home_affairs")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("documents:bulk_start", args=[inspection.plan_id]), {}
            )
        job = BulkJob.objects.get()
        assert response["Location"] == reverse("documents:bulk_detail", args=[job.pk])
        job.refresh_from_db()
        assert (job.status, job.total, job.done) == (BulkJob.Status.DONE, 1, 1), job.error
        archive = self.client.get(reverse("documents:bulk_download", args=[job.pk]))
        names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
        assert sorted(names) == [
            "01-TB-ĐKT Phường Trần Phú.docx",
            "01-TB-ĐKT Phường Trần Phú.pdf",
        ]
        page = self.client.get(reverse("documents:bulk_detail", args=[job.pk]))
        assert "hx-trigger" not in page.content.decode()  # finished: no more polling
        # Nothing left to issue: said plainly.
        response = self.client.post(
            reverse("documents:bulk_start", args=[inspection.plan_id]), {}, follow=True
        )
        assert BulkJob.objects.count() == 1


class PreviewDateTests(BaseTestCase):
    """Found walking the app: the preview, said to be the document as issued, read "Hà Tĩnh,
    ngày   tháng   năm 2027" (the plan's year) while the issued file said "ngày 08 tháng 12
    năm 2026". The preview and the draft carry the date the issue form proposes."""

    def test_the_preview_and_the_draft_carry_the_date_the_form_proposes(self):
        from django.utils import timezone

        inspection = concluded_inspection(self.cast)
        today = timezone.localdate()
        line = f"Hà Tĩnh, ngày {today:%d} tháng {today:%m} năm {today.year}"
        self.login("appraiser")
        args = ["conclusion_notice", inspection.pk]
        page = self.client.get(reverse("documents:preview", args=args)).content.decode()
        assert f'value="{today.isoformat()}"' in page  # the date the form proposes
        raw = self.client.get(reverse("documents:preview_raw", args=args)).content.decode()
        assert line in raw, raw[:3000]
        assert "ngày\u00a0" not in raw  # no blanks where the day goes
        draft = self.client.get(reverse("documents:draft_docx", args=args))
        assert line in docx_text(draft.content)
