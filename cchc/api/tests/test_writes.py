"""The write endpoints: each goes through the pages' own service, check and audit trail, and
refuses in Vietnamese with what the page would say."""

import json

from django.core.cache import cache
from django.test import Client

from cchc.api.tests.helpers import bearer, make_client
from cchc.assessments.models import Score
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.models import AuditEvent
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.indicators.models import Directive, Dossier, DossierImport, DossierMonth
from cchc.inspections.models import Inspection, ProgressReport, RemediationAction
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.services import org_unit_create

BATCH_URL = "/api/v1/dossiers/batch"

RECORDS = [
    {
        "code": "MC.0001",
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký khai sinh",
        "unit": "X18070",
        "channel": "trực tuyến",
        "received_at": "2026-01-05T08:30:00+07:00",
        "due_at": "2026-01-07",
        "finished_at": "2026-01-06T10:00:00+07:00",
        "status": "Đã giải quyết",
        "satisfaction": 5,
    },
    {
        "code": "MC.0002",
        "unit": "18073",
        "received_at": "05/01/2026 14:00",
        "due_at": "2026-01-06",
        "finished_at": "2026-01-08T09:00:00+07:00",
        "apology": True,
        "apology_on": "2026-01-07",
    },
]


class DossierPushTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def push(self, token, items, language="vi"):
        return self.client.post(
            BATCH_URL,
            json.dumps({"items": items}),
            content_type="application/json",
            headers=bearer(token, language),
        )

    def months(self):
        return list(
            DossierMonth.objects.order_by("org_unit_id", "month").values_list(
                "org_unit_id",
                "month",
                "received",
                "finished",
                "late",
                "online",
                "late_with_apology",
            )
        )

    def test_a_batch_is_written_through_the_import_and_twice_changes_nothing(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        response = self.push(token, RECORDS)
        assert response.status_code == 200, response.content
        assert response.json() == {
            "import_id": DossierImport.objects.get().pk,
            "received": 2,
            "created": 2,
            "updated": 0,
            "mapped": 0,
        }
        dossiers = list(Dossier.objects.order_by("code").values())
        months = self.months()
        assert months and sum(row[2] for row in months) == 2
        again = self.push(token, RECORDS)
        assert again.status_code == 200
        assert again.json()["created"] == 0
        assert self.months() == months
        assert [
            {k: v for k, v in row.items() if k != "imported_in_id"}
            for row in Dossier.objects.order_by("code").values()
        ] == [{k: v for k, v in row.items() if k != "imported_in_id"} for row in dossiers]
        # The audit trail names the client, through its service user.
        event = AuditEvent.objects.filter(action="dossier_import.create").latest("pk")
        assert "Một cửa" in str(event.actor)

    def test_a_wrong_record_is_refused_with_its_index_and_field_and_nothing_is_written(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        items = [RECORDS[0], {**RECORDS[1], "received_at": "hôm qua"}]
        response = self.push(token, items)
        assert response.status_code == 422
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["detail"] == "Lô bị từ chối, không ghi bản ghi nào. Xem chi tiết lỗi."
        assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "received_at")]
        assert not Dossier.objects.exists()
        # The imports' page lists the refused batch by the record's index, as the answer did
        # (it read "Dòng 1", a row of no file).
        from cchc.indicators.models import DossierImport

        refused = DossierImport.objects.get()
        assert refused.status == DossierImport.Status.FAILED
        assert refused.errors[0].startswith("Bản ghi index 1, trường “received_at”: "), (
            refused.errors
        )

    def test_a_client_of_the_city_cannot_write_another_provinces_unit(self):
        org_unit_create(
            actor=None,
            code="X99003",
            name="Xã Khác",
            kind="commune",
            parent=self.cast.other_province,
        )
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        response = self.push(token, [{**RECORDS[0], "unit": "X99003"}])
        assert response.status_code == 422
        assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "unit")]
        assert "không thuộc phạm vi" in response.json()["errors"][0]["message"]
        assert not Dossier.objects.exists()

    def test_a_ward_client_may_not_push_and_a_client_needs_the_scope(self):
        _ward, ward_token = make_client(
            self.cast,
            name="Phường",
            unit="ward_a",
            role=Role.UNIT_OFFICER,
            scopes=["dossiers:write"],
        )
        assert self.push(ward_token, RECORDS[:1]).status_code == 403
        _reader, reader_token = make_client(self.cast, name="Đọc")  # read scopes only
        response = self.push(reader_token, RECORDS[:1])
        assert response.status_code == 403
        assert "dossiers:write" in response.json()["detail"]
        assert not Dossier.objects.exists()

    def test_an_empty_or_oversized_batch_is_refused(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        assert self.push(token, []).status_code == 422
        many = [{**RECORDS[0], "code": f"MC.{n}"} for n in range(5001)]
        response = self.push(token, many, language="en")
        assert response.status_code == 422
        assert response.json()["errors"][0]["index"] is None
        assert not Dossier.objects.exists()

    def test_a_person_with_a_session_pushes_with_the_csrf_token(self):
        self.client.force_login(self.home_affairs)
        response = self.client.post(
            BATCH_URL, json.dumps({"items": RECORDS}), content_type="application/json"
        )
        assert response.status_code == 200  # the test client does not enforce CSRF
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.home_affairs)
        refused = strict.post(
            BATCH_URL, json.dumps({"items": RECORDS}), content_type="application/json"
        )
        assert refused.status_code == 403


