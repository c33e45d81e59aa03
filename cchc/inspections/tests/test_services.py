import datetime
import io

import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cchc.accounts.services import membership_add
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.exceptions import ConflictError
from cchc.core.imports import ImportFailed
from cchc.core.models import AuditEvent
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.frameworks.tests.factories import make_framework
from cchc.inspections.models import (
    Checklist,
    ChecklistItem,
    DocumentRequest,
    Finding,
    Inspection,
    InspectionFile,
    InspectionPlan,
    InspectionRequest,
    ItemResult,
    RemediationAction,
    RootCause,
    TeamMember,
)
from cchc.inspections.selectors import finding_suggestions, root_cause_ranking
from cchc.inspections.services import checklists, findings, planning, visits
from cchc.inspections.tests.factories import (
    approved_inspection,
    conclude_ready,
    import_checklists,
    pdf,
    png,
    team_ready,
    to_status,
    year_window,
)
from cchc.notifications.models import Notification
from cchc.orgunits.services import org_unit_create

CSV_HEADER = "section_code,section,code,item,documents\n"


class ChecklistImportTests(BaseTestCase):
    def test_a_good_file_becomes_the_new_version_and_retires_the_previous(self):
        data = (
            CSV_HEADER + "1,Công khai,1.1,Niêm yết TTHC,Ảnh chụp\n1,Công khai,1.2,Địa chỉ,\n"
        ).encode()
        first = checklists.checklist_import(
            actor=None, issuer=self.cast.city, topic="tthc", name="A", data=data, file_name="a.csv"
        )
        second = checklists.checklist_import(
            actor=None, issuer=self.cast.city, topic="tthc", name="B", data=data, file_name="b.csv"
        )
        first.refresh_from_db()
        assert (first.version, second.version) == (1, 2)
        assert not first.is_active and second.is_active
        assert list(second.items.values_list("code", "evidence_needed")) == [
            ("1.1", "Ảnh chụp"),
            ("1.2", ""),
        ]

    def test_a_new_version_is_for_the_visits_after_not_those_under_way(self):
        # A walk: a two-item version imported for the one-stop shop rewrote every visit past
        # and under way: "49/42 marked", its verdicts gone, the notice's section emptied.
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        before = visits.visit_items(inspection)
        item = next(i for i in before if i.checklist.topic == "tthc")
        visits.item_result_save(
            actor=self.appraiser, inspection=inspection, item=item, verdict="meets"
        )
        data = (CSV_HEADER + "1,Công khai,1.1,Niêm yết TTHC,\n1,Công khai,1.2,Địa chỉ,\n").encode()
        new = checklists.checklist_import(
            actor=None,
            issuer=self.cast.city,
            topic="tthc",
            name="Mới",
            data=data,
            file_name="m.csv",
        )
        inspection.refresh_from_db()
        assert visits.visit_items(inspection) == before
        assert new.pk not in {c.pk for c in visits.visit_checklists(inspection)}
        # Still recorded on the version it uses; none on the new one.
        visits.item_result_save(
            actor=self.appraiser,
            inspection=inspection,
            item=item,
            verdict="partly",
            note="x",
            version=inspection.results.get(item=item).updated_at.isoformat(),
        )
        with self.assertRaises(ValidationError):
            visits.item_result_save(
                actor=self.appraiser,
                inspection=inspection,
                item=new.items.first(),
                verdict="meets",
            )
        # A visit not yet prepared takes the version in use when its preparation opens.
        later = Inspection.objects.create(
            plan=inspection.plan,
            org_unit=self.cast.ward_b,
            visit_date=inspection.visit_date,
            topics=["tthc"],
        )
        assert [c.pk for c in visits.visit_checklists(later)] == [new.pk]

    def test_a_bad_file_writes_nothing_and_names_each_row_and_column(self):
        data = (
            CSV_HEADER + "1,Công khai,1.1,Niêm yết,\n1,Khác,1.1,,\n2,Giải quyết,2.1,Tỷ lệ,\n"
        ).encode()
        with self.assertRaises(ImportFailed) as failure:
            checklists.checklist_import(
                actor=None,
                issuer=self.cast.city,
                topic="iso",
                name="X",
                data=data,
                file_name="x.csv",
            )
        texts = [str(error) for error in failure.exception.errors]
        assert any("3" in text and "item" in text for text in texts), texts
        assert any("1.1" in text and "code" in text for text in texts), texts
        assert any("section" in text for text in texts), texts
        assert not Checklist.objects.exists() and not ChecklistItem.objects.exists()

    def test_missing_columns_and_wrong_files_are_refused(self):
        with self.assertRaises(ImportFailed) as failure:
            checklists.read_checklist_file(data=b"code,item\n1,x\n", file_name="x.csv")
        assert "section_code" in str(failure.exception.errors[0])
        with self.assertRaises(ImportFailed):
            checklists.read_checklist_file(data=b"%PDF-1.4", file_name="x.pdf")

    def test_xlsx_with_vietnamese_headers_and_export_round_trip(self):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["Mã mục", "Mục", "Mã", "Nội dung kiểm tra", "Tài liệu chuẩn bị"])
        sheet.append(["1", "Văn bản", "1.1", "Chính sách chất lượng", "Quyết định"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        checklist = checklists.checklist_import(
            actor=None,
            issuer=self.cast.city,
            topic="iso",
            name="ISO",
            data=buffer.getvalue(),
            file_name="iso.xlsx",
        )
        exported = checklists.checklist_export_csv(checklist).encode()
        rows = checklists.read_checklist_file(data=exported, file_name="again.csv")
        assert [(row.code, row.text, row.evidence_needed) for row in rows] == [
            ("1.1", "Chính sách chất lượng", "Quyết định")
        ]

    def test_an_unknown_column_is_ignored_and_reported(self):
        data = "Mã mục,Mục,Mã,Nội dung kiểm tra,Ghi chú\n1,Công khai,1.1,Niêm yết,xem lại\n"
        ignored: list[str] = []
        checklist = checklists.checklist_import(
            actor=None,
            issuer=self.cast.city,
            topic="tthc",
            name="A",
            data=data.encode(),
            file_name="a.csv",
            ignored=ignored,
        )
        assert ignored == ["Ghi chú"]
        assert list(checklist.items.values_list("code", "evidence_needed")) == [("1.1", "")]

    def test_a_header_naming_no_column_is_refused_with_its_headers(self):
        with self.assertRaises(ImportFailed) as failure:
            checklists.read_checklist_file(data=b"STT,Noi dung\n1,x\n", file_name="x.csv")
        message = str(failure.exception.errors[0])
        assert "“Mã mục” (section_code)" in message and "“STT”" in message, message

    def test_errors_name_the_column_as_the_file_writes_it(self):
        data = "Mã mục,Mục,Mã,Nội dung kiểm tra\n1,Công khai,1.1,\n".encode()
        with self.assertRaises(ImportFailed) as failure:
            checklists.read_checklist_file(data=data, file_name="x.csv")
        assert [error.column for error in failure.exception.errors] == ["Nội dung kiểm tra"]

    def test_the_reform_checklist_is_the_frameworks_criteria(self):
        framework = make_framework(self.cast.city, publish=True)
        checklist = checklists.checklist_from_framework(
            actor=None, issuer=self.cast.city, framework=framework
        )
        items = list(checklist.items.select_related("criterion"))
        assert items and all(item.criterion_id for item in items)
        assert all(not item.criterion.children.exists() for item in items)
        assert {item.section_code for item in items} <= set(
            framework.criteria.filter(parent__isnull=True).values_list("code", flat=True)
        )

    def test_the_shipped_checklists_import(self):
        import_checklists(self.cast)
        assert Checklist.objects.filter(issuer=self.cast.city).count() == 2
        assert ChecklistItem.objects.filter(checklist__topic="tthc").count() == 9


class PlanningTests(BaseTestCase):
    def setUp(self):
        team_ready(self.cast)
        self.year = timezone.localdate().year
        self.plan = planning.plan_get_or_create(
            actor=None, organiser=self.cast.city, year=self.year
        )
        self.start, self.end = year_window(self.year)

    def file(self, unit, topic, start=None, end=None):
        return planning.request_file(
            actor=self.appraiser,
            plan=self.plan,
            org_unit=unit,
            topic=topic,
            agency=self.cast.agency,
            window_start=start or self.start,
            window_end=end or self.end,
        )

    def test_bad_requests_are_refused_in_vietnamese_and_nothing_is_saved(self):
        cases = [
            (
                {"start": datetime.date(self.year, 5, 10), "end": datetime.date(self.year, 5, 1)},
                "Khoảng thời gian kết thúc trước khi bắt đầu",
            ),
            (
                {
                    "start": datetime.date(self.year - 1, 12, 1),
                    "end": datetime.date(self.year, 1, 9),
                },
                str(self.year),
            ),
        ]
        for dates, message in cases:
            with self.assertRaises(ValidationError) as refused:
                self.file(self.cast.ward_a, "tthc", **dates)
            assert message in " ".join(refused.exception.messages), refused.exception.messages
        with self.assertRaises(ValidationError):
            planning.request_file(
                actor=None,
                plan=self.plan,
                org_unit=self.cast.ward_a,
                topic="iso",
                agency=self.cast.ward_b,
                window_start=self.start,
                window_end=self.end,
            )
        with self.assertRaises(ValidationError):
            self.file(self.cast.city, "iso")
        self.file(self.cast.ward_a, "iso")
        with self.assertRaises(ValidationError):
            self.file(self.cast.ward_a, "iso")
        assert InspectionRequest.objects.count() == 1

    def test_requests_for_a_unit_become_one_visit_with_the_saving_shown(self):
        for topic in ("tthc", "iso", "directives"):
            self.file(self.cast.ward_a, topic)
        self.file(self.cast.ward_b, "iso")
        result = planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        self.plan.refresh_from_db()
        assert self.plan.summary == {
            "requests": 4,
            "visits": 2,
            "units_consolidated": 1,
            "visits_saved": 2,
            "conflicts": 0,
        }
        assert result.visit_count == 2
        visit = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_a)
        assert sorted(visit.topics) == ["directives", "iso", "tthc"]
        assert visit.requests.count() == 3
        assert visit.team.count() >= 1
        assert all(member.agency_id == self.cast.agency.pk for member in visit.team.all())
        # Proposing again replaces, never duplicates.
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        assert Inspection.objects.filter(plan=self.plan).count() == 2

    def test_visits_are_not_planned_on_days_that_have_passed(self):
        self.file(self.cast.ward_a, "tthc")
        self.file(self.cast.ward_b, "tthc", self.start, datetime.date(self.year, 2, 1))
        with time_machine.travel(datetime.datetime(self.year, 6, 10, 9, tzinfo=datetime.UTC)):
            planning.plan_propose(actor=self.home_affairs, plan=self.plan)
        visit_a = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_a)
        visit_b = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_b)
        assert visit_a.visit_date > datetime.date(self.year, 6, 10) and not visit_a.conflicts
        # A window wholly past: the first day still possible, with the conflict shown.
        assert visit_b.visit_date > datetime.date(self.year, 6, 10)
        assert visit_b.conflicts[0]["kind"] == "outside_window"

    def test_the_decision_is_dated_before_the_visit(self):
        self.file(
            self.cast.ward_a, "tthc", datetime.date(self.year, 3, 2), datetime.date(self.year, 3, 2)
        )
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        visit = Inspection.objects.get(plan=self.plan)
        # Found walking the demo: a decision was recorded for a visit of a plan still a draft,
        # while the page's next step said to approve the plan first.
        with self.assertRaises(ValidationError) as refused:
            visits.decision_record(
                actor=None,
                inspection=visit,
                number="1/QĐ",
                date=datetime.date(self.year, 3, 1),
                signer="Chủ tịch",
            )
        assert "phê duyệt kế hoạch" in refused.exception.messages[0]
        InspectionPlan.objects.filter(pk=self.plan.pk).update(status=InspectionPlan.Status.APPROVED)
        visit = Inspection.objects.select_related("plan").get(pk=visit.pk)
        with self.assertRaises(ValidationError) as refused:
            visits.decision_record(
                actor=None,
                inspection=visit,
                number="1/QĐ",
                date=datetime.date(self.year, 3, 3),
                signer="Chủ tịch",
            )
        assert "decision_date" in refused.exception.message_dict

    def test_a_member_never_inspects_the_unit_where_they_work(self):
        membership_add(
            actor=None, user=self.inspector, role=Role.UNIT_OFFICER, org_unit=self.cast.ward_a
        )
        self.file(self.cast.ward_a, "tthc")
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        visit = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_a)
        assert self.inspector.pk not in set(visit.team.values_list("user_id", flat=True))
        with self.assertRaises(ValidationError) as refused:
            planning.team_member_add(
                actor=self.home_affairs, inspection=visit, user=self.inspector, topics=["tthc"]
            )
        assert "Phường Trần Phú" in refused.exception.messages[0]

    def test_team_refusals_outside_agency_and_double_booking(self):
        self.file(
            self.cast.ward_a, "tthc", datetime.date(self.year, 3, 2), datetime.date(self.year, 3, 2)
        )
        self.file(
            self.cast.ward_b, "tthc", datetime.date(self.year, 3, 3), datetime.date(self.year, 3, 3)
        )
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        visit_a = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_a)
        with self.assertRaises(ValidationError) as refused:
            planning.team_member_add(
                actor=self.home_affairs, inspection=visit_a, user=self.leader, topics=["tthc"]
            )
        assert "không phải" in refused.exception.messages[0]
        visit_b = Inspection.objects.get(plan=self.plan, org_unit=self.cast.ward_b)
        booked = visit_b.team.first()
        if not visit_a.team.filter(user_id=booked.user_id).exists():
            planning.team_member_add(
                actor=self.home_affairs, inspection=visit_a, user=booked.user, topics=["tthc"]
            )
        # Moving ward B onto ward A's day would book its member twice on one day.
        with self.assertRaises(ValidationError) as refused:
            planning.visit_reschedule(
                actor=self.home_affairs, inspection=visit_b, visit_date=visit_a.visit_date
            )
        assert "đã có" in refused.exception.messages[0]
        visit_b.refresh_from_db()
        assert visit_b.visit_date == datetime.date(self.year, 3, 3)

    def test_a_visit_moved_outside_a_window_shows_the_conflict(self):
        self.file(
            self.cast.ward_a, "tthc", datetime.date(self.year, 3, 2), datetime.date(self.year, 3, 6)
        )
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        visit = Inspection.objects.get(plan=self.plan)
        planning.visit_reschedule(
            actor=self.home_affairs, inspection=visit, visit_date=datetime.date(self.year, 4, 1)
        )
        visit.refresh_from_db()
        assert visit.conflicts[0]["kind"] == "outside_window"

    def test_approval_needs_every_request_planned_and_notifies_units_and_teams(self):
        with self.assertRaises(ValidationError):
            planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        self.file(self.cast.ward_a, "tthc")
        with self.assertRaises(ValidationError) as refused:
            planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        assert "1" in refused.exception.messages[0]
        planning.plan_propose(actor=self.home_affairs, plan=self.plan, earliest=self.start)
        planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        self.plan.refresh_from_db()
        assert self.plan.status == InspectionPlan.Status.APPROVED
        notified = set(
            Notification.objects.filter(kind="inspection_planned").values_list(
                "user__username", flat=True
            )
        )
        assert {"ward_officer", "ward_chair"} <= notified
        assert "outsider" not in notified
        with self.assertRaises(ValidationError):
            self.file(self.cast.ward_b, "iso")


