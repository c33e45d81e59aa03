import datetime

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cchc.core.testing import BaseTestCase
from cchc.inspections.dashboard import inspection_panels
from cchc.inspections.models import (
    TOPIC_SHORT,
    Checklist,
    ChecklistItem,
    Finding,
    Inspection,
    ItemResult,
    Topic,
)
from cchc.inspections.pages import assigned_sections
from cchc.inspections.services import findings, planning, visits
from cchc.inspections.tests.factories import (
    approved_inspection,
    import_checklists,
    team_ready,
    to_status,
    year_window,
)


def test_a_members_sections_name_the_checklist_they_belong_to():
    # Found walking the demo: "1, 2, 1, 2, 3" for a member of two topics; both checklists have
    # a section 1.
    sections = ["9:1", "9:2", "8:1", "8:2", "8:3", "77:4"]  # 77: a checklist not in the visit
    with translation.override("vi"):
        # The visit's checklists in its order, as the page names them (ChecklistItem.topic_short).
        items = {8: str(TOPIC_SHORT[Topic.TTHC]), 9: str(TOPIC_SHORT[Topic.DIRECTIVES])}
        assert assigned_sections(sections, items) == [
            ("Một cửa (TTHC)", "1, 2, 3"),
            ("Ý kiến chỉ đạo", "1, 2"),
        ]
    assert assigned_sections([], items) == []


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


class PageQueryTests(BaseTestCase):
    """Each page reads in a fixed number of queries, whatever the number of rows."""

    def grow(self, inspection, names):
        """Add findings, root causes, recommendations, actions and results."""
        for index in names:
            cause = findings.root_cause_get_or_create(
                actor=None, organiser=self.cast.city, title=f"Nguyên nhân {index}"
            )
            finding = findings.finding_create(
                actor=None,
                inspection=inspection,
                kind=Finding.Kind.SHORTCOMING,
                topic="iso",
                area="Duy trì và cải tiến",
                text=f"Hạn chế {index}",
                severity="minor",
                items=visits.visit_items(inspection)[:2],
                root_causes=[cause],
            )
            recommendation = findings.recommendation_create(
                actor=None,
                inspection=inspection,
                text=f"Kiến nghị {index}",
                findings=[finding],
                root_causes=[cause],
            )
            findings.action_create(
                actor=None,
                recommendation=recommendation,
                text=f"Việc {index}",
                deadline=timezone.localdate() + datetime.timedelta(days=10),
            )
        for item in visits.visit_items(inspection)[: len(names) * 2]:
            visits.item_result_save(actor=None, inspection=inspection, item=item, verdict="meets")

    def test_pages_do_not_grow_with_rows(self):
        inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.VISITING
        )
        self.login("home_affairs")
        urls = [
            reverse("inspections:inspection_list"),
            inspection.plan.get_absolute_url(),
            inspection.get_absolute_url(),
            reverse("inspections:checklist_visit", args=[inspection.pk]),
            reverse("inspections:root_causes"),
            reverse("inspections:checklist_list"),
            reverse("inspections:checklist_detail", args=[Checklist.objects.first().pk]),
        ]
        findings.finding_create(
            actor=None,
            inspection=inspection,
            kind="strength",
            topic="tthc",
            area="Công khai thủ tục hành chính",
            text="Niêm yết đầy đủ",
        )
        self.grow(inspection, [0])
        self.client.get(urls[0])  # the first request after signing in writes the session
        before = [count_queries(self.client, url) for url in urls]
        self.grow(inspection, [1, 2, 3])
        after = [count_queries(self.client, url) for url in urls]
        assert before == after, list(zip(urls, before, after, strict=True))
        # The budgets, so a change that adds queries is seen (no session write: at most one
        # every 5 minutes).
        with self.assertNumQueries(before[2]):
            self.client.get(inspection.get_absolute_url())
        assert before[2] <= 45, before