class ScorePutTests(BaseTestCase):
    """A ward's own system saves its scores with the page's rule, service and version check."""

    def setUp(self):
        cache.clear()
        self.round = make_round(self.cast)
        self.client_row, self.token = make_client(
            self.cast,
            name="Phần mềm phường",
            unit="ward_a",
            role=Role.UNIT_OFFICER,
            scopes=["scores:write", "rounds:read"],
        )

    def url(self, unit="X18070", code="2.2"):
        return f"/api/v1/rounds/{self.round.pk}/units/{unit}/scores/{code}"

    def put(self, body, token=None, **kwargs):
        return self.client.put(
            kwargs.pop("url", None) or self.url(**kwargs),
            json.dumps(body),
            content_type="application/json",
            headers=bearer(token or self.token, "vi"),
        )

    def test_a_score_is_saved_and_a_stale_version_is_refused(self):
        response = self.put(
            {"inputs": {"numerator": 3, "denominator": "4"}, "explanation": "Sổ theo dõi"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        score = Score.objects.get(assessment__org_unit=self.cast.ward_a, criterion__code="2.2")
        assert score.self_points > 0
        assert body["self_points"] == str(score.self_points)
        assert body["version"] == version_token(score)
        read = self.client.get(
            f"/api/v1/rounds/{self.round.pk}/units/X18070", headers=bearer(self.token)
        ).json()
        assert [row["version"] for row in read["scores"] if row["criterion_code"] == "2.2"] == [
            body["version"]
        ]
        assessment = assessment_of(self.round, self.cast.ward_a)
        assert body["assessment_self_points"] == str(assessment.self_points)
        assert assessment.self_points > 0
        # Without the version it read, a second system's save never overwrites the first.
        stale = self.put({"inputs": {"numerator": 1, "denominator": 4}})
        assert stale.status_code == 409
        assert stale["Content-Type"] == "application/problem+json"
        score.refresh_from_db()
        assert score.inputs["numerator"] == "3"
        again = self.put({"inputs": {"numerator": 1, "denominator": 4}, "version": body["version"]})
        assert again.status_code == 200
        score.refresh_from_db()
        assert score.inputs["numerator"] == "1"
        # The audit trail names the client: its service user is the actor.
        assert AuditEvent.objects.filter(actor=self.client_row.user, action="score.save").exists()

    def test_a_refused_value_is_answered_in_the_pages_words(self):
        response = self.put({"inputs": {"numerator": 5, "denominator": 4}})
        assert response.status_code == 422
        assert response.json()["detail"]
        assert not Score.objects.filter(
            assessment__org_unit=self.cast.ward_a, criterion__code="2.2", self_points__isnull=False
        ).exists()

    def test_another_wards_scores_are_not_reachable(self):
        response = self.put({"inputs": {"numerator": 3, "denominator": 4}}, unit="X18073")
        assert response.status_code == 404
        assert not Score.objects.filter(
            assessment__org_unit=self.cast.ward_b, self_points__isnull=False
        ).exists()

    def test_a_reader_client_and_an_unknown_criterion(self):
        _reader, token = make_client(self.cast, name="Đọc", scopes=["scores:write", "rounds:read"])
        # The city's Home Affairs reads the ward's assessment but does not fill it in.
        assert (
            self.put({"inputs": {"numerator": 3, "denominator": 4}}, token=token).status_code == 403
        )
        assert self.put({"inputs": {}}, code="9.9").status_code == 404


class RemediationReportTests(BaseTestCase):
    """A ward's system reports progress on its own remediation action, as the page does."""

    def setUp(self):
        cache.clear()
        inspection = to_status(
            self.cast, approved_inspection(self.cast), Inspection.Status.CONCLUDED
        )
        self.action = RemediationAction.objects.get(recommendation__inspection=inspection)
        _client, self.token = make_client(
            self.cast,
            name="Phần mềm phường",
            unit="ward_a",
            role=Role.UNIT_OFFICER,
            scopes=["remediation:write"],
        )

    def post(self, body, token=None, pk=None):
        return self.client.post(
            f"/api/v1/remediation-actions/{pk or self.action.pk}/reports",
            json.dumps(body),
            content_type="application/json",
            headers=bearer(token or self.token, "vi"),
        )

    def test_the_owner_reports_done_and_the_team_is_asked_to_verify(self):
        response = self.post({"text": "Đã tổ chức đánh giá nội bộ ngày 10/3", "done": True})
        assert response.status_code == 201, response.content
        self.action.refresh_from_db()
        assert self.action.status == RemediationAction.Status.REPORTED
        assert response.json()["action_status"] == RemediationAction.Status.REPORTED
        report = ProgressReport.objects.get()
        assert report.text == "Đã tổ chức đánh giá nội bộ ngày 10/3"
        assert AuditEvent.objects.filter(action="progress_report.create").exists()

    def test_an_empty_report_is_refused_and_another_ward_may_not_report(self):
        assert self.post({"text": "  "}).status_code == 422
        _other, token = make_client(
            self.cast,
            name="Phường khác",
            unit="ward_b",
            role=Role.UNIT_OFFICER,
            scopes=["remediation:write"],
        )
        assert self.post({"text": "Xong"}, token=token).status_code in {403, 404}
        assert not ProgressReport.objects.exists()


class InputRefusalTests(BaseTestCase):
    """Pydantic's refusals are answered in the caller's language, with the item and field."""

    def setUp(self):
        cache.clear()

    def test_a_missing_field_and_a_wrong_type_are_named_in_vietnamese(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        response = self.client.post(
            BATCH_URL,
            json.dumps(
                {
                    "items": [
                        {"code": "A"},
                        {"code": ["x"], "unit": "X18070", "received_at": "2026-01-05"},
                    ]
                }
            ),
            content_type="application/json",
            headers=bearer(token, "vi"),
        )
        assert response.status_code == 422
        errors = {(e["index"], e["field"]): e["message"] for e in response.json()["errors"]}
        assert errors == {
            (0, "unit"): "Bắt buộc nhập giá trị này.",
            (0, "received_at"): "Bắt buộc nhập giá trị này.",
            (1, "code"): "Hãy ghi giá trị này dưới dạng văn bản.",
        }
        bad_limit = self.client.get(
            "/api/v1/units/",
            {"limit": 9999},
            headers=bearer(make_client(self.cast, name="Đọc")[1], "vi"),
        )
        assert bad_limit.status_code == 422
        assert bad_limit.json()["errors"][0]["message"] == "Hãy ghi một số không lớn hơn 500."

    def test_a_body_that_is_not_json_is_refused_in_vietnamese(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        response = self.client.post(
            BATCH_URL, b"{items: [", content_type="application/json", headers=bearer(token, "vi")
        )
        assert response.status_code == 400
        assert response.json()["detail"] == "Nội dung gửi lên không phải JSON."


class DirectivePushTests(BaseTestCase):
    """The document-management system pushes directives through the file import's own checks."""

    def setUp(self):
        cache.clear()

    def push(self, token, items):
        return self.client.post(
            "/api/v1/directives/batch",
            json.dumps({"items": items}),
            content_type="application/json",
            headers=bearer(token, "vi"),
        )

    ITEM = {
        "number": "34/TB-UBND",
        "issued_on": "2026-01-05",
        "content": "Rà soát, công khai thủ tục hành chính",
        "deadline": "2026-02-05",
        "unit": "X18070",
    }

    def test_a_batch_is_recorded_and_twice_changes_nothing(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        assert self.push(token, [self.ITEM]).json() == {"added": 1, "updated": 0}
        before = list(Directive.objects.values_list("number", "org_unit_id", "deadline", "content"))
        # Nothing changed: nothing said updated.
        assert self.push(token, [self.ITEM]).json() == {"added": 0, "updated": 0}
        assert (
            list(Directive.objects.values_list("number", "org_unit_id", "deadline", "content"))
            == before
        )
        assert Directive.objects.get().recorded_by.is_service

    def test_a_wrong_record_and_a_unit_not_kept_are_refused_with_nothing_written(self):
        org_unit_create(
            actor=None,
            code="X99004",
            name="Xã Ngoài Tỉnh",
            kind="commune",
            parent=self.cast.other_province,
        )
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        items = [
            self.ITEM,
            {**self.ITEM, "number": "35/TB-UBND", "deadline": "2025-12-01"},
            {**self.ITEM, "number": "36/TB-UBND", "unit": "X99004"},
        ]
        response = self.push(token, items)
        assert response.status_code == 422
        errors = [(e["index"], e["field"]) for e in response.json()["errors"]]
        assert errors == [(1, "deadline"), (2, "unit")]
        assert "không thuộc phạm vi" in response.json()["errors"][1]["message"]
        assert not Directive.objects.exists()

    def test_the_nul_character_is_refused_before_anything_reads_it(self):
        """PostgreSQL cannot store NUL in text: a body, a path or a query holding it is a 422
        in Vietnamese, never a 500 (found by the write fuzz on PostgreSQL)."""
        _client, token = make_client(self.cast, scopes=["dossiers:write", "units:read"])
        item = {**RECORDS[0], "procedure_name": "Đăng ký\u0000khai sinh"}
        response = self.client.post(
            BATCH_URL,
            json.dumps({"items": [item]}),
            content_type="application/json",
            headers=bearer(token, "vi"),
        )
        assert response.status_code == 422
        assert response.json()["detail"] == "Văn bản không được chứa ký tự NUL (\\u0000)."
        assert not Dossier.objects.exists()
        assert (
            self.client.get("/api/v1/units/", {"q": "a\u0000b"}, headers=bearer(token)).status_code
            == 422
        )
        assert self.client.get("/api/v1/units/X18070%00", headers=bearer(token)).status_code == 422