class VisitTests(BaseTestCase):
    def setUp(self):
        self.inspection = approved_inspection(self.cast)

    def test_preparing_needs_the_decision_and_a_head(self):
        refusal = visits.transition_refusal(self.inspection, Inspection.Status.PREPARING)
        assert refusal and "Quyết định" in refusal
        with self.assertRaises(ValidationError):
            visits.decision_record(
                actor=None,
                inspection=self.inspection,
                number="1/QĐ",
                date=timezone.localdate() + datetime.timedelta(days=1),
                signer="X",
            )
        inspection = to_status(self.cast, self.inspection, Inspection.Status.PREPARING)
        assert inspection.status == Inspection.Status.PREPARING
        member = inspection.team.get()
        assert member.sections, "sections are assigned to the members covering the topics"

    def test_documents_are_asked_and_answered_with_files_or_self_assessment_evidence(self):
        inspection = to_status(self.cast, self.inspection, Inspection.Status.PREPARING)
        asked = visits.documents_request(actor=self.appraiser, inspection=inspection)
        assert asked == DocumentRequest.objects.filter(inspection=inspection).count() > 5
        assert visits.documents_request(actor=self.appraiser, inspection=inspection) == 0
        # The page says so: "0 documents were asked" read as a success (a walk).
        self.client.force_login(self.appraiser)
        page = self.client.post(
            reverse("inspections:documents_request", args=[inspection.pk]), follow=True
        ).content.decode()
        assert "không có đề nghị mới" in page and "Đã đề nghị đơn vị chuẩn bị 0" not in page
        assert Notification.objects.filter(
            kind="documents_requested", user=self.ward_officer
        ).exists()
        document = inspection.document_requests.first()
        visits.document_answer(actor=self.ward_officer, request=document, upload=pdf())
        assert document.files.count() == 1 and document.answered_at
        round_ = make_round(self.cast)
        from cchc.assessments.services import evidence_cite
        from cchc.frameworks.models import Criterion

        other = assessment_of(round_, self.cast.ward_b)
        criterion = Criterion.objects.get(framework=round_.framework, code="1.1")
        foreign = evidence_cite(
            actor=None,
            assessment=other,
            criterion=criterion,
            title="KH",
            document_number="1/KH",
            document_date=datetime.date(2026, 1, 5),
        )
        with self.assertRaises(ValidationError):
            visits.document_answer(actor=self.ward_officer, request=document, evidence=foreign)
        own = evidence_cite(
            actor=None,
            assessment=assessment_of(round_, self.cast.ward_a),
            criterion=criterion,
            title="KH",
            document_number="2/KH",
            document_date=datetime.date(2026, 1, 5),
        )
        visits.document_answer(actor=self.ward_officer, request=document, evidence=own)
        assert list(document.evidence.all()) == [own]
        fake = SimpleUploadedFile("ke-hoach.pdf", b"MZ\x90\x00 not a pdf")
        with self.assertRaises(ValidationError):
            visits.document_answer(actor=self.ward_officer, request=document, upload=fake)
        assert InspectionFile.objects.count() == 1

    def test_results_need_a_note_when_not_met_and_refuse_stale_edits(self):
        inspection = to_status(self.cast, self.inspection, Inspection.Status.VISITING)
        item = visits.visit_items(inspection)[0]
        with self.assertRaises(ValidationError):
            visits.item_result_save(
                actor=self.appraiser, inspection=inspection, item=item, verdict="not_met"
            )
        result = visits.item_result_save(
            actor=self.appraiser, inspection=inspection, item=item, verdict="partly", note="Thiếu"
        )
        stale = result.updated_at.isoformat()
        with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
            visits.item_result_save(
                actor=self.inspector,
                inspection=inspection,
                item=item,
                verdict="meets",
                version=stale,
            )
        with self.assertRaises(ConflictError):
            visits.item_result_save(
                actor=self.appraiser,
                inspection=inspection,
                item=item,
                verdict="not_met",
                note="x",
                version=stale,
            )
        assert ItemResult.objects.get(inspection=inspection, item=item).verdict == "meets"
        # Two members open a card with no verdict yet (version ""): the second's save finds
        # the first's and is refused; it replaced the verdict and its note unseen (a walk).
        fresh = visits.visit_items(inspection)[1]
        visits.item_result_save(
            actor=self.appraiser,
            inspection=inspection,
            item=fresh,
            verdict="not_met",
            note="Không niêm yết TTHC",
            version="",
        )
        with self.assertRaises(ConflictError) as conflict:
            visits.item_result_save(
                actor=self.inspector, inspection=inspection, item=fresh, verdict="meets", version=""
            )
        assert conflict.exception.current.note == "Không niêm yết TTHC"
        kept = ItemResult.objects.get(inspection=inspection, item=fresh)
        assert (kept.verdict, kept.note) == ("not_met", "Không niêm yết TTHC")
        other = ChecklistItem.objects.exclude(checklist__topic__in=inspection.topics).first()
        if other is not None:
            with self.assertRaises(ValidationError):
                visits.item_result_save(
                    actor=self.appraiser, inspection=inspection, item=other, verdict="meets"
                )

    def test_photos_must_be_images(self):
        inspection = to_status(self.cast, self.inspection, Inspection.Status.VISITING)
        visits.photo_add(actor=self.appraiser, inspection=inspection, upload=png(), caption="Đoàn")
        with self.assertRaises(ValidationError):
            visits.photo_add(actor=self.appraiser, inspection=inspection, upload=pdf())
        assert inspection.files.filter(purpose="photo").count() == 1

    def test_concluding_needs_every_item_marked_and_recommendations_with_actions(self):
        inspection = to_status(self.cast, self.inspection, Inspection.Status.VISITING)
        refusal = visits.transition_refusal(inspection, Inspection.Status.CONCLUDED)
        assert refusal and "chưa" in refusal
        for item in visits.visit_items(inspection):
            visits.item_result_save(
                actor=self.appraiser, inspection=inspection, item=item, verdict="meets"
            )
        findings.finding_create(
            actor=self.appraiser,
            inspection=inspection,
            kind="shortcoming",
            topic="tthc",
            area="Giải quyết hồ sơ",
            text="Còn hồ sơ quá hạn",
            severity="minor",
        )
        refusal = visits.transition_refusal(inspection, Inspection.Status.CONCLUDED)
        assert refusal and "kiến nghị" in refusal
        # A recommendation without an action is named, cut at a word (it was cut mid-phrase:
        # "… năm 2027 với ít nhất ba ").
        findings.recommendation_create(
            actor=self.appraiser,
            inspection=inspection,
            text="Ban hành kế hoạch tuyên truyền cải cách hành chính năm 2027 với ít nhất ba "
            "hình thức tuyên truyền phù hợp với người dân địa phương",
            findings=list(inspection.findings.all()),
            root_causes=[],
        )
        refusal = visits.transition_refusal(inspection, Inspection.Status.CONCLUDED)
        assert refusal and "cải cách hành chính năm 2027…”" in refusal, refusal
        inspection.recommendations.all().delete()
        inspection = to_status(self.cast, inspection, Inspection.Status.CONCLUDED)
        assert inspection.status == Inspection.Status.CONCLUDED
        assert Notification.objects.filter(
            kind="inspection_concluded", user=self.ward_chair
        ).exists()


