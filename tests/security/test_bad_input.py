"""Input an attacker sends that the pages never would: figures too large for any point, a score
for a parent criterion, ids that are not numbers or too large for the database, a framework
nested a thousand levels deep, a save without its version, an action the state refuses. Each
gets a clear Vietnamese refusal (a form error or a 400), never a 500, and writes nothing."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cchc.assessments.models import Score
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.imports import ImportFailed
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.frameworks.importers import read_framework_file
from cchc.frameworks.models import Criterion
from cchc.inspections.models import Finding, Inspection, RootCause
from cchc.inspections.services.findings import FINDINGS_LOCKED_MESSAGE
from cchc.inspections.tests.factories import approved_inspection, to_status

pytestmark = pytest.mark.security

HUGE_ID = "9" * 32


class SelfScoreTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        self.login("ward_officer")

    def criterion(self, code):
        return Criterion.objects.get(framework=self.round.framework, code=code)

    def save(self, code, figures, **extra):
        criterion = self.criterion(code)
        data = {f"c{criterion.pk}-{name}": value for name, value in figures.items()}
        data.update(extra)
        url = reverse("assessments:score_save", args=[self.assessment.pk, criterion.pk])
        return self.client.post(url, data, headers={"HX-Request": "true"})

    def test_figures_too_large_for_any_point_are_refused_in_the_row(self):
        for code, figures in [
            ("2.2", {"numerator": "1", "denominator": "9" * 32}),
            ("1.2", {"count": "9" * 32}),
        ]:
            response = self.save(code, figures)
            content = response.content.decode()
            assert response.status_code == 200, (code, figures)
            assert 'data-testid="row-error"' in content, (code, figures)
            assert "quá lớn" in content, (code, figures)
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_an_explanation_of_a_million_characters_is_refused(self):
        """It was stored, and every page showing the criterion weighed a megabyte."""
        criterion = self.criterion("1.2")
        response = self.save("1.2", {"count": "1", "explanation": "x" * 1_000_000})
        assert "tối đa 5000 ký tự" in response.content.decode()
        assert not Score.objects.filter(assessment=self.assessment).exists()
        self.save("1.2", {"count": "1", "explanation": "x" * 5000})
        score = Score.objects.get(assessment=self.assessment, criterion=criterion)
        assert len(score.explanation) == 5000

    def test_figures_in_exponent_notation_or_other_digits_are_not_numbers(self):
        """A tiny base written "1e-400" / "1e-400" scored full marks where 0 / 0 is not
        applicable, and "1e-5000000" (30 bytes) made the unit's page 60 MB: the page writes a
        stored figure out in full. People type digits and marks, never exponents."""
        for code, figures in [
            ("2.2", {"numerator": "1e-400", "denominator": "1e-400"}),
            ("2.2", {"numerator": "1e-5000000", "denominator": "1e-5000000"}),
            ("2.1", {"numerator": "1E+30", "denominator": "1E+30"}),
            ("1.2", {"count": "1e309"}),
            ("1.2", {"count": "١"}),  # an Arabic-Indic one
            ("2.2", {"numerator": "Infinity", "denominator": "1"}),
        ]:
            response = self.save(code, figures)
            content = response.content.decode()
            assert response.status_code == 200, (code, figures)
            assert 'data-testid="row-error"' in content, (code, figures)
            assert "không phải là số" in content, (code, figures)
            assert len(content) < 50_000, (code, figures)
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_a_figure_has_at_most_four_decimal_places(self):
        response = self.save("2.2", {"numerator": "0,00001", "denominator": "0,00001"})
        assert "tối đa 4 chữ số thập phân" in response.content.decode()
        assert not Score.objects.filter(assessment=self.assessment).exists()
        # Trailing zeros are no places: a system's DECIMAL(18,6) sends 12.000000.
        response = self.save("2.2", {"numerator": "12,000000", "denominator": "100"})
        assert 'data-testid="row-error"' not in response.content.decode()
        Score.objects.filter(assessment=self.assessment).delete()
        response = self.save("2.2", {"numerator": "95,25", "denominator": "100"})
        assert 'data-testid="row-error"' not in response.content.decode()
        assert Score.objects.get(assessment=self.assessment).inputs == {
            "numerator": "95.25",
            "denominator": "100",
        }

    def test_a_score_for_a_parent_criterion_is_refused(self):
        response = self.save("1", {"answer": "yes"})
        assert response.status_code == 400
        assert (
            "Chỉ chấm điểm các tiêu chí không có tiêu chí thành phần" in response.content.decode()
        )
        assert not Score.objects.filter(assessment=self.assessment).exists()

    def test_a_save_without_its_version_never_overwrites_a_saved_score(self):
        self.save("1.1", {"answer": "yes"})
        score = Score.objects.get(assessment=self.assessment, criterion=self.criterion("1.1"))
        assert score.self_points is not None and score.inputs == {"answer": "yes"}
        # Without the version field at all, and with it empty (as the page sends it when the
        # criterion had no score yet): the score saved since is not replaced.
        for extra in ({}, {f"c{score.criterion_id}-version": ""}):
            response = self.save("1.1", {"answer": "no"}, **extra)
            assert "Người khác đã lưu" in response.content.decode()
            # …and the row does not also say "saved" (a refused save answered both).
            assert 'data-testid="saved-1.1"' not in response.content.decode()
            score.refresh_from_db()
            assert score.inputs == {"answer": "yes"}
        # With the version the page showed, the save goes through.
        from cchc.core.versioning import version_token

        self.save(
            "1.1", {"answer": "no"}, **{f"c{score.criterion_id}-version": version_token(score)}
        )
        score.refresh_from_db()
        assert score.inputs == {"answer": "no"}


class AppraisalVersionTests(BaseTestCase):
    """The appraisal save had the hole the self-score save had: without its version field (or
    with it empty) it skipped the check and overwrote the appraisal someone had saved since."""

    def setUp(self):
        from cchc.assessments.services import assessment_submit, round_advance, score_appraise
        from cchc.assessments.tests.test_workflow import fill

        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        fill(self.assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=self.assessment)
        round_advance(actor=None, round_=self.round)
        self.criterion = Criterion.objects.get(framework=self.round.framework, code="2.1")
        # The coordinator appraised it after the appraiser's page was read.
        score_appraise(
            actor=self.home_affairs,
            assessment=self.assessment,
            criterion=self.criterion,
            points=3,
            reason="Một hồ sơ trễ hạn.",
        )
        self.url = reverse(
            "assessments:score_appraise", args=[self.assessment.pk, self.criterion.pk]
        )
        self.login("appraiser")

    def score(self):
        return Score.objects.get(assessment=self.assessment, criterion=self.criterion)

    def test_an_appraisal_save_without_its_version_never_overwrites_a_saved_appraisal(self):
        for extra in ({}, {"version": ""}):
            response = self.client.post(
                self.url,
                {"points": "0", "reason": "Không đạt.", **extra},
                headers={"HX-Request": "true"},
            )
            assert "Người khác đã lưu" in response.content.decode(), extra
            score = self.score()
            assert score.appraised_points == 3 and score.appraisal_reason == "Một hồ sơ trễ hạn."
            assert score.appraised_by == self.home_affairs
            # Their value goes into the boxes, with the new version: the boxes kept "0", and
            # the next keystroke saved it over the coordinator's 3 (a walk).
            boxes = response.content.decode()
            points = f'id="apoints-{self.assessment.pk}-{self.criterion.pk}"'
            assert re.search(points + r'[^>]*value="3"[^>]*hx-swap-oob="true"', boxes), boxes
            assert 'value="Một hồ sơ trễ hạn."' in boxes and 'value="0"' not in boxes
        # With the version the page showed (sent back with the refusal), it goes through.
        from cchc.core.versioning import version_token

        self.client.post(
            self.url,
            {"points": "0", "reason": "Không đạt.", "version": version_token(self.score())},
            headers={"HX-Request": "true"},
        )
        assert self.score().appraised_points == 0


class QueryIdTests(BaseTestCase):
    def assert_refused(self, persona, url):
        self.login(persona)
        response = self.client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert "không phải là một mã số hợp lệ" in response.content.decode(), url

    def test_ids_that_are_not_numbers_or_too_large_are_a_400_in_vietnamese(self):
        dossiers = reverse("indicators:dossier_list")
        directives = reverse("indicators:directive_list")
        feedback = reverse("feedback:list")
        for value in ("abc", "1.5", "²", "-1", HUGE_ID):
            self.assert_refused("admin", f"{dossiers}?unit={value}")
            self.assert_refused("admin", f"{directives}?unit={value}")
            self.assert_refused("admin", f"{feedback}?unit={value}")

    def test_a_known_id_still_filters(self):
        self.login("admin")
        url = reverse("indicators:dossier_list")
        assert self.client.get(f"{url}?unit={self.cast.ward_a.pk}").status_code == 200
        assert self.client.get(f"{url}?unit=").status_code == 200
        assert self.client.get(f"{url}?unit=987654").status_code == 404


class FrameworkDepthTests(BaseTestCase):
    def test_a_framework_nested_a_thousand_levels_deep_is_refused_with_its_row(self):
        from cchc.frameworks.importers import MAX_DEPTH

        lines = ["code,parent_code,title,max_points,rule", "L0,,Gốc,1,sum"]
        for level in range(1, 1000):
            rule = "yes_no" if level == 999 else "sum"
            lines.append(f"L{level},L{level - 1},Mức {level},1,{rule}")
        with translation.override("vi"), pytest.raises(ImportFailed) as failed:
            read_framework_file(data="\n".join(lines).encode(), file_name="sau.csv")
        errors = failed.value.errors
        # The first row too deep: the header is row 1, L0 row 2, so L{MAX_DEPTH + 1} is below.
        assert errors[0].row == MAX_DEPTH + 3
        assert errors[0].column == "parent_code"
        assert "quá sâu" in errors[0].message
        assert len(errors) == 1  # one error, not one per row below


class RefusedWritesTests(BaseTestCase):
    def setUp(self):
        from cchc.inspections.services import findings

        inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        self.inspection = inspection
        self.finding = Finding.objects.filter(inspection=inspection).first()
        self.findings = findings
        self.login("appraiser")  # on the team of ward A's visit

    def counts(self):
        return RootCause.objects.count(), AuditEvent.objects.count()

    def test_a_new_root_cause_on_a_concluded_inspection_is_refused_and_not_written(self):
        before = self.counts()
        response = self.client.post(
            reverse("inspections:finding_cause", args=[self.finding.pk]),
            {"title": "Nguyên nhân mới sau kết luận", "linked": "1"},
            follow=True,
        )
        with translation.override("vi"):
            refusal = gettext(FINDINGS_LOCKED_MESSAGE)
        assert refusal in response.content.decode()
        assert self.counts() == before
        assert not RootCause.objects.filter(title="Nguyên nhân mới sau kết luận").exists()

    def test_a_finding_refused_on_a_concluded_inspection_writes_no_root_cause(self):
        from cchc.inspections.pages import finding_areas
        from cchc.inspections.services.visits import visit_items

        area = finding_areas(visit_items(self.inspection))[0][0]
        before = self.counts()
        self.client.post(
            reverse("inspections:finding_create", args=[self.inspection.pk]),
            {
                "kind": "strength",
                "area": area,
                "text": "Làm tốt",
                "new_root_cause": "Nguyên nhân của phát hiện bị từ chối",
            },
        )
        assert self.counts() == before

    def test_the_services_refuse_before_writing(self):
        from django.core.exceptions import ValidationError

        before = self.counts()
        with pytest.raises(ValidationError):
            self.findings.finding_link_root_cause(
                actor=self.cast.inspector, finding=self.finding, title="Một nguyên nhân khác"
            )
        assert self.counts() == before

    def test_a_cause_id_that_is_not_a_number_is_refused(self):
        response = self.client.post(
            reverse("inspections:finding_cause", args=[self.finding.pk]),
            {"cause": "abc", "linked": "1"},
        )
        assert response.status_code == 400


class IdListTests(BaseTestCase):
    """Found by the fuzzer (tests/security/test_fuzz.py): an id too large for the database in a
    list of ids (the units, rounds and visits an article is about, the units of a round, the
    items and findings of a visit) was a 500 on SQLite, which cannot compare it."""

    def test_an_id_too_large_for_the_database_in_a_list_is_refused_on_the_form(self):
        from cchc.portal.models import Article

        self.login("portal_editor")
        for field in ("units", "rounds", "inspections"):
            data = {"title": "Tin mới", field: [HUGE_ID]}
            response = self.client.post(reverse("portal_editor:article_new"), data)
            assert response.status_code == 400, (field, response.status_code)
            assert "không phải là một trong các lựa chọn" in response.content.decode(), field
        assert not Article.objects.exists()

    def test_the_units_of_a_round_and_the_findings_of_a_recommendation_too(self):
        from cchc.frameworks.tests.factories import make_framework
        from cchc.inspections.models import Recommendation

        framework = make_framework(self.cast.city, publish=True)
        self.login("home_affairs")
        data = {
            "framework": framework.pk,
            "period": "annual",
            "year": "2026",
            "units": [self.cast.ward_a.pk, HUGE_ID],
            "self_assessment_due_on": "2026-07-01",
            "appraisal_due_on": "2026-08-01",
            "appeals_due_on": "2026-09-01",
        }
        response = self.client.post(reverse("assessments:round_create"), data)
        assert response.status_code == 400
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        self.client.force_login(inspection.team.first().user)
        events = AuditEvent.objects.count()
        url = reverse("inspections:recommendation_create", args=[inspection.pk])
        response = self.client.post(url, {"rec-text": "Khắc phục", "rec-findings": [HUGE_ID]})
        assert response.status_code in (302, 400)
        assert not Recommendation.objects.filter(text="Khắc phục").exists()
        assert AuditEvent.objects.count() == events


@time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC), tick=False)
class FarDeadlineTests(BaseTestCase):
    def test_a_deadline_in_year_9999_is_refused_and_the_board_still_opens(self):
        """A round's appeals moved to 31/12/9999 was taken: the board, naming the day after
        it once in appeals, would add a day past the calendar's end. Deadlines fall by the end
        of the year after the round's."""
        from cchc.core.versioning import version_token

        round_ = make_round(self.cast)
        self.login("home_affairs")
        response = self.client.post(
            reverse("assessments:round_deadlines", args=[round_.pk]),
            {
                "self_assessment_due_on": "2026-07-01",
                "appraisal_due_on": "2026-07-16",
                "appeals_due_on": "9999-12-31",
                "reason": "x",
                "version": version_token(round_),
            },
        )
        assert response.status_code == 400
        assert "31/12/2027" in response.content.decode()
        round_.refresh_from_db()
        assert round_.appeals_due_on == datetime.date(2026, 7, 31)
        # Setting a round up asks the same rule, beside the appeals deadline.
        from cchc.assessments.services import round_setup_refusals

        refusals = round_setup_refusals(
            framework=round_.framework,
            organiser=self.cast.city,
            period="m9",
            year=2026,
            units=[],
            self_assessment_due_on=datetime.date(2026, 9, 1),
            appeals_due_on=datetime.date(9999, 12, 31),
        )
        assert "31/12/2027" in refusals["appeals_due_on"], refusals
