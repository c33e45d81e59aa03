import datetime
import io
import re
import zipfile
from decimal import Decimal

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cchc.assessments.models import Assessment, Evidence, Round, Score
from cchc.assessments.services import assessment_submit, round_advance, score_appraise
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.assessments.tests.test_workflow import fill
from cchc.core.dates import format_points as points
from cchc.core.testing import PDF, BaseTestCase
from cchc.frameworks.models import Criterion


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


class SelfAssessmentPageTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        self.url = self.assessment.get_absolute_url()

    def criterion(self, code):
        return Criterion.objects.get(framework=self.round.framework, code=code)

    def save_url(self, code):
        return reverse("assessments:score_save", args=[self.assessment.pk, self.criterion(code).pk])

    def test_the_officer_sees_the_criteria_and_saves_as_they_type(self):
        self.login("ward_officer")
        response = self.client.get(self.url)
        assert response.status_code == 200
        assert "Hồ sơ đúng hạn" in response.content.decode()
        criterion = self.criterion("2.1")
        response = self.client.post(
            self.save_url("2.1"),
            {f"c{criterion.pk}-numerator": "17", f"c{criterion.pk}-denominator": "18"},
            headers={"HX-Request": "true"},
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert "17/18 = 94,4% → 1 điểm" in content
        assert 'id="assessment-totals" class="assessment-totals" hx-swap-oob="true"' in content

    def test_counts_typed_with_thousands_dots_are_thousands(self):
        # Found walking the demo: "1.234" saved as 1,234 and "1.100" was refused as smaller
        # than 950. Vietnamese writes one thousand one hundred as 1.100.
        self.login("ward_officer")
        criterion = self.criterion("2.1")
        response = self.client.post(
            self.save_url("2.1"),
            {f"c{criterion.pk}-numerator": "950", f"c{criterion.pk}-denominator": "1.100"},
            headers={"HX-Request": "true"},
        )
        content = response.content.decode()
        assert 'data-testid="row-error"' not in content
        score = Score.objects.get(assessment=self.assessment, criterion=criterion)
        assert score.inputs == {"numerator": "950", "denominator": "1100"}
        assert "950/1.100 = 86,4%" in content  # written back as Vietnamese writes it

    def test_nothing_appraised_is_shown_before_the_appraisal(self):
        # Found walking the demo: the coordinator read "Appraised 0 / 100" on a ward still
        # filling in its figures.
        self.login("home_affairs")
        page = self.client.get(self.url).content.decode()
        assert 'data-testid="appraised-total"' not in page
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.APPRAISAL)
        page = self.client.get(self.url).content.decode()
        assert 'data-testid="appraised-total"' in page

    def test_the_officer_finds_what_still_blocks_submission(self):
        # Found walking the demo: only the chair had a link to the summary, so the officer, who
        # must fix what blocks it, never saw the list.
        review = reverse("assessments:assessment_submit", args=[self.assessment.pk])
        self.login("ward_officer")
        page = self.client.get(self.url).content.decode()
        assert f'href="{review}" data-testid="go-review"' in page
        assert 'data-testid="go-submit"' not in page
        summary = self.client.get(review).content.decode()
        assert 'data-testid="blocking"' in summary
        assert 'data-testid="submit"' not in summary
        self.login("ward_chair")
        page = self.client.get(self.url).content.decode()
        assert 'data-testid="go-submit"' in page and 'data-testid="go-review"' not in page

    def test_the_submit_summary_nests_its_areas_and_keeps_bonus_outside_the_maximum(self):
        # Found walking the demo: the areas of a group read as its equals, and the bonus
        # section's 2 in the Max column did not add up to the total's maximum.
        text = (
            "code,parent_code,title,max_points,rule,section,self_scored,evidence_required,agency_code\n"
            "TC,,Điểm theo tiêu chí,3.5,sum,normal,có,không,\n"
            "1,TC,Chỉ đạo điều hành,3.5,sum,normal,có,không,\n"
            "1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,không,\n"
            "1.2,1,Báo cáo định kỳ,1,deduction 0.25,normal,có,không,\n"
            "TH,,Điểm thưởng,2,sum,bonus,có,không,\n"
            "TH.1,TH,Sáng kiến được công nhận,2,yes_no,bonus,có,không,\n"
            "DT,,Điều tra xã hội học,2,sum,normal,không,không,\n"
            "DT.1,DT,Mức độ hài lòng,2,yes_no,normal,không,không,\n"
        )
        round_ = make_round(self.cast, text=text, name="Bộ có điểm thưởng")
        assessment = assessment_of(round_, self.cast.ward_a)
        self.login("ward_chair")
        page = self.client.get(
            reverse("assessments:assessment_submit", args=[assessment.pk])
        ).content.decode()
        assert '<tr class="summary-child"><td class="ps-4">1. Chỉ đạo điều hành' in page
        assert "<tr><td>TC. Điểm theo tiêu chí" in page
        assert '<td class="text-end points" data-testid="outside-max">+2<sup>*</sup>' in page
        assert 'data-testid="outside-max-note"' in page
        assert "không tính vào điểm tối đa" in page
        # A section the unit does not score (the survey) is said so, not "0 of 0".
        survey = page.split("DT. Điều tra xã hội học", 1)[1].split("</tr>", 1)[0]
        assert 'data-testid="not-self-scored">không tự chấm' in survey
        assert "0/0" not in survey
        assert 'data-testid="summary-total">0</td><td class="text-end points">3,5</td>' in page
        detail = self.client.get(assessment.get_absolute_url()).content.decode()
        dt = Criterion.objects.get(framework=round_.framework, code="DT")
        assert (
            f'<span id="subtotal-{dt.pk}"><span class="text-muted" '
            'data-testid="not-self-scored">không tự chấm</span>' in detail
        )
        # Without a bonus or penalty section, no note.
        page = self.client.get(
            reverse("assessments:assessment_submit", args=[self.assessment.pk])
        ).content.decode()
        assert 'data-testid="outside-max-note"' not in page

    def test_a_refused_citation_comes_back_open_as_typed(self):
        # Found walking the demo: a citation dated in the future collapsed the evidence panel
        # and lost the title, number and issuer typed, its reason shown in another column.
        self.login("ward_officer")
        criterion = self.criterion("1.1")
        url = reverse("assessments:evidence_add", args=[self.assessment.pk, criterion.pk])
        typed = {
            "how": "cite",
            "title": "Kế hoạch CCHC năm 2026",
            "document_number": "15/KH-UBND",
            "document_date": "2099-01-05",
            "issuer": "UBND phường",
        }
        response = self.client.post(url, typed, headers={"HX-Request": "true"})
        content = response.content.decode()
        assert response.status_code == 200  # htmx swaps 2xx answers only: the row with its reason
        assert 'data-testid="evidence-error"' in content
        assert "tương lai" in content
        assert '<details class="mt-1" open>' in content
        for value in ("Kế hoạch CCHC năm 2026", "15/KH-UBND", "2099-01-05", "UBND phường"):
            assert f'value="{value}"' in content, value
        assert not Evidence.objects.exists()
        # Without JavaScript: the page of forms, as typed.
        response = self.client.post(url, typed)
        assert response.status_code == 400
        assert 'value="15/KH-UBND"' in response.content.decode()

    @time_machine.travel(datetime.datetime(2026, 6, 20, 9, tzinfo=datetime.UTC))
    def test_a_refused_extension_stays_open_on_the_board_as_typed(self):
        # Found walking the demo: a deadline before the current one was refused at the top of
        # the page, the row's actions closed and the reason and date typed were lost.
        self.login("home_affairs")
        url = reverse("assessments:assessment_extend", args=[self.assessment.pk])
        typed = {"due_on": "2026-06-02", "reason": "Phường xin thêm thời gian"}
        response = self.client.post(url, typed)
        content = response.content.decode()
        assert response.status_code == 400
        assert 'data-testid="action-error"' in content and "Hạn mới" in content
        assert '<details class="row-actions" open>' in content
        assert 'value="2026-06-02"' in content and 'value="Phường xin thêm thời gian"' in content
        assert content.count('<details class="row-actions" open>') == 1  # that unit's row only
        self.assessment.refresh_from_db()
        assert str(self.assessment.due_on) != "2026-06-02"
        # Accepted: back to the board, the new deadline on it.
        response = self.client.post(url, {"due_on": "2026-07-10", "reason": "Mưa lũ"})
        assert response.status_code == 302

    def test_a_numerator_above_the_denominator_is_explained_in_the_row(self):
        self.login("ward_officer")
        criterion = self.criterion("2.1")
        response = self.client.post(
            self.save_url("2.1"),
            {f"c{criterion.pk}-numerator": "19", f"c{criterion.pk}-denominator": "18"},
            headers={"HX-Request": "true"},
        )
        assert 'data-testid="row-error"' in response.content.decode()
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_another_ward_cannot_see_or_save(self):
        self.login("outsider")
        assert self.client.get(self.url).status_code == 404
        criterion = self.criterion("1.1")
        response = self.client.post(self.save_url("1.1"), {f"c{criterion.pk}-answer": "yes"})
        assert response.status_code == 404
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_the_page_query_count_does_not_grow_with_criteria(self):
        self.login("ward_officer")
        fill(self.assessment, self.ward_officer)
        self.client.get(self.url)  # the first request after signing in writes the session
        # session, user, memberships, assessment, round visible, criteria, scores, evidence,
        # questions (the evidence forms and the unit's documents come when asked for; the
        # session is written at most every 5 minutes)
        with self.assertNumQueries(9) as first:
            self.client.get(self.url)
        # A bigger framework, same number of queries.
        import datetime

        from cchc.assessments.services import round_create
        from cchc.frameworks.tests.factories import make_framework

        text = "code,parent_code,title,max_points,rule\nA,,Lĩnh vực,40,sum\n" + "".join(
            f"A.{n},A,Tiêu chí {n},1,yes_no\n" for n in range(1, 41)
        )
        framework = make_framework(self.cast.city, text=text, publish=True, name="Lớn")
        big = round_create(
            actor=None,
            framework=framework,
            organiser=self.cast.city,
            period="annual",
            year=2026,
            units=[self.cast.ward_a],
            self_assessment_due_on=datetime.date(2026, 12, 1),
            appraisal_due_on=datetime.date(2026, 12, 10),
            appeals_due_on=datetime.date(2026, 12, 20),
        )
        big = round_advance(actor=None, round_=big)
        big_assessment = assessment_of(big, self.cast.ward_a)
        for criterion in Criterion.objects.filter(framework=framework, children__isnull=True)[:30]:
            from cchc.assessments.services import score_save

            score_save(
                actor=None, assessment=big_assessment, criterion=criterion, data={"answer": "yes"}
            )
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(big_assessment.get_absolute_url())
        assert "Tiêu chí 40" in response.content.decode()

    def test_saving_one_criterion_takes_a_handful_of_queries(self):
        self.login("ward_officer")
        criterion = self.criterion("1.1")
        self.client.post(
            self.save_url("1.1"), {f"c{criterion.pk}-answer": "no"}, headers={"HX-Request": "true"}
        )
        from cchc.core.versioning import version_token

        version = version_token(Score.objects.get(assessment=self.assessment, criterion=criterion))
        url, area, other_area = self.save_url("1.1"), self.criterion("1"), self.criterion("2")
        # session, user, memberships (with units), the assessment with its round and unit;
        # then in one transaction (here a savepoint and its release; BEGIN and COMMIT in
        # production): the framework's tree with the unit's stored points and this criterion's
        # score (one query), the score's UPDATE (only if still at the version sent), the
        # totals' UPDATE (only if the assessment is still as read), the audit line. The answer
        # is built from what the save read: no query. No session write (at most every 5
        # minutes). 8 statements, 10 with the savepoint.
        with CaptureQueriesContext(connection) as captured, self.assertNumQueries(10):
            response = self.client.post(
                url,
                {f"c{criterion.pk}-answer": "yes", f"c{criterion.pk}-version": version},
                headers={"HX-Request": "true"},
            )
        statements = [
            query["sql"]
            for query in captured.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
        assert len(statements) == 8, statements
        assert not any("django_session" in sql for sql in statements[1:])
        assert Score.objects.get(criterion=criterion, assessment=self.assessment).inputs == {
            "answer": "yes"
        }
        # The answer: the row's parts, the totals, the subtotal of its area only (1, not 2).
        content = response.content.decode()
        assert f'id="subtotal-{area.pk}" hx-swap-oob="true">2,5 / 3,5<' in content
        assert f'id="subtotal-{other_area.pk}"' not in content
        assert f'id="nav-figures-{area.pk}"' in content
        assert 'data-testid="self-total">2,5<' in content
        assert 'data-testid="saved-1.1"' in content

    def test_a_save_answers_with_the_changed_parts_whoever_saved_in_between(self):
        """Someone else's save in between (the assessment changed since it was read): the whole
        tree is scored instead, and the totals are the same."""
        self.login("ward_officer")
        one, two = self.criterion("1.1"), self.criterion("2.1")
        self.client.post(
            self.save_url("1.1"), {f"c{one.pk}-answer": "yes"}, headers={"HX-Request": "true"}
        )
        from cchc.assessments.services import score_save

        held = Assessment.objects.select_related("round", "org_unit").get(pk=self.assessment.pk)
        score_save(
            actor=None,
            assessment=Assessment.objects.select_related("round").get(pk=self.assessment.pk),
            criterion=two,
            data={"numerator": "17", "denominator": "18"},
        )
        _score, saved = score_save(
            actor=None, assessment=held, criterion=one.pk, data={"answer": "no"}
        )
        assert not saved.incremental
        stored = Assessment.objects.get(pk=self.assessment.pk)
        assert (stored.self_points, stored.self_max, stored.declared_count) == (1, 12, 2)
        assert held.self_points == 1  # the caller's row is the one stored


class EvidenceTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        self.criterion = Criterion.objects.get(framework=self.round.framework, code="1.1")
        self.url = reverse("assessments:evidence_add", args=[self.assessment.pk, self.criterion.pk])
        self.login("ward_officer")

    def upload(self, name, content):
        return self.client.post(
            self.url, {"how": "upload", "file": SimpleUploadedFile(name, content)}
        )

    def test_a_pdf_and_a_docx_are_accepted_by_content(self):
        self.upload("kế hoạch.pdf", PDF)
        self.upload("bao-cao.docx", docx_bytes())
        kinds = sorted(Evidence.objects.values_list("kind", flat=True))
        assert kinds == ["docx", "pdf"]
        evidence = Evidence.objects.get(kind="pdf")
        assert evidence.original_name == "kế hoạch.pdf" and len(evidence.sha256) == 64
        response = self.client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF

    def test_a_file_downloads_with_the_extension_of_its_content(self):
        """A PDF uploaded as "ảnh.exe" was downloaded as an .exe (a ward's walk)."""
        self.upload("bien-ban.exe", PDF)
        self.upload("ke-hoach.PDF", PDF + b" ")
        names = {
            evidence.original_name: self.client.get(
                reverse("assessments:evidence_download", args=[evidence.pk])
            )["Content-Disposition"]
            for evidence in Evidence.objects.all()
        }
        assert 'filename="bien-ban.exe.pdf"' in names["bien-ban.exe"], names
        assert 'filename="ke-hoach.PDF"' in names["ke-hoach.PDF"], names

    def test_an_executable_named_pdf_an_html_file_and_an_empty_file_are_refused(self):
        for name, content in [
            ("ke-hoach.pdf", b"MZ\x90\x00 this is really an exe"),
            ("page.pdf", b"<html><script>alert(1)</script></html>"),
            ("empty.pdf", b""),
        ]:
            response = self.client.post(
                self.url,
                {"how": "upload", "file": SimpleUploadedFile(name, content)},
                headers={"HX-Request": "true"},
            )
            assert 'data-testid="evidence-error"' in response.content.decode(), name
        assert not Evidence.objects.exists()

    def test_folders_and_control_characters_never_reach_the_stored_name(self):
        # Django's upload parser drops folders and control characters from the name it hands
        # over; the file itself is stored under a random name in the unit's folder.
        self.upload("../../etc/passwd.pdf", PDF)
        evidence = Evidence.objects.get()
        assert evidence.original_name == "passwd.pdf"
        assert evidence.file.name.startswith(f"evidence/{self.cast.ward_a.pk}/")
        assert "passwd" not in evidence.file.name

    def test_the_row_sent_back_after_evidence_keeps_its_parts_in_place(self):
        # Parts marked out-of-band inside the row would be pulled out of it by htmx.
        response = self.client.post(
            self.url,
            {"how": "upload", "file": SimpleUploadedFile("a.pdf", PDF)},
            headers={"HX-Request": "true"},
        )
        row = response.content.decode().split("</tbody>")[0]
        assert f'id="points-{self.criterion.pk}"' in row
        assert "hx-swap-oob" not in row
        assert (
            'id="assessment-totals" class="assessment-totals" hx-swap-oob="true"'
            in response.content.decode()
        )

    def test_an_oversize_file_is_refused(self):
        with self.settings(UPLOAD_MAX_BYTES=10):
            self.upload("big.pdf", PDF)
        assert not Evidence.objects.exists()

    def test_the_same_file_twice_is_stored_once_and_reused(self):
        self.upload("a.pdf", PDF)
        other = Criterion.objects.get(framework=self.round.framework, code="1.2")
        self.client.post(
            reverse("assessments:evidence_add", args=[self.assessment.pk, other.pk]),
            {"how": "upload", "file": SimpleUploadedFile("copy.pdf", PDF)},
        )
        assert Evidence.objects.count() == 1
        assert Score.objects.filter(evidence__isnull=False).count() == 2

    def test_a_file_of_content_already_uploaded_says_which_document_it_attached(self):
        """Uploading "Biên bản kiểm tra nội bộ.pdf" attached it as "Bao_cao_ke_hoach_CCHC.pdf"
        (the same bytes, uploaded before), with nothing to say why."""
        self.upload("Bao_cao_ke_hoach_CCHC.pdf", PDF)
        other = Criterion.objects.get(framework=self.round.framework, code="1.2")
        response = self.client.post(
            reverse("assessments:evidence_add", args=[self.assessment.pk, other.pk]),
            {"how": "upload", "file": SimpleUploadedFile("Biên bản kiểm tra nội bộ.pdf", PDF)},
            headers={"HX-Request": "true"},
        )
        page = response.content.decode()
        assert 'data-testid="row-notice"' in page
        assert (
            "“Biên bản kiểm tra nội bộ.pdf” có nội dung trùng với “Bao_cao_ke_hoach_CCHC.pdf”"
            in page
        )
        # A file of its own name says nothing more than "added".
        third = Criterion.objects.get(framework=self.round.framework, code="2.1")
        response = self.client.post(
            reverse("assessments:evidence_add", args=[self.assessment.pk, third.pk]),
            {"how": "upload", "file": SimpleUploadedFile("Bao_cao_ke_hoach_CCHC.pdf", PDF)},
            headers={"HX-Request": "true"},
        )
        assert 'data-testid="row-notice"' not in response.content.decode()

    def test_the_evidence_forms_come_when_asked_for_not_in_every_row(self):
        self.upload("plan.pdf", PDF)  # titled after the file
        evidence = Evidence.objects.get()
        page = self.client.get(self.assessment.get_absolute_url()).content.decode()
        # No row carries the forms or the unit's list of documents: each fetches them on opening.
        assert f'<option value="{evidence.pk}"' not in page
        assert 'name="how"' not in page
        other = Criterion.objects.get(framework=self.round.framework, code="1.2")
        forms = reverse("assessments:evidence_forms", args=[self.assessment.pk, other.pk])
        assert f'hx-get="{forms}"' in page
        part = self.client.get(forms, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in part and f'<option value="{evidence.pk}">{evidence.title}' in part
        # The document's own date when it has one, not the day it was uploaded (found walking
        # the demo: every plan read "07/12/2026").
        Evidence.objects.filter(pk=evidence.pk).update(
            document_number="20/KH-UBND", document_date=datetime.date(2026, 1, 18)
        )
        part = self.client.get(forms, headers={"HX-Request": "true"}).content.decode()
        assert f"{evidence.title} · 20/KH-UBND · 18/01/2026</option>" in part
        assert {'value="upload"', 'value="cite"', 'value="reuse"'} <= set(
            re.findall(r'value="\w+"', part)
        )
        full = self.client.get(forms).content.decode()  # without JavaScript: a page of its own
        assert "<html" in full and evidence.title in full
        self.client.post(
            reverse("assessments:evidence_add", args=[self.assessment.pk, other.pk]),
            {"how": "reuse", "evidence": evidence.pk},
        )
        assert Score.objects.get(assessment=self.assessment, criterion=other).evidence.count() == 1

    def test_another_ward_cannot_download(self):
        self.upload("a.pdf", PDF)
        evidence = Evidence.objects.get()
        self.login("outsider")
        assert (
            self.client.get(
                reverse("assessments:evidence_download", args=[evidence.pk])
            ).status_code
            == 404
        )


class BoardAndResultsTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)

    def test_the_board_query_count_does_not_grow_with_units(self):
        self.login("home_affairs")
        # session, user, memberships, round, assessments with units, next-step check,
        # appeals, session save ×3
        with self.assertNumQueries(10):
            response = self.client.get(self.round.get_absolute_url())
        assert "Phường Trần Phú" in response.content.decode()

    def test_a_unit_that_has_not_started_shows_no_figures_not_zero_of_zero(self):
        # Found walking the demo: "Chưa bắt đầu · 0/0 · 0 / 0" beside "13/26 · 41 / 70".
        a = assessment_of(self.round, self.cast.ward_a)
        fill(a, self.ward_officer)
        self.login("home_affairs")
        page = self.client.get(self.round.get_absolute_url()).content.decode()
        rows = page.split('data-testid="board"', 1)[1].split("<tr>")[2:]
        started = next(row for row in rows if "Phường Trần Phú" in row)
        waiting = next(row for row in rows if self.cast.ward_b.name in row)
        assert "4/4" in started and 'data-testid="no-figures-yet"' not in started
        assert 'data-testid="no-figures-yet">—' in waiting and "0/0" not in waiting

    def test_the_board_and_results_say_each_scores_scale(self):
        """ "53,28 / 70" beside a bare "77,28" read as 24 points gained in appraisal: the
        appraised score is out of the whole framework, the self-score of the unit's own
        criteria. Each says its maximum, and the board says why they differ."""
        from cchc.documents.tests.scenes import published_round

        round_ = published_round(self.cast)
        a = assessment_of(round_, self.cast.ward_a)
        self.login("home_affairs")
        page = self.client.get(round_.get_absolute_url()).content.decode()
        row = next(r for r in page.split("<tr>") if "Phường Trần Phú" in r)
        appraised = f"{points(a.appraised_points, 2)} / {points(a.appraised_max)}"
        assert f"{points(a.self_points, 2)} / {points(a.self_max)}" in row and appraised in row
        assert "hai điểm không cùng thang" in page
        results = self.client.get(reverse("assessments:results", args=[round_.pk]))
        row = next(r for r in results.content.decode().split("<tr>") if "Phường Trần Phú" in r)
        assert f"{points(a.self_points, 2)} / {points(a.self_max)}" in row

    def test_a_column_of_totals_shows_two_places_on_every_row(self):
        """ "78,6" under "85,36" (walkers, twice): the board, the results, the overview, the
        portal's ranking, the announcement and the workbook show a unit's total and percentage
        with two places; a maximum or a single figure keeps its trimmed form."""
        from openpyxl import load_workbook

        from cchc.documents.kinds import ranking_announcement
        from cchc.documents.tests.scenes import published_round

        round_ = published_round(self.cast)
        Assessment.objects.filter(round=round_, org_unit=self.cast.ward_a).update(
            self_points=Decimal("50.50")
        )
        self.login("home_affairs")
        cell = re.compile(r'class="text-end points[^"]*">([^<]*)<')
        pages = {
            "board": round_.get_absolute_url(),
            "results": reverse("assessments:results", args=[round_.pk]),
            "overview": reverse("analytics:overview") + f"?round={round_.pk}",
        }
        for name, url in pages.items():
            shown = [t.strip() for t in cell.findall(self.client.get(url).content.decode()) if t]
            # ranks are integers; a total or percentage has a comma (a trimmed "50,5" fails)
            totals = [text.split(" / ")[0] for text in shown if "," in text.split(" / ")[0]]
            assert totals, name
            assert all(re.fullmatch(r"-?[\d.]+,\d\d%?", total) for total in totals), (name, totals)
        assert "50,50 / " in self.client.get(pages["board"]).content.decode()
        self.client.logout()
        ranking = self.client.get(reverse("portal:ranking_round", args=[round_.pk]))
        portal = [text for text in cell.findall(ranking.content.decode()) if text]
        assert portal and all(re.fullmatch(r"[\d.]+,\d\d", text) for text in portal), portal
        table = next(b for b in ranking_announcement.build(round_).blocks if b.kind == "table")
        assert all(re.fullmatch(r"[\d.]+,\d\d/[\d.,]+", row[2]) for row in table.rows)
        self.login("home_affairs")
        export = self.client.get(reverse("assessments:results_export", args=[round_.pk]))
        sheet = load_workbook(io.BytesIO(export.content)).active
        decimals = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, float)]
        assert decimals and all(c.number_format == "#,##0.00" for c in decimals)

    def test_a_ward_sees_only_its_own_row(self):
        self.login("ward_officer")
        response = self.client.get(self.round.get_absolute_url())
        units = [assessment.org_unit.name for assessment, _days in response.context["rows"]]
        assert units == ["Phường Trần Phú"]

    def test_the_unit_sees_appraised_scores_only_after_publication(self):
        a = assessment_of(self.round, self.cast.ward_a)
        fill(a, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=a)
        round_ = round_advance(actor=None, round_=self.round)
        criterion = Criterion.objects.get(framework=round_.framework, code="1.2")
        score_appraise(
            actor=self.home_affairs,
            assessment=a,
            criterion=criterion,
            points=0,
            reason="Thiếu 4 báo cáo.",
        )
        self.login("ward_officer")
        response = self.client.get(a.get_absolute_url())
        assert response.context["show_appraisal"] is False
        assert "Thiếu 4 báo cáo." not in response.content.decode()
        assert self.client.get(reverse("assessments:results", args=[round_.pk])).status_code == 403
        self.login("leader")
        assert "Thiếu 4 báo cáo." in self.client.get(a.get_absolute_url()).content.decode()
        # Found walking the demo: before publication the table held the submitted units only,
        # and nothing said which were missing.
        results = self.client.get(reverse("assessments:results", args=[round_.pk]))
        note = results.content.decode().split('data-testid="not-submitted">', 1)[1]
        assert note.startswith(f"Chưa nộp bản tự đánh giá (1 đơn vị): {self.cast.ward_b.name}<")

    def test_the_appraiser_sees_only_the_criteria_of_their_agency(self):
        a = assessment_of(self.round, self.cast.ward_a)
        fill(a, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=a)
        round_advance(actor=None, round_=self.round)
        self.login("appraiser")
        response = self.client.get(reverse("assessments:appraisal", args=[self.round.pk]))
        codes = [criterion.code for criterion, _done in response.context["criteria"]]
        assert codes == ["2.1", "2.2"]
        criterion = Criterion.objects.get(framework=self.round.framework, code="1.1")
        response = self.client.post(
            reverse("assessments:score_appraise", args=[a.pk, criterion.pk]), {"points": "0"}
        )
        assert response.status_code == 403  # a criterion it reads but does not appraise
        mine = Criterion.objects.get(framework=self.round.framework, code="2.1")
        # The version the row was read at, as the page sends it.
        from cchc.core.versioning import version_token

        version = version_token(Score.objects.get(assessment=a, criterion=mine))
        response = self.client.post(
            reverse("assessments:score_appraise", args=[a.pk, mine.pk]),
            {"points": "3", "version": version},
            headers={"HX-Request": "true"},
        )
        assert 'data-testid="appraise-error"' in response.content.decode()  # differs: reason needed
        self.client.post(
            reverse("assessments:score_appraise", args=[a.pk, mine.pk]),
            {"points": "3", "reason": "Một hồ sơ trễ không được tính.", "version": version},
            headers={"HX-Request": "true"},
        )
        assert Score.objects.get(assessment=a, criterion=mine).appraised_points == 3

    def test_the_appraisal_page_filters_and_pages_through_many_units(self):
        from unittest import mock

        for unit in (self.cast.ward_a, self.cast.ward_b):
            a = assessment_of(self.round, unit)
            fill(a, self.ward_officer)
            assessment_submit(actor=self.ward_chair, assessment=a)
        round_advance(actor=None, round_=self.round)
        mine = Criterion.objects.get(framework=self.round.framework, code="2.1")
        url = reverse("assessments:appraisal", args=[self.round.pk])
        self.login("appraiser")

        def units(params):
            response = self.client.get(url, {"criterion": mine.pk, **params})
            assert response.status_code == 200
            return [row["assessment"].org_unit.name for row in response.context["rows"]]

        with mock.patch("cchc.assessments.views.APPRAISAL_PAGE_SIZE", 1):
            assert units({}) == ["Phường Nam Hà"]
            assert units({"page": 2}) == ["Phường Trần Phú"]
            page = self.client.get(url, {"criterion": mine.pk}).content.decode()
            assert 'data-testid="appraisal-filter"' in page
            assert f"criterion={mine.pk}" in page.split('class="pagination"')[1]
        # Without accents or case, by name or by code.
        assert units({"q": "nam ha"}) == ["Phường Nam Hà"]
        assert units({"q": "18070"}) == ["Phường Trần Phú"]
        assert units({"q": "no such ward"}) == []
        score_appraise(
            actor=self.appraiser,
            assessment=assessment_of(self.round, self.cast.ward_a),
            criterion=mine,
            points=Score.objects.get(
                assessment__org_unit=self.cast.ward_a, criterion=mine
            ).self_points,
            reason="",
        )
        assert units({"todo": "1"}) == ["Phường Nam Hà"]
        # How far each criterion is comes once the page has shown (htmx).
        page = self.client.get(url, {"criterion": mine.pk}).content.decode()
        progress = reverse("assessments:appraisal_progress", args=[self.round.pk])
        assert f'hx-get="{progress}?criterion={mine.pk}"' in page
        listing = self.client.get(progress, {"criterion": mine.pk}).content.decode()
        assert "2.1. " in listing and "1/2" in listing and "hx-get" not in listing
        assert "1.1. " not in listing  # not this agency's criterion
        assert units({"group": self.cast.city.pk}) == ["Phường Nam Hà", "Phường Trần Phú"]
        # The criteria keep the filters; the page reads as many queries for one unit as for
        # two (and one more to find the units still to appraise).
        response = self.client.get(url, {"criterion": mine.pk, "todo": "1", "q": "phuong"})
        assert (
            "todo=1"
            in response.content.decode()
            .split('data-testid="appraisal-criteria"')[1]
            .split("</ul>")[0]
        )
        both = len(self._queries(url, {"criterion": mine.pk}))
        with (
            mock.patch("cchc.assessments.views.APPRAISAL_PAGE_SIZE", 1),
            self.assertNumQueries(both),
        ):
            self.client.get(url, {"criterion": mine.pk})
        with self.assertNumQueries(both + 1):
            self.client.get(url, {"criterion": mine.pk, "todo": "1", "q": "phuong"})

    def _queries(self, url, params):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.client.get(url, params)
        return list(queries)

    def test_results_export_is_a_real_workbook(self):
        from openpyxl import load_workbook

        self.login("home_affairs")
        response = self.client.get(reverse("assessments:results_export", args=[self.round.pk]))
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.active["A4"].value == "Hạng"
        # The decision's date is a date the spreadsheet can sort, shown 15/08/2026 (it was text).
        Round.objects.filter(pk=self.round.pk).update(
            decision_number="1234/QĐ-UBND", decision_date=datetime.date(2026, 8, 15)
        )
        response = self.client.get(reverse("assessments:results_export", args=[self.round.pk]))
        cell = load_workbook(io.BytesIO(response.content)).active["B2"]
        assert cell.value == datetime.datetime(2026, 8, 15) and cell.number_format == "dd/mm/yyyy"


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), tick=False)
class RoundCreateTests(BaseTestCase):
    def post_round(self, framework, **changes):
        data = {
            "framework": framework.pk,
            "period": "h1",
            "year": 2026,
            "units": [self.cast.ward_a.pk, self.cast.ward_b.pk],
            "self_assessment_due_on": "2026-07-10",
            "appraisal_due_on": "2026-07-25",
            "appeals_due_on": "2026-08-05",
            **changes,
        }
        return self.client.post(reverse("assessments:round_create"), data)

    def test_a_round_set_up_wrong_is_refused_beside_what_is_wrong(self):
        """Deadlines of 2020 for a round of 2027 (every ward "late by 2524 days" once
        opened), a 2027 framework for a 2026 round, and a second 6-month round of 2026 for the
        same wards (two rounds of one name open at once) were all accepted."""
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(self.cast.city, publish=True)  # of 2026
        self.login("home_affairs")
        past = self.post_round(
            framework, self_assessment_due_on="2020-01-10", appraisal_due_on="2020-01-20"
        )
        assert past.status_code == 400
        errors = past.context["form"].errors
        assert errors["self_assessment_due_on"] == [
            "Hạn tự đánh giá đã qua: hãy chọn một ngày sau hôm nay."
        ]
        later = self.post_round(framework, year=2025)
        assert later.context["form"].errors["framework"] == [
            "Bộ tiêu chí này của năm 2026: không thể dùng để chấm đợt năm 2025."
        ]
        assert not Round.objects.exists()
        same_period = (
            "Phường Nam Hà đã có đợt “Đợt 6 tháng năm 2026”: mỗi đơn vị chỉ tự đánh giá một "
            "lần cho mỗi kỳ trong năm."
        )
        # A draft set up by mistake blocks nothing (no draft can be deleted): a second draft
        # of the period may follow; the first opened, the other is refused when opened.
        other = make_framework(self.cast.city, publish=True, name="Bộ chỉ số khác")
        assert self.post_round(framework).status_code == 302
        assert self.post_round(other, units=[self.cast.ward_b.pk]).status_code == 302
        first, second = Round.objects.order_by("pk")
        self.client.post(reverse("assessments:round_advance", args=[first.pk]), {"target": "open"})
        first.refresh_from_db()
        assert first.status == Round.Status.OPEN
        page = self.client.post(
            reverse("assessments:round_advance", args=[second.pk]), {"target": "open"}, follow=True
        ).content.decode()
        assert same_period in page
        second.refresh_from_db()
        assert second.status == Round.Status.DRAFT
        # Once one is open, setting up another for its units is refused beside them.
        again = self.post_round(framework, units=[self.cast.ward_b.pk])
        assert again.status_code == 400
        assert again.context["form"].errors["units"] == [same_period]
        assert Round.objects.count() == 2
        # The 9-month round of the same year is another period: set up as before.
        nine = self.post_round(
            framework,
            period="m9",
            self_assessment_due_on="2026-10-10",
            appraisal_due_on="2026-10-25",
            appeals_due_on="2026-11-05",
        )
        assert nine.status_code == 302

    def test_an_older_framework_is_refused_once_the_years_own_is_published(self):
        from cchc.frameworks.tests.factories import make_framework

        older = make_framework(self.cast.city, publish=True, name="Bộ chỉ số 2025", year=2025)
        self.login("home_affairs")
        # None of 2026 yet: last year's framework may score this year's round.
        assert self.post_round(older, units=[self.cast.ward_a.pk]).status_code == 302
        make_framework(self.cast.city, publish=True, name="Bộ chỉ số 2026")
        refused = self.post_round(older, period="annual", units=[self.cast.ward_b.pk])
        assert refused.context["form"].errors["framework"] == [
            "Bộ tiêu chí này của năm 2025, trong khi “Bộ chỉ số 2026” năm 2026 đã được ban "
            "hành: hãy chọn bộ đó."
        ]

    def test_the_coordinator_opens_a_round_for_the_city_wards(self):
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(self.cast.city, publish=True)
        self.login("home_affairs")
        response = self.client.post(
            reverse("assessments:round_create"),
            {
                "framework": framework.pk,
                "period": "h1",
                "year": 2026,
                "units": [self.cast.ward_a.pk, self.cast.ward_b.pk],
                "self_assessment_due_on": "2026-07-10",
                "appraisal_due_on": "2026-07-25",
                "appeals_due_on": "2026-08-05",
            },
        )
        round_ = Round.objects.get()
        assert response["Location"] == round_.get_absolute_url()
        assert round_.assessments.count() == 2
        self.client.post(reverse("assessments:round_advance", args=[round_.pk]), {"target": "open"})
        round_.refresh_from_db()
        assert round_.status == Round.Status.OPEN
        # The board's button says the step it offers; so does its form.
        board = self.client.get(round_.get_absolute_url()).content.decode()
        assert '<input type="hidden" name="target" value="appraisal">' in board

    def test_a_second_click_or_a_stale_tab_never_moves_the_round_again(self):
        # A walk: "Move to …" posted twice (a double click, a second tab, a colleague) moved
        # the round a second step, which cannot be undone; at the last step it said "“—”".
        from cchc.assessments.tests.factories import make_round

        round_ = make_round(self.cast, open_it=False)
        self.login("home_affairs")
        url = reverse("assessments:round_advance", args=[round_.pk])
        self.client.post(url, {"target": "open"})
        round_.refresh_from_db()
        assert round_.status == Round.Status.OPEN
        page = self.client.post(url, {"target": "open"}, follow=True).content.decode()
        round_.refresh_from_db()
        assert round_.status == Round.Status.OPEN
        assert "đã ở trạng thái" in page and "Không thay đổi gì thêm" in page
        # A page two steps behind (it offered "open"; the round is past it): refused too.
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
        page = self.client.post(url, {"target": "open"}, follow=True).content.decode()
        round_.refresh_from_db()
        assert round_.status == Round.Status.APPRAISAL and "đã chuyển sang" in page
        # A request no page sends (no step named) moves nothing.
        self.client.post(url, {})
        round_.refresh_from_db()
        assert round_.status == Round.Status.APPRAISAL
        # The last state has no further step, said so.
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.PUBLISHED)
        page = self.client.post(url, {"target": "published"}, follow=True).content.decode()
        assert "“—”" not in page and "không còn bước nào tiếp theo" in page

    def test_deadlines_out_of_order_are_explained(self):
        from cchc.frameworks.tests.factories import make_framework

        framework = make_framework(self.cast.city, publish=True)
        self.login("home_affairs")
        response = self.client.post(
            reverse("assessments:round_create"),
            {
                "framework": framework.pk,
                "period": "h1",
                "year": 2026,
                "units": [self.cast.ward_a.pk],
                "self_assessment_due_on": "2026-08-10",
                "appraisal_due_on": "2026-07-25",
                "appeals_due_on": "2026-08-05",
            },
        )
        assert response.status_code == 400
        assert not Round.objects.exists()

    def test_an_officer_cannot_create_a_round(self):
        self.login("ward_officer")
        assert self.client.get(reverse("assessments:round_create")).status_code == 403