class FindingTests(BaseTestCase):
    def setUp(self):
        self.inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.VISITING
        )

    def test_a_finding_needs_an_area_text_and_severity_and_a_covered_topic(self):
        base = {
            "actor": self.appraiser,
            "inspection": self.inspection,
            "kind": "shortcoming",
            "topic": "iso",
            "area": "Duy trì",
            "text": "Chậm",
            "severity": "minor",
        }
        for change, field in [
            ({"area": " "}, "area"),
            ({"text": ""}, "text"),
            ({"severity": ""}, "severity"),
            ({"topic": "directives"}, "topic"),
        ]:
            with self.assertRaises(ValidationError) as refused:
                findings.finding_create(**{**base, **change})
            assert field in refused.exception.message_dict
        assert not Finding.objects.exists()

    def test_a_strength_has_no_root_cause(self):
        # A walk: a strength given a root cause was counted a shortcoming on the root causes'
        # page ("Hạn chế 5" where the report said 4).
        cause = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        strength = {
            "actor": self.appraiser,
            "inspection": self.inspection,
            "kind": "strength",
            "topic": "iso",
            "area": "Duy trì",
            "text": "Tốt",
        }
        for given in ({"root_causes": [cause]}, {"new_root_cause": "Nguyên nhân cho ưu điểm"}):
            with self.assertRaises(ValidationError) as refused:
                findings.finding_create(**strength, **given)
            assert "root_causes" in refused.exception.message_dict
        assert not Finding.objects.exists()
        assert not RootCause.objects.exclude(pk=cause.pk).exists()
        finding = findings.finding_create(**strength)
        with self.assertRaises(ValidationError):
            findings.finding_link_root_cause(
                actor=self.appraiser, finding=finding, root_cause=cause
            )
        # Unlinking a cause never linked says so, and writes nothing (it said "unlinked").
        from cchc.core.models import AuditEvent

        audited = AuditEvent.objects.count()
        with self.assertRaises(ValidationError):
            findings.finding_link_root_cause(
                actor=self.appraiser, finding=finding, root_cause=cause, linked=False
            )
        assert AuditEvent.objects.count() == audited
        # One linked before the rule (a past record) is not counted as a shortcoming either.
        finding.root_causes.add(cause)
        assert root_cause_ranking(user=self.home_affairs) == []

    def test_root_causes_are_one_record_typed_with_or_without_accents(self):
        first = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        again = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="kinh phi con han hep"
        )
        assert first.pk == again.pk and RootCause.objects.count() == 1

    def test_suggestions_find_causes_and_similar_shortcomings_elsewhere(self):
        cause = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Lãnh đạo chưa quan tâm đúng mức"
        )
        causes, similar = finding_suggestions(
            inspection=self.inspection, text="do kinh phi han hep nen chi ho tro con it"
        )
        assert causes[0][0] == cause
        assert similar == []
        # A shortcoming of another unit is suggested as similar.
        team_ready(self.cast)
        other_plan = self.inspection.plan
        other = Inspection.objects.create(
            plan=other_plan,
            org_unit=self.cast.ward_b,
            visit_date=self.inspection.visit_date,
            topics=["iso"],
            status=Inspection.Status.VISITING,
        )
        findings.finding_create(
            actor=None,
            inspection=other,
            kind="shortcoming",
            topic="iso",
            area="Duy trì",
            text="Do kinh phí còn khó khăn nên chi hỗ trợ cho cán bộ còn ít",
            severity="minor",
            root_causes=[cause],
        )
        _causes, similar = finding_suggestions(
            inspection=self.inspection, text="kinh phi kho khan, chi ho tro can bo it"
        )
        assert similar and similar[0][0].inspection == other
        ranking = root_cause_ranking(user=self.home_affairs)
        assert ranking[0]["cause"] == cause and ranking[0]["units"] == 1

    def test_a_shortcoming_on_the_same_root_cause_at_the_next_visit_is_a_repeat(self):
        cause = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Kinh phí còn hạn hẹp"
        )
        earlier = findings.finding_create(
            actor=None,
            inspection=self.inspection,
            kind="shortcoming",
            topic="iso",
            area="Duy trì",
            text="ISO chậm",
            severity="minor",
            root_causes=[cause],
        )
        assert earlier.repeat_of is None
        next_year = approved_inspection(self.cast, year=self.inspection.plan.year + 1)
        next_year = to_status(self.cast, next_year, Inspection.Status.VISITING)
        later = findings.finding_create(
            actor=None,
            inspection=next_year,
            kind="shortcoming",
            topic="tthc",
            area="Giải quyết hồ sơ",
            text="Chi hỗ trợ thấp",
            severity="minor",
        )
        assert later.repeat_of is None
        findings.finding_link_root_cause(actor=None, finding=later, root_cause=cause)
        later.refresh_from_db()
        assert later.repeat_of == earlier
        findings.finding_link_root_cause(actor=None, finding=later, root_cause=cause, linked=False)
        later.refresh_from_db()
        assert later.repeat_of is None

    def test_recommendations_address_something_and_actions_have_future_deadlines(self):
        with self.assertRaises(ValidationError):
            findings.recommendation_create(
                actor=None,
                inspection=self.inspection,
                text="Làm tốt hơn",
                findings=[],
                root_causes=[],
            )
        cause = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Thiếu cán bộ"
        )
        recommendation = findings.recommendation_create(
            actor=None,
            inspection=self.inspection,
            text="Bố trí cán bộ",
            findings=[],
            root_causes=[cause],
        )
        with self.assertRaises(ValidationError) as refused:
            findings.action_create(
                actor=None,
                recommendation=recommendation,
                text="Tuyển",
                deadline=timezone.localdate() - datetime.timedelta(days=1),
            )
        assert "deadline" in refused.exception.message_dict
        with self.assertRaises(ValidationError):
            findings.action_create(
                actor=None, recommendation=recommendation, text="Tuyển", deadline=None
            )
        with self.assertRaises(ValidationError):
            findings.action_create(
                actor=None,
                recommendation=recommendation,
                text="Tuyển",
                deadline=timezone.localdate(),
                owner=self.cast.other_province,
            )
        # Found walking the demo: a test action due 31/12/2099 was accepted, and went into
        # the conclusion notice ("báo cáo kết quả … trước ngày 31/12/2099").
        latest = timezone.localdate() + datetime.timedelta(days=365)
        with self.assertRaises(ValidationError) as refused:
            findings.action_create(
                actor=None,
                recommendation=recommendation,
                text="Tuyển",
                deadline=latest + datetime.timedelta(days=1),
            )
        assert latest.strftime("%d/%m/%Y") in refused.exception.message_dict["deadline"][0]
        findings.action_create(
            actor=None, recommendation=recommendation, text="Tuyển", deadline=latest
        )

    def test_the_team_takes_back_a_recommendation_or_an_action_until_the_conclusion(self):
        # Found walking the demo: a wrong action could be neither edited nor deleted, and
        # went into the official notice.
        self.inspection = to_status(self.cast, self.inspection, Inspection.Status.VISITING)
        conclude_ready(self.cast, self.inspection)
        action = RemediationAction.objects.get(recommendation__inspection=self.inspection)
        recommendation = action.recommendation
        extra = findings.action_create(
            actor=None,
            recommendation=recommendation,
            text="Thử hạn rất xa",
            deadline=timezone.localdate() + datetime.timedelta(days=30),
        )
        findings.action_delete(actor=self.cast.inspector, action=extra)
        assert list(recommendation.actions.all()) == [action]
        assert AuditEvent.objects.filter(action="remediation_action.delete").exists()
        other = findings.recommendation_create(
            actor=None,
            inspection=self.inspection,
            text="Kiến nghị nhầm",
            findings=list(self.inspection.findings.all()),
            root_causes=[],
        )
        findings.recommendation_delete(actor=self.cast.inspector, recommendation=other)
        assert list(self.inspection.recommendations.all()) == [recommendation]
        visits.inspection_advance(
            actor=self.cast.home_affairs,
            inspection=self.inspection,
            target=Inspection.Status.CONCLUDED,
        )
        action.refresh_from_db()
        # Concluded: in the notice, followed up, no longer taken back.
        with self.assertRaises(ValidationError):
            findings.action_delete(actor=self.cast.inspector, action=action)
        with self.assertRaises(ValidationError):
            findings.recommendation_delete(
                actor=self.cast.inspector, recommendation=action.recommendation
            )
        assert RemediationAction.objects.filter(pk=action.pk).exists()


