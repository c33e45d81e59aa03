"""Faults in the middle of a write: a full disk during an upload, a record that cannot be
written after its file was, a crash half-way through an import, a submission and a bulk job
of conclusion notices.
Each leaves nothing half-done, says so in Vietnamese, and can be run again."""

import errno
import io
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from cchc.assessments.models import Assessment, Evidence
from cchc.assessments.services import assessment_submit, evidence_upload
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.testing import PDF, BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.indicators import importers
from cchc.indicators.importers import DossierImportFailed, import_dossiers
from cchc.indicators.importing import checking
from cchc.indicators.models import Dossier, DossierImport, DossierMonth
from cchc.indicators.tests.test_importers import GOOD_ROWS, csv_bytes

pytestmark = pytest.mark.reliability


def files_in_media() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


class UploadFaultTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        self.criterion = Criterion.objects.get(framework=self.round.framework, code="1.1")

    def upload(self, name="ke-hoach.pdf"):
        return evidence_upload(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=self.criterion,
            upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
            title="Kế hoạch",
        )

    def test_a_full_disk_gives_a_clear_message_and_no_record(self):
        full = OSError(errno.ENOSPC, "No space left on device")
        with (
            mock.patch.object(FileSystemStorage, "_save", side_effect=full),
            self.assertRaises(ValidationError) as refused,
        ):
            self.upload()
        assert "không lưu được tệp" in " ".join(refused.exception.messages).lower()
        assert not Evidence.objects.exists() and files_in_media() == []
        # The page says the same, and the officer's other work is untouched.
        self.login("ward_officer")
        url = f"/rounds/assessments/{self.assessment.pk}/criteria/{self.criterion.pk}/evidence/"
        with mock.patch.object(FileSystemStorage, "_save", side_effect=full):
            response = self.client.post(
                url,
                {"how": "upload", "title": "Kế hoạch", "file": SimpleUploadedFile("a.pdf", PDF)},
                follow=True,
            )
        assert "Không lưu được tệp" in response.content.decode()  # back on the page, with why
        self.upload()  # the disk has room again: it works
        assert Evidence.objects.count() == 1 and len(files_in_media()) == 1

    def test_a_record_that_cannot_be_written_takes_its_file_away(self):
        with (
            mock.patch.object(Evidence, "save", side_effect=IntegrityError("gone")),
            self.assertRaises(IntegrityError),
        ):
            self.upload()
        assert not Evidence.objects.exists()
        assert files_in_media() == []  # no file without its record

    def test_the_sweep_removes_files_without_a_record_and_nothing_else(self):
        import os
        import time

        from django.core.management import call_command

        kept = self.upload()
        root = Path(settings.MEDIA_ROOT)
        stray = root / "evidence" / "99" / "left-by-a-killed-worker.pdf"
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_bytes(PDF)
        young = root / "evidence" / "99" / "being-uploaded.pdf"
        young.write_bytes(PDF)
        an_hour_ago = time.time() - 3700
        os.utime(stray, (an_hour_ago, an_hour_ago))
        call_command("sweep_files", verbosity=0)
        assert not stray.exists() and young.exists()  # older than the grace period only
        assert Path(kept.file.path).exists()  # a file with its record stays


class CrashTests(BaseTestCase):
    def test_an_import_cut_short_writes_nothing_and_runs_again(self):
        rows = GOOD_ROWS * 1
        calls = {"n": 0}
        real = importers.BatchWriter.write

        def crash_on_second(writer, batch):
            calls["n"] += 1
            if calls["n"] == 2:
                raise MemoryError("the worker died")
            return real(writer, batch)

        with (
            mock.patch.object(checking, "BATCH_SIZE", 1),
            mock.patch.object(importers.BatchWriter, "write", crash_on_second),
            pytest.raises(MemoryError),
        ):
            import_dossiers(actor=None, stream=io.BytesIO(csv_bytes(rows)), file_name="hs.csv")
        assert not Dossier.objects.exists() and not DossierMonth.objects.exists()
        assert DossierImport.objects.get().status == DossierImport.Status.FAILED
        result = import_dossiers(actor=None, stream=io.BytesIO(csv_bytes(rows)), file_name="hs.csv")
        assert result.created == len(rows) and Dossier.objects.count() == len(rows)
        assert DossierMonth.objects.exists()

    def test_a_refused_file_changes_no_count(self):
        bad = [GOOD_ROWS[0], ["X"] * 12]
        with pytest.raises(DossierImportFailed):
            import_dossiers(actor=None, stream=io.BytesIO(csv_bytes(bad)), file_name="hs.csv")
        assert not Dossier.objects.exists() and not DossierMonth.objects.exists()

    def test_a_submission_cut_short_leaves_the_assessment_as_it_was(self):
        round_ = make_round(self.cast)
        assessment = assessment_of(round_, self.cast.ward_a)
        fill(assessment, self.ward_officer)
        with (
            mock.patch(
                "cchc.assessments.services.self_assessment.audit_record",
                side_effect=ConnectionError("the database went away"),
            ),
            pytest.raises(ConnectionError),
        ):
            assessment_submit(actor=self.ward_chair, assessment=assessment)
        assessment.refresh_from_db()
        assert assessment.status != Assessment.Status.SUBMITTED
        assert assessment.fingerprint == "" and assessment.submitted_at is None
        assessment_submit(actor=self.ward_chair, assessment=assessment)  # run again
        assessment.refresh_from_db()
        assert assessment.status == Assessment.Status.SUBMITTED


class BulkJobCrashTests(BaseTestCase):
    def test_a_bulk_job_cut_short_keeps_whole_notices_and_runs_again(self):
        from django.utils import timezone

        from cchc.documents import services
        from cchc.documents.models import BulkJob, IssuedDocument, Kind
        from cchc.inspections.tests.factories import concluded_plan

        plan = concluded_plan(self.cast, 3, timezone.localdate().year - 1)
        real_render = services.render
        calls = {"n": 0}

        def disk_full_on_the_second(document, template):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_render(document, template)

        with (
            mock.patch.object(services, "render", disk_full_on_the_second),
            self.captureOnCommitCallbacks(execute=True),
        ):
            job = services.bulk_start(actor=self.home_affairs, plan=plan, signer_name="Lê Văn A")
        job.refresh_from_db()
        # The job says why it stopped; the notice issued before stays whole (number, both
        # files); the one cut short took no number and left no file.
        assert (job.status, job.total, job.done) == (BulkJob.Status.FAILED, 3, 1)
        assert "No space left on device" in job.error and not job.archive
        first = IssuedDocument.objects.get(kind=Kind.CONCLUSION_NOTICE)
        assert first.number == 1
        assert Path(first.docx.path).is_file() and Path(first.pdf.path).is_file()
        assert sorted(p.name for p in files_in_media()) == sorted(
            Path(name).name for name in (first.docx.name, first.pdf.name)
        )
        # Run again: only the two still to issue, numbered on without a gap.
        with self.captureOnCommitCallbacks(execute=True):
            again = services.bulk_start(actor=self.home_affairs, plan=plan, signer_name="Lê Văn A")
        again.refresh_from_db()
        assert (again.status, again.total, again.done) == (BulkJob.Status.DONE, 2, 2), again.error
        notices = IssuedDocument.objects.filter(kind=Kind.CONCLUSION_NOTICE)
        assert sorted(notices.values_list("number", flat=True)) == [1, 2, 3]
        assert sorted(notices.values_list("inspection_id", flat=True)) == sorted(
            plan.inspections.values_list("pk", flat=True)
        )
