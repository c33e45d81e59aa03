"""Confirming an area's carried-over values in one click (issue 17, item 15): at the 9-month
round a ward confirmed 22 values carried over from the 6-month round one by one."""

import datetime

from django.urls import reverse

from cchc.assessments.models import Assessment, Score
from cchc.assessments.services import round_advance, round_create, score_save
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion
from cchc.frameworks.tests.factories import make_framework

HTMX = {"HX-Request": "true"}


class ConfirmAreaTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.assessment = assessment_of(self.round, self.cast.ward_a)
        for code, data in [
            ("1.1", {"answer": "yes"}),
            ("1.2", {"count": "1"}),
            ("2.1", {"numerator": "17", "denominator": "18"}),
        ]:
            score_save(
                actor=None, assessment=self.assessment, criterion=self.criterion(code), data=data
            )
        # As carry_over_round leaves them: the previous round's values, to be confirmed.
        Score.objects.filter(assessment=self.assessment).update(is_carried_over=True)
        self.login("ward_officer")

    def criterion(self, code):
        return Criterion.objects.get(framework=self.round.framework, code=code)

    def url(self, code):
        return reverse(
            "assessments:area_confirm", args=[self.assessment.pk, self.criterion(code).pk]
        )

    def carried(self):
        return sorted(
            Score.objects.filter(assessment=self.assessment, is_carried_over=True).values_list(
                "criterion__code", flat=True
            )
        )

    def test_the_count_to_confirm_follows_every_confirmation(self):
        # A walk: the board, the progress page and the unit's totals said "26/26 declared"
        # while 23 values carried over were still to confirm (they block the submission).
        from cchc.assessments.engine import load_tree, refresh_totals

        refresh_totals(self.assessment, load_tree(self.assessment))  # as carrying over leaves it

        def count():
            return Assessment.objects.get(pk=self.assessment.pk).carried_count

        assert count() == 3
        self.client.post(
            reverse(
                "assessments:score_confirm", args=[self.assessment.pk, self.criterion("1.1").pk]
            ),
            headers=HTMX,
        )
        assert count() == 2
        page = self.client.get(self.assessment.get_absolute_url()).content.decode()
        assert 'data-testid="to-confirm"' in page and "2 giá trị kỳ trước chờ xác nhận" in page
        self.login("home_affairs")
        board = self.client.get(self.round.get_absolute_url()).content.decode()
        assert "2 giá trị kỳ trước chờ xác nhận" in board
        self.login("ward_officer")
        criterion = self.criterion("2.1")  # saved: confirmed (the incremental save)
        score = Score.objects.get(assessment=self.assessment, criterion=criterion)
        self.client.post(
            reverse("assessments:score_save", args=[self.assessment.pk, criterion.pk]),
            {
                f"c{criterion.pk}-numerator": "16",
                f"c{criterion.pk}-denominator": "18",
                f"c{criterion.pk}-version": version_token(score),
            },
            headers=HTMX,
        )
        assert count() == 1
        self.client.post(self.url("1"), headers=HTMX)  # the area: 1.2 left
        assert count() == 0 == len(self.carried())
        fresh = Assessment.objects.get(pk=self.assessment.pk)
        refresh_totals(fresh, load_tree(fresh))  # the whole scoring agrees
        assert fresh.carried_count == 0

    def test_confirming_one_value_updates_its_areas_count(self):
        # Found walking the demo: after confirming 3.5 alone, its area's button still said
        # "Xác nhận vẫn đúng 2 tiêu chí" until the page was reloaded.
        one = self.criterion("1.1")
        response = self.client.post(
            reverse("assessments:score_confirm", args=[self.assessment.pk, one.pk]),
            headers=HTMX,
        )
        content = response.content.decode()
        assert response.status_code == 200 and self.carried() == ["1.2", "2.1"]
        assert content.lstrip().startswith(f'<tbody id="score-{one.pk}" class="score-group">')
        area = content.split(f'<tbody id="area-{self.criterion("1").pk}" hx-swap-oob="true">')[1]
        area = area.split("</tbody>")[0]
        assert 'data-testid="confirm-area-1"' in area and "đúng 1 tiêu chí" in area
        assert "2 tiêu chí" not in area

    def test_saving_a_carried_value_takes_its_badge_and_updates_its_areas_count(self):
        """Saving confirms a carried value, but its row still showed "chuyển từ đợt trước" with
        its confirm link, and the area still asked to confirm 2 (a new-user walk)."""
        one = self.criterion("1.2")
        prefix = f"c{one.pk}-"
        version = Score.objects.get(assessment=self.assessment, criterion=one)
        from cchc.core.versioning import version_token

        response = self.client.post(
            reverse("assessments:score_save", args=[self.assessment.pk, one.pk]),
            {f"{prefix}count": "2", f"{prefix}version": version_token(version)},
            headers=HTMX,
        )
        content = response.content.decode()
        assert response.status_code == 200 and self.carried() == ["1.1", "2.1"]
        assert f'<div id="carried-{one.pk}" hx-swap-oob="true"></div>' in content
        area = content.split(f'<tbody id="area-{self.criterion("1").pk}" hx-swap-oob="true">')[1]
        assert "đúng 1 tiêu chí" in area.split("</tbody>")[0]
        assert 'data-testid="saved-' in content  # the saved parts, as any save
        # A second save of the same (confirmed) value answers with the saved parts alone.
        again = self.client.post(
            reverse("assessments:score_save", args=[self.assessment.pk, one.pk]),
            {
                f"{prefix}count": "3",
                f"{prefix}version": version_token(
                    Score.objects.get(assessment=self.assessment, criterion=one)
                ),
            },
            headers=HTMX,
        ).content.decode()
        assert f'id="carried-{one.pk}"' not in again and 'id="area-' not in again

    def test_one_click_confirms_every_carried_value_of_the_area_and_only_those(self):
        page = self.client.get(self.assessment.get_absolute_url()).content.decode()
        assert 'data-testid="confirm-area-1"' in page and "2 tiêu chí" in page
        before = {
            score.criterion.code: score.updated_at
            for score in Score.objects.filter(assessment=self.assessment).select_related(
                "criterion"
            )
        }
        response = self.client.post(self.url("1"), headers=HTMX)
        content = response.content.decode()
        assert response.status_code == 200
        assert self.carried() == ["2.1"]
        # One audit line for the batch, naming the area and its criteria.
        event = AuditEvent.objects.get(action="assessment.confirm")
        assert event.object_id == str(self.assessment.pk)
        assert event.after == {"area": "1", "criteria": ["1.1", "1.2"]}
        # The confirmed rows come back in place with their new versions, without the badge;
        # the area rows lose their button (area 2 keeps its own).
        for code in ("1.1", "1.2"):
            pk = self.criterion(code).pk
            assert f'<tbody id="score-{pk}" class="score-group" hx-swap-oob="true">' in content
            score = Score.objects.get(assessment=self.assessment, criterion_id=pk)
            assert score.updated_at != before[code]
            assert f'value="{score.updated_at.isoformat()}"' in content
        assert f'id="score-{self.criterion("2.1").pk}"' not in content
        assert f'<tbody id="area-{self.criterion("1").pk}" hx-swap-oob="true">' in content
        assert 'data-testid="confirm-area-1"' not in content
        assert 'data-testid="confirm-area-2"' in content
        assert 'data-testid="area-confirmed"' in content and "1.1, 1.2" in content
        # Again: nothing left, nothing written.
        response = self.client.post(self.url("1"), headers=HTMX)
        assert "không còn giá trị nào" in response.content.decode()
        assert AuditEvent.objects.filter(action="assessment.confirm").count() == 1

    def test_without_javascript_it_answers_with_the_page(self):
        response = self.client.post(self.url("2"))
        assert response.status_code == 302
        assert response["Location"].endswith(f"#area-{self.criterion('2').pk}")
        assert self.carried() == ["1.1", "1.2"]

    def test_refused_once_the_assessment_is_locked(self):
        Assessment.objects.filter(pk=self.assessment.pk).update(status=Assessment.Status.SUBMITTED)
        response = self.client.post(self.url("1"), headers=HTMX)
        assert 'data-testid="area-error"' in response.content.decode()
        assert "đã bị khóa" in response.content.decode()
        assert self.carried() == ["1.1", "1.2", "2.1"]
        assert not AuditEvent.objects.filter(action="assessment.confirm").exists()

    def test_a_criterion_is_not_an_area_and_others_cannot_confirm(self):
        response = self.client.post(self.url("1.1"), headers=HTMX)  # no page sends it
        assert response.status_code == 400
        assert self.carried() == ["1.1", "1.2", "2.1"]
        self.login("outsider")
        assert self.client.post(self.url("1")).status_code == 404
        self.login("appraiser")
        assert self.client.post(self.url("1")).status_code == 403
        assert self.carried() == ["1.1", "1.2", "2.1"]

    def test_the_query_count_does_not_grow_with_the_criteria_confirmed(self):
        text = (
            "code,parent_code,title,max_points,rule\nA,,Lĩnh vực A,40,sum\nB,,Lĩnh vực B,2,sum\n"
            + "".join(f"A.{n},A,Tiêu chí {n},1,yes_no\n" for n in range(1, 41))
            + "B.1,B,Tiêu chí B1,1,yes_no\nB.2,B,Tiêu chí B2,1,yes_no\n"
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
        assessment = assessment_of(round_advance(actor=None, round_=big), self.cast.ward_a)
        for criterion in Criterion.objects.filter(framework=framework, children__isnull=True):
            score_save(
                actor=None, assessment=assessment, criterion=criterion, data={"answer": "yes"}
            )
        Score.objects.filter(assessment=assessment).update(is_carried_over=True)
        areas = {c.code: c.pk for c in Criterion.objects.filter(framework=framework, parent=None)}

        def confirm(code):
            return self.client.post(
                reverse("assessments:area_confirm", args=[assessment.pk, areas[code]]),
                headers=HTMX,
            )

        self.client.get(assessment.get_absolute_url())  # the first request writes the session
        # session, user, memberships, assessment, round visible, criterion; in one transaction
        # (savepoint, release): lock the assessment, the framework's tree, lock the carried
        # scores, one update of them, one of the count to confirm, one audit line; then the page's rows: criteria, scores, evidence,
        # questions (the session is written at most every 5 minutes, not here)
        with self.assertNumQueries(18) as two:
            confirm("B")
        with self.assertNumQueries(len(two.captured_queries)):
            response = confirm("A")
        assert response.content.decode().count("hx-swap-oob") == 40 + 2
        assert not Score.objects.filter(assessment=assessment, is_carried_over=True).exists()