def test_assessment_status_choices_are_four():
    assert len(Assessment.Status.choices) == 4


class DeadlineShownTests(BaseTestCase):
    """Walking the demo: the ward's page said "hạn 05/12/2026 – trễ hạn 3 ngày" while the
    round's header and the opening notice said 15/12/2026, with nothing to tell the two apart;
    once submitted, nothing said it came late."""

    def test_a_units_own_deadline_and_a_late_submission_are_said(self):
        round_ = make_round(self.cast)  # the round's deadline: 01/07/2026
        assessment = assessment_of(round_, self.cast.ward_a)
        Assessment.objects.filter(pk=assessment.pk).update(due_on=datetime.date(2026, 6, 25))
        self.login("ward_officer")
        with time_machine.travel(datetime.datetime(2026, 6, 28, 9, tzinfo=datetime.UTC)):
            page = self.client.get(assessment.get_absolute_url()).content.decode()
        assert "hạn riêng của đơn vị; hạn chung của đợt là 01/07/2026" in page
        assert 'data-testid="submitted-late"' not in page
        fill(assessment, self.ward_officer)
        with time_machine.travel(datetime.datetime(2026, 6, 28, 9, tzinfo=datetime.UTC)):
            assessment_submit(
                actor=self.ward_chair, assessment=assessment_of(round_, self.cast.ward_a)
            )
            page = self.client.get(assessment.get_absolute_url()).content.decode()
        assert "trễ hạn 3 ngày" in page
        # The ward on time with the round's own deadline: neither note.
        other = assessment_of(round_, self.cast.ward_b)
        self.login("home_affairs")
        page = self.client.get(other.get_absolute_url()).content.decode()
        assert "hạn riêng của đơn vị" not in page, (other.due_on, round_.self_assessment_due_on)
        assert 'data-testid="submitted-late"' not in page