class ScopeTests(BaseTestCase):
    def setUp(self):
        import_checklists(self.cast)
        team_ready(self.cast)
        year = timezone.localdate().year
        self.plan = planning.plan_get_or_create(actor=None, organiser=self.cast.city, year=year)
        start, end = year_window(year)
        planning.request_file(
            actor=self.appraiser,
            plan=self.plan,
            org_unit=self.cast.ward_a,
            topic="iso",
            agency=self.cast.agency,
            window_start=start,
            window_end=end,
        )
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=start)
        self.inspection = Inspection.objects.get(plan=self.plan)
        # One member only: the appraiser; the inspector is not on this team.
        for member in self.inspection.team.exclude(user=self.appraiser):
            planning.team_member_remove(actor=None, member=member)
        if not self.inspection.team.filter(user=self.appraiser).exists():
            planning.team_member_add(
                actor=None,
                inspection=self.inspection,
                user=self.appraiser,
                topics=["iso"],
                is_head=True,
            )
        self.url = self.inspection.get_absolute_url()

    def status_for(self, persona):
        self.login(persona)
        return self.client.get(self.url).status_code

    def test_who_sees_the_inspection_before_and_after_publication(self):
        expected = {
            "home_affairs": 200,
            "leader": 200,
            "appraiser": 200,
            "inspector": 404,
            "ward_officer": 404,
            "outsider": 404,
            "portal_editor": 403,
        }
        assert {p: self.status_for(p) for p in expected} == expected
        planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        assert self.status_for("ward_officer") == 200, "the unit sees its own once approved"
        assert self.status_for("outsider") == 404
        inspection = to_status(self.cast, self.inspection, Inspection.Status.CONCLUDED)
        visits.inspection_publish(actor=self.home_affairs, inspection=inspection, publish=True)
        assert self.status_for("inspector") == 200, "published: the other inspectors see it"
        assert self.status_for("outsider") == 404, "another ward never sees it here"

    def test_the_unit_sees_the_plans_name_without_a_link_it_may_not_follow(self):
        # Found walking the demo: the ward officer's back link to the plan answered 404.
        planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        # And its list of visits said "no plan yet" above the visit of this year's plan.
        self.login("ward_officer")
        listed = self.client.get(reverse("inspections:inspection_list")).content.decode()
        assert self.url in listed and 'data-testid="plans-heading"' not in listed
        self.login("home_affairs")
        listed = self.client.get(reverse("inspections:inspection_list")).content.decode()
        assert 'data-testid="plans-heading"' in listed
        plan_url = self.plan.get_absolute_url()
        self.login("ward_officer")
        page = self.client.get(self.url).content.decode()
        assert f'href="{plan_url}"' not in page and str(self.plan) in page
        assert self.client.get(plan_url).status_code == 404
        self.login("home_affairs")
        page = self.client.get(self.url).content.decode()
        assert f'href="{plan_url}"' in page
        assert self.client.get(plan_url).status_code == 200

    def test_only_the_team_records_results_and_only_the_unit_reports(self):
        planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        inspection = to_status(self.cast, self.inspection, Inspection.Status.VISITING)
        item = visits.visit_items(inspection)[0]
        url = reverse("inspections:item_result", args=[inspection.pk, item.pk])
        self.login("inspector")
        assert self.client.post(url, {"verdict": "meets"}).status_code == 404
        self.login("ward_officer")
        assert self.client.post(url, {"verdict": "meets"}).status_code == 403
        self.login("appraiser")
        response = self.client.post(url, {"verdict": "meets"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert ItemResult.objects.filter(inspection=inspection, item=item).exists()


class VisitPageTests(BaseTestCase):
    def setUp(self):
        self.inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.VISITING
        )
        self.member = self.inspection.team.first().user.username
        self.item = visits.visit_items(self.inspection)[0]
        self.url = reverse("inspections:item_result", args=[self.inspection.pk, self.item.pk])

    def test_the_team_table_names_each_members_sections_by_topic(self):
        self.login(self.member)
        page = self.client.get(self.inspection.get_absolute_url()).content.decode()
        member = self.inspection.team.first()
        assert member.sections
        cell = page.split('data-testid="member-sections"', 1)[1].split(">", 1)[1]
        cell = cell.split("</td>", 1)[0]
        topic = str(translation.gettext(TOPIC_SHORT[Topic(self.item.checklist.topic)]))
        assert f'<span class="text-nowrap">{topic}: ' in cell

    def test_a_verdict_saves_in_place_and_a_stale_one_is_refused_with_theirs_shown(self):
        self.login(self.member)
        response = self.client.post(
            self.url, {"verdict": "partly", "note": "Thiếu ảnh"}, headers={"HX-Request": "true"}
        )
        body = response.content.decode()
        assert response.status_code == 200 and f'id="item-{self.item.pk}"' in body
        # The page's count of marked items comes with it (it moved only on a reload).
        total = len(visits.visit_items(self.inspection))
        progress = body.split('<p id="checklist-progress"', 1)[1].split("</p>", 1)[0]
        assert 'hx-swap-oob="true"' in progress and f"Đã đánh giá 1/{total} nội dung" in progress, (
            progress
        )
        result = ItemResult.objects.get(inspection=self.inspection, item=self.item)
        stale = result.updated_at.isoformat()
        visits.item_result_save(
            actor=None,
            inspection=self.inspection,
            item=self.item,
            verdict="meets",
            version=stale,
        )
        response = self.client.post(
            self.url,
            {"verdict": "not_met", "note": "Không có", "version": stale},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 409
        assert "Không có" in response.content.decode(), "my note stays in the form"
        assert ItemResult.objects.get(pk=result.pk).verdict == "meets"

    def test_a_figure_from_the_data_says_what_it_counts(self):
        # A walk: a card showed "từ hệ thống 0/1 (0%)" and nothing said what was counted.
        ChecklistItem.objects.filter(pk=self.item.pk).update(data_source="directives_on_time")
        self.login(self.member)
        page = self.client.get(
            reverse("inspections:checklist_visit", args=[self.inspection.pk])
        ).content.decode()
        card = page.split(f'data-testid="data-{self.item.code}"', 1)[1].split("</div>", 1)[0]
        assert "Ý kiến chỉ đạo hoàn thành đúng hạn (trên số ý kiến chỉ đạo đến hạn):" in card, card

    def test_a_missing_note_is_refused_in_place(self):
        self.login(self.member)
        response = self.client.post(
            self.url, {"verdict": "not_met"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400
        assert not ItemResult.objects.filter(inspection=self.inspection).exists()

    def test_suggestions_appear_as_the_inspector_types(self):
        findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        self.login(self.member)
        response = self.client.get(
            reverse("inspections:finding_suggest", args=[self.inspection.pk]),
            {"text": "kinh phi han hep nen ISO cham"},
        )
        assert "Kinh phí còn hạn hẹp" in response.content.decode()

    def test_a_finding_form_with_a_new_root_cause(self):
        self.login(self.member)
        response = self.client.post(
            reverse("inspections:finding_create", args=[self.inspection.pk]),
            {
                "kind": "shortcoming",
                "area": "iso|2. Duy trì và cải tiến",
                "text": "Chưa đánh giá nội bộ",
                "severity": "moderate",
                "new_root_cause": "Thiếu cán bộ chuyên trách",
            },
        )
        assert response.status_code == 302
        finding = Finding.objects.get()
        assert finding.area == "2. Duy trì và cải tiến"
        assert [cause.title for cause in finding.root_causes.all()] == ["Thiếu cán bộ chuyên trách"]
        response = self.client.post(
            reverse("inspections:finding_create", args=[self.inspection.pk]),
            {"kind": "shortcoming", "area": "", "text": "Không khu vực", "severity": "minor"},
            follow=True,
        )
        assert Finding.objects.count() == 1
        # A finding is a paragraph or two: 400,000 characters were stored, and the visit's
        # page weighed 1.8 MB (a walk). Refused, saying the limit, kept as typed.
        response = self.client.post(
            reverse("inspections:finding_create", args=[self.inspection.pk]),
            {
                "kind": "shortcoming",
                "area": "iso|2. Duy trì và cải tiến",
                "text": "x" * 5001,
                "severity": "minor",
            },
            follow=True,
        )
        assert Finding.objects.count() == 1
        assert "tối đa 5000 kí tự" in response.content.decode()


class ChecklistImportViewTests(BaseTestCase):
    def test_a_bad_file_says_where_and_imports_nothing(self):
        self.login("home_affairs")
        data = b"section_code,section,code,item\n1,A,1.1,\n"
        response = self.client.post(
            reverse("inspections:checklist_import"),
            {"topic": "iso", "name": "ISO", "file": SimpleUploadedFile("x.csv", data)},
            follow=True,
        )
        body = response.content.decode()
        assert "2" in body and "item" in body
        assert not Checklist.objects.exists()

    def test_a_good_file_opens_the_checklist(self):
        self.login("home_affairs")
        data = "section_code,section,code,item\n1,A,1.1,Chính sách\n".encode()
        response = self.client.post(
            reverse("inspections:checklist_import"),
            {"topic": "iso", "name": "ISO", "file": SimpleUploadedFile("x.csv", data)},
        )
        checklist = Checklist.objects.get()
        assert response.status_code == 302 and response["Location"] == checklist.get_absolute_url()


class ItemPhotoAndPanelTests(BaseTestCase):
    def test_a_photo_of_one_item_shows_on_its_card(self):
        from cchc.inspections.tests.factories import png

        inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.VISITING
        )
        item = visits.visit_items(inspection)[1]
        self.login(inspection.team.first().user.username)
        response = self.client.post(
            reverse("inspections:photo_add", args=[inspection.pk]),
            {"item": item.pk, "photo-file": png("niem-yet.png"), "photo-caption": "Bảng niêm yết"},
        )
        assert response["Location"].endswith(f"/checklist/#item-{item.pk}")
        photo = inspection.files.get()
        assert photo.item_id == item.pk and photo.caption == "Bảng niêm yết"
        page = self.client.get(reverse("inspections:checklist_visit", args=[inspection.pk]))
        assert reverse("inspections:file_download", args=[photo.pk]) in page.content.decode()

    def test_the_home_panel_lists_visits_to_make_before_those_concluded(self):
        # Found walking the demo: six visits concluded last month filled the panel and hid
        # today's visit and an overdue one.
        concluded = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        overdue = Inspection.objects.create(
            plan=concluded.plan,
            org_unit=self.cast.ward_b,
            visit_date=concluded.visit_date + datetime.timedelta(days=1),
            topics=["iso"],
        )
        with time_machine.travel(overdue.visit_date + datetime.timedelta(days=3), tick=False):
            [panel] = [p for p in inspection_panels(self.home_affairs) if p.key == "inspections"]
        assert [item.url for item in panel.items] == [
            overdue.get_absolute_url(),
            concluded.get_absolute_url(),
        ]
        assert panel.items[0].note.endswith("· quá hạn")
        assert "quá hạn" not in panel.items[1].note

    def test_who_cannot_take_the_next_step_is_told_whom_the_visit_waits_for(self):
        """The team's head saw no next step and no word on a visit not yet prepared (found by
        a new-user walk)."""
        inspection = approved_inspection(self.cast)
        member = inspection.team.first().user.username
        self.login(member)
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        assert 'data-testid="advance"' not in page
        assert "Đang chờ Phòng Nội vụ ban hành quyết định thành lập Đoàn" in page
        self.login("home_affairs")
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        assert 'data-testid="waiting-for"' not in page
        inspection = to_status(self.cast, inspection, "preparing")
        self.login("ward_officer")
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        assert "Đang chờ Đoàn kiểm tra chuyển cuộc kiểm tra sang “Đang kiểm tra”" in page

    def test_the_coordinator_follows_open_remediation_reported_then_overdue_first(self):
        """screens.md: "open remediation, overdue first". The coordinator had no list of it;
        the year's report folded the overdue into "in progress" (found by a new-user walk)."""
        from cchc.inspections.models import RemediationAction
        from cchc.inspections.services import findings
        from cchc.inspections.tests.factories import conclude_ready

        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        first = conclude_ready(self.cast, inspection)  # due in 30 days
        today = timezone.localdate()
        findings.action_create(
            actor=self.cast.inspector,
            recommendation=first.recommendation,
            text="Niêm yết lại thủ tục",
            deadline=today + datetime.timedelta(days=10),
        )
        done = findings.action_create(
            actor=self.cast.inspector,
            recommendation=first.recommendation,
            text="Bố trí máy scan",
            deadline=today + datetime.timedelta(days=20),
        )
        to_status(self.cast, inspection, "concluded")
        findings.progress_report(
            actor=self.ward_officer,
            action=RemediationAction.objects.get(pk=done.pk),
            text="Đã mua máy scan",
            uploads=[],
            is_done=True,
        )
        with time_machine.travel(today + datetime.timedelta(days=15), tick=False):
            [panel] = [
                p for p in inspection_panels(self.home_affairs) if p.key == "remediation_follow"
            ]
            assert (
                panel.items[0].text
                == "3 việc chưa xong, 1 việc quá hạn, 1 việc đơn vị báo đã xong chờ xác nhận"
            )
            assert [item.text for item in panel.items[1:]] == [
                "Bố trí máy scan",  # reported done: waits for the coordinator
                "Niêm yết lại thủ tục",  # overdue
                first.text,
            ]
            assert panel.items[2].note.endswith("· quá hạn")
            self.login("home_affairs")
            # On the coordinator's home page (a provider's panel shows only under its role's
            # declared key).
            home = self.client.get(reverse("core:home")).content.decode()
            assert "3 việc chưa xong, 1 việc quá hạn" in home, home
            page = self.client.get(reverse("inspections:inspection_list")).content.decode()
            section = page.split('data-testid="open-remediation"', 1)[1].split("</section>")[0]
            assert section.index("Bố trí máy scan") < section.index("Niêm yết lại thủ tục")
            assert section.index("Niêm yết lại thủ tục") < section.index(first.text)
        # Nor does a ward's people (they report, they do not follow).
        assert not [
            p for p in inspection_panels(self.ward_officer) if p.key == "remediation_follow"
        ]
        # The team follows its visits' actions too (it verifies them): an inspector heading
        # several visits had to open each (a walk). Someone on no team of them has none.
        member = inspection.team.first().user
        self.client.force_login(member)
        page = self.client.get(reverse("inspections:inspection_list")).content.decode()
        section = page.split('data-testid="open-remediation"', 1)[1].split("</section>")[0]
        assert "Bố trí máy scan" in section
        others = [
            user
            for user in (self.inspector, self.appraiser)
            if not inspection.team.filter(user=user).exists()
        ]
        assert others
        for user in others:
            self.client.force_login(user)
            page = self.client.get(reverse("inspections:inspection_list")).content.decode()
            assert 'data-testid="open-remediation"' not in page

    def test_the_home_page_lists_visits_and_the_units_remediation(self):
        inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        self.login("ward_officer")
        body = self.client.get(reverse("core:home")).content.decode()
        assert "Tổ chức đánh giá nội bộ" in body  # the action to report
        assert inspection.get_absolute_url() in body
        self.login("outsider")
        assert (
            "Tổ chức đánh giá nội bộ" not in self.client.get(reverse("core:home")).content.decode()
        )
