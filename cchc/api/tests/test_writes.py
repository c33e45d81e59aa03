"""The write endpoints: each goes through the pages' own service, check and audit trail, and
refuses in Vietnamese with what the page would say."""

import json

from django.core.cache import cache
from django.test import Client

from cchc.api.tests.helpers import bearer, make_client
from cchc.core.models import AuditEvent
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.indicators.models import Dossier, DossierImport, DossierMonth
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