class FigureRoundTripTests(BaseTestCase):
    def test_a_figure_goes_back_into_its_field_as_it_is_read_back(self):
        """A numerator of 2,125 was shown in its field as "2.125" and, when the officer next
        changed the denominator, saved as 2125 (dots group thousands in Vietnamese)."""
        from cchc.assessments.services import score_save

        round_ = make_round(self.cast)
        assessment = assessment_of(round_, self.cast.ward_a)
        criterion = Criterion.objects.get(framework=round_.framework, code="2.2")
        score_save(
            actor=self.ward_officer,
            assessment=assessment,
            criterion=criterion,
            data={"numerator": "2,125", "denominator": "4"},
        )
        self.login("ward_officer")
        page = self.client.get(assessment.get_absolute_url()).content.decode()
        shown = re.search(rf'name="c{criterion.pk}-numerator" value="([^"]*)"', page).group(1)
        version = re.search(rf'name="c{criterion.pk}-version" value="([^"]*)"', page).group(1)
        assert shown == "2,125"
        prefix = f"c{criterion.pk}-"
        self.client.post(
            reverse("assessments:score_save", args=[assessment.pk, criterion.pk]),
            {prefix + "numerator": shown, prefix + "denominator": "5", prefix + "version": version},
            headers={"HX-Request": "true"},
        )
        score = Score.objects.get(assessment=assessment, criterion=criterion)
        assert score.inputs == {"numerator": "2.125", "denominator": "5"}
