"""Checking a submission against its fingerprint, and a file against the evidence submitted
(issue 17, item 21): the fingerprint stays on the page after submission, anyone who reads the
assessment can recompute it, and a file is recognised by its SHA-256, never kept."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc.assessments.models import Score
from cchc.assessments.services import assessment_submit, evidence_upload
from cchc.assessments.services.self_assessment import submission_check
from cchc.assessments.tests.factories import ROUND_FRAMEWORK, assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.models import AuditEvent
from cchc.core.testing import PDF, BaseTestCase
from cchc.frameworks.models import Criterion


class VerifyTests(BaseTestCase):
    def setUp(self):
        self.assessment = assessment_of(make_round(self.cast), self.cast.ward_a)
        criterion = Criterion.objects.get(framework=self.assessment.round.framework, code="1.1")
        fill(self.assessment, self.ward_officer)
        self.evidence = evidence_upload(
            actor=self.ward_officer,
            assessment=self.assessment,
            criterion=criterion,
            upload=SimpleUploadedFile("ke-hoach.pdf", PDF),
        )
        self.assessment = assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        self.url = reverse("assessments:assessment_verify", args=[self.assessment.pk])

    def test_the_fingerprint_stays_on_the_page_with_a_way_to_check_it(self):
        self.login("leader")
        page = self.client.get(self.assessment.get_absolute_url()).content.decode()
        assert self.assessment.fingerprint in page
        assert self.url in page

    def test_an_untouched_submission_matches_its_fingerprint(self):
        self.login("ward_officer")
        page = self.client.get(self.url).content.decode()
        assert 'data-testid="submission-matches"' in page
        assert page.count(self.assessment.fingerprint) == 2  # recorded and recomputed

    def test_appraising_a_criterion_the_unit_does_not_score_changes_nothing_submitted(self):
        """Every appraised submission showed "Không khớp": appraising the survey, which the
        unit does not score, gave it a score row after the submission, and the fingerprint
        covered every row."""
        text = ROUND_FRAMEWORK + "3,,Khảo sát,2,sum,normal,không,không,\n"
        text += "3.1,3,Mức độ hài lòng,2,survey,normal,không,không,\n"
        assessment = assessment_of(
            make_round(self.cast, text=text, name="Có khảo sát"), self.cast.ward_a
        )
        fill(assessment, self.ward_officer)
        assessment = assessment_submit(actor=self.ward_chair, assessment=assessment)
        survey = Criterion.objects.get(framework=assessment.round.framework, code="3.1")
        Score.objects.create(assessment=assessment, criterion=survey, appraised_points=2)
        assert submission_check(assessment).matches
        # What the unit submitted still counts: a changed figure of its own still shows.
        Score.objects.filter(assessment=assessment, criterion__code="1.2").update(explanation="x")
        assert not submission_check(assessment).matches

    def test_a_figure_changed_behind_the_pages_back_shows(self):
        Score.objects.filter(assessment=self.assessment).update(explanation="sửa sau khi nộp")
        self.login("home_affairs")
        page = self.client.get(self.url).content.decode()
        assert 'data-testid="submission-differs"' in page

    def test_a_file_is_recognised_by_its_fingerprint_and_nothing_is_kept(self):
        events = AuditEvent.objects.count()
        self.login("leader")
        page = self.client.post(
            self.url, {"file": SimpleUploadedFile("ban-sao.pdf", PDF)}
        ).content.decode()
        assert 'data-testid="file-matches"' in page and "1.1" in page
        page = self.client.post(
            self.url, {"file": SimpleUploadedFile("khac.pdf", PDF + b"\n%")}
        ).content.decode()
        assert 'data-testid="file-differs"' in page
        assert AuditEvent.objects.count() == events

    def test_another_unit_and_a_submission_without_fingerprint_are_hidden(self):
        self.login("outsider")
        assert self.client.get(self.url).status_code == 404
        other = assessment_of(self.assessment.round, self.cast.ward_b)
        self.login("home_affairs")
        url = reverse("assessments:assessment_verify", args=[other.pk])
        assert self.client.get(url).status_code == 404

    def test_the_page_reads_in_a_fixed_number_of_queries(self):
        self.login("ward_officer")
        self.client.get(self.url)
        # session, user, memberships, the assessment (round, framework, units), the round's
        # scope, criteria, scores, their evidence, questions, who submitted (the session is
        # written at most every 5 minutes, not here).
        with self.assertNumQueries(10) as first:
            self.client.get(self.url)
        # More evidence on more criteria: the same queries.
        for code in ("1.2", "2.1"):
            criterion = Criterion.objects.get(framework=self.assessment.round.framework, code=code)
            score = Score.objects.get(assessment=self.assessment, criterion=criterion)
            score.evidence.add(self.evidence)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(self.url)

    def test_a_file_larger_than_any_upload_is_refused_unread(self):
        self.login("leader")
        with self.settings(UPLOAD_MAX_BYTES=10):
            page = self.client.post(
                self.url, {"file": SimpleUploadedFile("lon.pdf", PDF)}
            ).content.decode()
        assert 'data-testid="file-matches"' not in page
        assert 'data-testid="file-differs"' not in page
        assert "MB" in page


class FingerprintBeforeSubmittingTests(BaseTestCase):
    def test_the_summary_shows_the_fingerprint_submitting_then_records(self):
        """screens.md: the chair's summary shows "the fingerprint that will be recorded"; it
        showed one only after submitting (found by a new-user walk)."""
        assessment = assessment_of(make_round(self.cast), self.cast.ward_a)
        fill(assessment, self.ward_officer)
        self.login("ward_chair")
        review = reverse("assessments:assessment_submit", args=[assessment.pk])
        page = self.client.get(review).content.decode()
        shown = page.split('data-testid="pending-fingerprint"', 1)[1].split("<code", 1)[1]
        shown = shown.split(">", 1)[1].split("<", 1)[0]
        assert len(shown) == 64
        self.client.post(review)
        assessment.refresh_from_db()
        assert assessment.fingerprint == shown
        page = self.client.get(review).content.decode()
        assert 'data-testid="pending-fingerprint"' not in page  # recorded: shown as such
