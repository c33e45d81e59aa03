"""Appeals seen and told (issue 17, item 10): the unit had no list of its appeals and no status
on the criterion's row, and nobody was told when one was filed or decided."""

import re
from decimal import Decimal

from django.urls import reverse

from cchc.accounts.services import membership_add, user_create
from cchc.assessments.models import Appeal, Round, Score
from cchc.assessments.services import (
    appeal_decide,
    appeal_file,
    assessment_submit,
    round_advance,
    score_appraise,
    score_save,
)
from cchc.assessments.tests.factories import FULL_INPUTS, assessment_of, make_round
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.notifications.models import Notification

D = Decimal


class AppealsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        """Wards A and B submitted and appraised as declared: the round is in appeals."""
        super().setUpTestData()
        cls.round = make_round(cls.cast)
        chair_b = user_create(actor=None, username="chair_b", password="a-long-test-password-42")
        membership_add(actor=None, user=chair_b, role=Role.UNIT_CHAIR, org_unit=cls.cast.ward_b)
        for unit, officer, chair in (
            (cls.cast.ward_a, cls.ward_officer, cls.ward_chair),
            (cls.cast.ward_b, cls.outsider, chair_b),
        ):
            assessment = assessment_of(cls.round, unit)
            for code, data in FULL_INPUTS.items():
                score_save(
                    actor=officer,
                    assessment=assessment,
                    criterion=Criterion.objects.get(framework=cls.round.framework, code=code),
                    data=data,
                    explanation="Đã ban hành, chưa số hóa.",
                )
            assessment_submit(actor=chair, assessment=assessment)
        cls.round = round_advance(actor=cls.home_affairs, round_=cls.round)
        for score in Score.objects.filter(assessment__round=cls.round).select_related(
            "assessment", "criterion"
        ):
            points, reason = score.self_points or D(0), ""
            if score.criterion.code == "2.2":
                points, reason = D("1.5"), "Chỉ 2/4 có phiếu xin lỗi."
            score_appraise(
                actor=cls.home_affairs,
                assessment=score.assessment,
                criterion=score.criterion,
                points=points,
                reason=reason,
            )
        cls.round = round_advance(actor=cls.home_affairs, round_=cls.round)
        assert cls.round.status == Round.Status.APPEALS
        cls.assessment = assessment_of(cls.round, cls.cast.ward_a)

    def score(self, code, assessment=None):
        return Score.objects.get(assessment=assessment or self.assessment, criterion__code=code)

    def file(self, code="2.2", points="2.63", reason="Có đủ 4/4 phiếu xin lỗi."):
        return appeal_file(
            actor=self.ward_chair, score=self.score(code), reason=reason, requested_points=D(points)
        )

    def list_url(self, assessment=None):
        return reverse("assessments:appeal_list", args=[(assessment or self.assessment).pk])

    # --- who is told -----------------------------------------------------------------------

    def test_filing_tells_the_keepers_and_the_agency_that_appraises_the_criterion(self):
        Notification.objects.all().delete()
        appeal = self.file("2.2")
        told = {n.user.username: n for n in Notification.objects.select_related("user")}
        # Home Affairs keeps the round; Phòng Tư pháp (the cast's agency) appraises 2.2.
        assert set(told) == {"home_affairs", "appraiser"}
        note = told["home_affairs"]
        assert "2.2" in note.title and str(self.cast.ward_a) in note.title
        assert "Có đủ 4/4 phiếu xin lỗi." in note.body
        assert "1,5" in note.body and "2,63" in note.body  # appraised and asked for
        assert note.url == self.round.get_absolute_url() + "#appeals"
        self.login("home_affairs")
        assert 'id="appeals"' in self.client.get(note.url).content.decode()  # where they decide
        assert told["appraiser"].url == self.list_url() + f"#appeal-{appeal.pk}"

    def test_an_appeal_on_a_criterion_of_no_agency_of_theirs_leaves_the_appraiser_out(self):
        Notification.objects.all().delete()
        self.file("1.1", points="2.5")  # area 1: the appraiser appraises areas 2 and 3
        assert set(Notification.objects.values_list("user__username", flat=True)) == {
            "home_affairs"
        }

    def test_a_decision_tells_the_units_officer_and_chair(self):
        appeal = self.file("2.2")
        Notification.objects.all().delete()
        appeal_decide(
            actor=self.home_affairs,
            appeal=appeal,
            accept=True,
            reason="Đã đối chiếu phiếu.",
            points=D(2),
        )
        told = {n.user.username: n for n in Notification.objects.select_related("user")}
        assert set(told) == {"ward_officer", "ward_chair"}  # not ward B's officer
        note = told["ward_officer"]
        assert "2.2" in note.title and "Được chấp nhận" in note.title
        assert "Đã đối chiếu phiếu." in note.body and "2" in note.body
        assert note.url == self.list_url() + f"#appeal-{appeal.pk}"
        other = self.file("1.2", points="1")
        Notification.objects.all().delete()
        appeal_decide(
            actor=self.home_affairs, appeal=other, accept=False, reason="Không có căn cứ."
        )
        note = Notification.objects.get(user=self.ward_chair)
        assert "Không được chấp nhận" in note.title and "Không có căn cứ." in note.body

    # --- the unit's list ------------------------------------------------------------------

    def test_the_unit_lists_its_appeals_with_their_status_outcome_and_reason(self):
        waiting = self.file("2.2")
        decided = self.file("1.2", points="1")
        appeal_decide(
            actor=self.home_affairs, appeal=decided, accept=False, reason="Không có căn cứ."
        )
        for persona in ("ward_officer", "ward_chair"):
            self.login(persona)
            response = self.client.get(self.list_url())
            assert response.status_code == 200
            html = response.content.decode()
            assert f'id="appeal-{waiting.pk}"' in html and f'id="appeal-{decided.pk}"' in html
            assert "Chờ quyết định" in html and "Không được chấp nhận" in html
            assert "Có đủ 4/4 phiếu xin lỗi." in html and "Không có căn cứ." in html
            assert "2,63" in html  # the points asked for
        self.login("outsider")
        assert self.client.get(self.list_url()).status_code == 404  # another ward's
        self.login("ward_officer")
        other = assessment_of(self.round, self.cast.ward_b)
        assert self.client.get(self.list_url(other)).status_code == 404

    def test_an_accepted_appeal_still_shows_the_score_it_contested(self):
        """The round's appeals table read the score's current figure: once 2.2 was raised from
        1,5 to 2,63, the appeal showed 2,63 as the score contested. It keeps 1,5."""
        appeal = self.file("2.2")
        assert appeal.contested_points == D("1.5")
        appeal_decide(
            actor=self.home_affairs,
            appeal=appeal,
            accept=True,
            reason="Đủ phiếu.",
            points=D("2.63"),
        )
        self.login("home_affairs")
        board = self.client.get(self.round.get_absolute_url()).content.decode()
        table = board.split('data-testid="appeals"', 1)[1].split("</table>", 1)[0]
        assert "1,5 → 2,63" in table
        self.login("ward_officer")
        row = self.client.get(self.list_url()).content.decode().split(f'id="appeal-{appeal.pk}"')[1]
        cells = re.findall(r'<td class="text-end points">([^<]*)</td>', row.split("</tr>")[0])
        assert cells == ["1,5", "2,63 / 3,5"], cells

    def test_the_migration_finds_what_earlier_appeals_contested(self):
        """Appeals filed before the field: a pending one contests the score as it stands, a
        decided one the score its decision's audit line says it had before."""
        import importlib

        from django.apps import apps as django_apps

        pending = self.file("2.2")
        decided = self.file("1.2", points="1")
        appeal_decide(
            actor=self.home_affairs, appeal=decided, accept=True, reason="Đúng.", points=D(1)
        )
        Appeal.objects.update(contested_points=None)
        migration = importlib.import_module(
            "cchc.assessments.migrations.0006_appeal_contested_points"
        )
        migration.contested_from_history(django_apps, None)
        pending.refresh_from_db()
        decided.refresh_from_db()
        assert pending.contested_points == D("1.5")
        assert decided.contested_points == self.score("1.2").self_points  # as appraised: declared
        assert decided.decided_points == D(1)

    def test_nobody_decides_an_appeal_of_a_unit_they_work_for(self):
        """A keeper of the round who is also the chair of ward A decided ward A's appeal."""
        import pytest
        from django.core.exceptions import PermissionDenied

        from cchc.accounts.models import User

        appeal = self.file("2.2")
        membership_add(
            actor=None, user=self.home_affairs, role=Role.UNIT_CHAIR, org_unit=self.cast.ward_a
        )
        keeper = User.objects.get(pk=self.home_affairs.pk)
        with pytest.raises(PermissionDenied):
            appeal_decide(actor=keeper, appeal=appeal, accept=True, reason="Của mình.")
        appeal.refresh_from_db()
        assert appeal.status == Appeal.Status.PENDING

    def test_the_list_says_when_appeals_will_be_accepted_before_the_appraisal(self):
        # Found walking the demo: a round still in self-assessment read "appeals were
        # accepted until …", as if they had closed.
        self.login("ward_officer")
        for status, expected in (
            (Round.Status.OPEN, "Sau khi có kết quả thẩm định, đơn vị được đề nghị phúc khảo"),
            (Round.Status.APPEALS, "Nhận đề nghị phúc khảo đến hết ngày"),
            (Round.Status.PUBLISHED, "Đã nhận đề nghị phúc khảo đến hết ngày"),
        ):
            Round.objects.filter(pk=self.round.pk).update(status=status)
            assert expected in self.client.get(self.list_url()).content.decode(), status

    def test_the_list_reads_the_same_few_rows_whatever_the_number_of_appeals(self):
        self.file("2.2")
        self.login("ward_officer")
        url = self.list_url()
        self.client.get(url)  # warm: sessions, content types
        # session, user, memberships (with units), the assessment with its round, framework
        # and units, the round's visibility, the appeals with their criteria and people (the
        # session is written at most every 5 minutes, not here)
        with self.assertNumQueries(6):
            assert self.client.get(url).status_code == 200
        self.file("1.2", points="1")
        self.file("2.1", points="5")
        with self.assertNumQueries(6):
            assert self.client.get(url).status_code == 200

    def test_an_empty_list_says_so_and_when_appeals_close(self):
        self.login("ward_officer")
        html = self.client.get(self.list_url()).content.decode()
        assert "Đơn vị chưa gửi đề nghị phúc khảo nào" in html
        assert "31/07/2026" in html

    # --- the row and the way there ---------------------------------------------------------

    def test_the_criterion_row_shows_the_appeal_and_the_page_links_to_the_list(self):
        appeal = self.file("2.2")
        self.login("ward_officer")
        html = self.client.get(self.assessment.get_absolute_url()).content.decode()
        assert 'data-testid="appeal-2.2"' in html
        badge = html.split('data-testid="appeal-2.2"', 1)[1][:400]
        assert "Chờ quyết định" in badge
        assert self.list_url() + f"#appeal-{appeal.pk}" in html
        assert 'data-testid="appeal-1.1"' not in html  # no appeal there
        assert 'data-testid="appeals-link"' in html
        # The criterion waiting for a decision offers no second appeal form.
        row = html.split('id="score-' + str(appeal.score.criterion_id) + '"', 1)[1]
        row = row.split("</tbody>", 1)[0]
        assert "appeal_file" not in row and "/appeal/" not in row
        appeal_decide(actor=self.home_affairs, appeal=appeal, accept=False, reason="Không.")
        html = self.client.get(self.assessment.get_absolute_url()).content.decode()
        badge = html.split('data-testid="appeal-2.2"', 1)[1][:400]
        assert "Không được chấp nhận" in badge

    def test_the_home_page_leads_the_unit_to_its_appeals(self):
        self.file("2.2")
        for persona in ("ward_officer", "ward_chair"):
            self.login(persona)
            html = self.client.get(reverse("core:home")).content.decode()
            assert self.list_url() in html, persona
            assert "1 chờ quyết định" in html
        self.login("outsider")
        html = self.client.get(reverse("core:home")).content.decode()
        assert self.list_url() not in html

    def test_reasons_are_shown_as_typed_never_as_markup(self):
        typed = "<script>alert('x')</script> & <b>đậm</b>"
        appeal = self.file("2.2", reason=typed)
        appeal_decide(actor=self.home_affairs, appeal=appeal, accept=False, reason=typed)
        self.login("ward_officer")
        html = self.client.get(self.list_url()).content.decode()
        assert typed not in html and "<b>đậm</b>" not in html
        escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;"
        assert html.count(escaped) == 2  # the unit's reason and the decision's

    def test_published_appeals_stay_listed(self):
        appeal = self.file("2.2")
        appeal_decide(actor=self.home_affairs, appeal=appeal, accept=True, reason="Đúng.")
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.PUBLISHED)
        self.login("ward_chair")
        html = self.client.get(self.list_url()).content.decode()
        assert "Được chấp nhận" in html and "Đúng." in html
        assert Appeal.objects.get().decided_points == D("2.63")


class AppealDecisionFormTests(BaseTestCase):
    def test_a_decision_is_chosen_not_taken_for_the_one_typing_a_reason(self):
        """The form started on "Accept": a reason typed, then "Decide", accepted the appeal."""
        from cchc.assessments.forms import AppealDecisionForm

        blank = AppealDecisionForm({"reason": "Đã đối chiếu."})
        assert not blank.is_valid() and "accept" in blank.errors
        chosen = AppealDecisionForm({"accept": "0", "reason": "Đã đối chiếu."})
        assert chosen.is_valid() and chosen.cleaned_data["accept"] is False