class RemediationTests(BaseTestCase):
    def setUp(self):
        self.inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        self.action = RemediationAction.objects.get(recommendation__inspection=self.inspection)

    def test_closing_needs_a_done_report_with_evidence(self):
        with self.assertRaises(ValidationError):
            findings.action_verify(actor=self.appraiser, action=self.action)
        findings.progress_report(
            actor=self.ward_officer, action=self.action, text="Đã làm", uploads=[], is_done=True
        )
        with self.assertRaises(ValidationError) as refused:
            findings.action_verify(actor=self.appraiser, action=self.action)
        assert "minh chứng" in refused.exception.messages[0]
        self.action.refresh_from_db()
        assert self.action.status == RemediationAction.Status.REPORTED
        findings.progress_report(
            actor=self.ward_officer,
            action=self.action,
            text="Biên bản",
            uploads=[pdf()],
            is_done=True,
        )
        findings.action_verify(actor=self.appraiser, action=self.action)
        self.action.refresh_from_db()
        self.inspection.refresh_from_db()
        assert self.action.status == RemediationAction.Status.VERIFIED
        assert self.inspection.status == Inspection.Status.CLOSED
        with self.assertRaises(ValidationError):
            findings.progress_report(
                actor=self.ward_officer, action=self.action, text="x", uploads=[], is_done=False
            )

    def test_an_action_reported_done_is_told_to_the_team_and_the_office_that_closes_it(self):
        # Found walking the demo: only the team heard of it; the Home Affairs office, which
        # holds "Xác nhận và đóng", had an empty inbox and no sign of the action waiting.
        findings.progress_report(
            actor=self.ward_officer, action=self.action, text="Xong", uploads=[pdf()], is_done=True
        )
        told = set(
            Notification.objects.filter(kind="remediation_reported").values_list("user", flat=True)
        )
        team = set(self.inspection.team.values_list("user", flat=True))
        assert team and team <= told
        assert self.home_affairs.pk in told
        assert self.ward_officer.pk not in told

    def test_done_is_reported_once(self):
        # A walk: "done" sent twice stored two reports and told the team twice.
        findings.progress_report(
            actor=self.ward_officer, action=self.action, text="Xong", uploads=[pdf()], is_done=True
        )
        told = Notification.objects.filter(kind="remediation_reported").count()
        with self.assertRaises(ValidationError) as refused:
            findings.progress_report(
                actor=self.ward_officer, action=self.action, text="Xong", uploads=[], is_done=True
            )
        assert "text" in refused.exception.message_dict
        assert self.action.reports.count() == 1
        assert Notification.objects.filter(kind="remediation_reported").count() == told
        # A note without "done" is still taken.
        findings.progress_report(
            actor=self.ward_officer, action=self.action, text="Bổ sung", uploads=[], is_done=False
        )
        assert self.action.reports.count() == 2

    def test_reopening_needs_a_reason_and_tells_the_unit(self):
        # An action the unit never reported done has nothing to send back: the unit was told
        # "reopened" of an action still open (a walk).
        with self.assertRaises(ValidationError) as refused:
            findings.action_reopen(actor=self.appraiser, action=self.action, reason="x")
        assert "chưa báo cáo" in str(refused.exception)
        assert not Notification.objects.filter(kind="remediation_reopened").exists()
        findings.progress_report(
            actor=self.ward_officer, action=self.action, text="Xong", uploads=[pdf()], is_done=True
        )
        findings.action_verify(actor=self.appraiser, action=self.action)
        with self.assertRaises(ValidationError):
            findings.action_reopen(actor=self.appraiser, action=self.action, reason=" ")
        findings.action_reopen(actor=self.appraiser, action=self.action, reason="Chưa đủ")
        self.action.refresh_from_db()
        self.inspection.refresh_from_db()
        assert self.action.status == RemediationAction.Status.OPEN
        assert self.inspection.status == Inspection.Status.CONCLUDED
        assert Notification.objects.filter(
            kind="remediation_reopened", user=self.ward_officer
        ).exists()

    def test_overdue_actions_are_escalated_once(self):
        later = self.action.deadline + datetime.timedelta(days=1)
        assert findings.escalate_overdue(today=self.action.deadline) == 0
        assert findings.escalate_overdue(today=later) == 1
        assert findings.escalate_overdue(today=later) == 0
        users = set(
            Notification.objects.filter(kind="remediation_overdue").values_list(
                "user__username", flat=True
            )
        )
        assert {"ward_officer", "ward_chair", "home_affairs"} <= users
        assert "outsider" not in users

    def test_publishing_only_once_concluded_and_every_write_is_audited(self):
        visits.inspection_publish(actor=self.home_affairs, inspection=self.inspection, publish=True)
        assert Inspection.objects.get(pk=self.inspection.pk).is_published
        fresh = Inspection.objects.create(
            plan=self.inspection.plan,
            org_unit=self.cast.ward_b,
            visit_date=self.inspection.visit_date,
            topics=["iso"],
        )
        with self.assertRaises(ValidationError):
            visits.inspection_publish(actor=self.home_affairs, inspection=fresh, publish=True)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"plan.approve", "finding.create", "remediation_action.create"} <= actions


class MemberOutsideTheTreeTests(BaseTestCase):
    def test_an_agency_of_another_province_cannot_request(self):
        year = timezone.localdate().year
        plan = planning.plan_get_or_create(actor=None, organiser=self.cast.city, year=year)
        foreign = org_unit_create(
            actor=None,
            code="T40-NV",
            name="Sở Nội vụ Nghệ An",
            kind="agency",
            parent=self.cast.other_province,
        )
        start, end = year_window(year)
        with self.assertRaises(ValidationError) as refused:
            planning.request_file(
                actor=None,
                plan=plan,
                org_unit=self.cast.ward_a,
                topic="iso",
                agency=foreign,
                window_start=start,
                window_end=end,
            )
        assert "agency" in refused.exception.message_dict
        assert not TeamMember.objects.exists()
