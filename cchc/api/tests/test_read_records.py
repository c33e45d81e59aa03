"""The read endpoints of inspections, issued documents and indicator figures: each with its API
scope and the rule of the page showing the data; every list keeps its number of queries
whatever the rows (2 and 20), the frameworks, rounds and results lists too."""

import datetime
import json

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cchc.api.tests.helpers import make_client
from cchc.api.tests.test_read import ApiTestCase, frozen_row, publish
from cchc.api.tests.test_writes import RECORDS
from cchc.assessments.tests.factories import make_round
from cchc.core.roles import Role
from cchc.documents import services as documents
from cchc.documents.models import IssuedDocument
from cchc.frameworks.tests.factories import make_framework
from cchc.indicators.importers import import_dossier_records
from cchc.inspections.models import (
    Finding,
    Inspection,
    InspectionPlan,
    Recommendation,
    RemediationAction,
)
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.orgunits.services import org_unit_create


def concluded(cast) -> Inspection:
    """Ward A's visit, concluded with a shortcoming on a root cause, a recommendation and its
    action (inspections.tests.factories.conclude_ready)."""
    return to_status(cast, approved_inspection(cast, year=2026), Inspection.Status.CONCLUDED)


class ListCounter:
    """Queries of one list call after `add(n)` rows: equal for 2 and 20 rows."""

    def __init__(self, test, url, token, **params):
        self.test, self.url, self.token, self.params = test, url, token, params

    def __call__(self, add, extra):
        add(extra)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = self.test.get(self.url, self.token, **self.params)
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        return len(queries), len(items)


class InspectionReadTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.visit = concluded(cls.cast)

    def test_a_ward_reads_its_visit_with_findings_and_remediation_never_another_wards(self):
        _client, token = make_client(
            self.cast, name="Phường A", unit="ward_a", role=Role.UNIT_OFFICER
        )
        visits = self.get("/api/v1/inspections/visits", token).json()["items"]
        assert [(v["id"], v["unit_code"], v["status"]) for v in visits] == [
            (self.visit.pk, "X18070", "concluded")
        ]
        assert visits[0]["visit_date"] == self.visit.visit_date.isoformat()
        detail = self.get(f"/api/v1/inspections/visits/{self.visit.pk}", token).json()
        shortcoming = next(f for f in detail["findings"] if f["kind"] == "shortcoming")
        assert shortcoming["root_causes"][0]["title"] == "Kinh phí còn hạn hẹp"
        recommendation = detail["recommendations"][0]
        assert recommendation["text"] == "Bố trí kinh phí duy trì ISO"
        assert recommendation["finding_ids"] == [shortcoming["id"]]
        assert [(a["owner_code"], a["status"]) for a in recommendation["actions"]] == [
            ("X18070", "open")
        ]
        # Ward B's officer: none of it (404 on the visit, empty lists).
        _other, other_token = make_client(
            self.cast, name="Phường B", unit="ward_b", role=Role.UNIT_OFFICER
        )
        response = self.get(f"/api/v1/inspections/visits/{self.visit.pk}", other_token)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        for path in ("visits", "findings", "recommendations", "root-causes"):
            body = self.get(f"/api/v1/inspections/{path}", other_token).json()
            assert body == {"items": [], "next": None}, path

    def test_plans_and_filters_by_unit_year_and_status(self):
        _client, token = make_client(self.cast)
        plans = self.get("/api/v1/inspections/plans", token, year=2026).json()["items"]
        assert [(p["id"], p["status"]) for p in plans] == [(self.visit.plan_id, "approved")]
        assert self.get("/api/v1/inspections/plans", token, status="draft").json()["items"] == []
        plan = self.get(f"/api/v1/inspections/plans/{self.visit.plan_id}", token).json()
        assert plan["organiser_code"] == "H436"

        def ids(path, **params):
            response = self.get(f"/api/v1/inspections/{path}", token, **params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["items"]]

        assert ids("visits", unit="H436") == ids("visits", unit="X18070") == [self.visit.pk]
        assert ids("visits", unit="X18073") == ids("visits", year=2025) == []
        assert ids("visits", status="concluded") == [self.visit.pk]
        assert ids("visits", status="planned") == []
        assert len(ids("findings", unit="X18070", kind="shortcoming")) == 1
        assert ids("findings", kind="strength") == []
        assert len(ids("recommendations", status="open")) == 1
        assert ids("recommendations", status="verified") == []
        causes = self.get("/api/v1/inspections/root-causes", token).json()["items"]
        assert [(c["title"], c["findings"], c["units"]) for c in causes] == [
            ("Kinh phí còn hạn hẹp", 1, 1)
        ]
        unknown = self.get("/api/v1/inspections/visits", token, unit="NOPE")
        assert unknown.status_code == 404
        bad = self.get("/api/v1/inspections/visits", token, status="lost")
        assert bad.status_code == 422

    def test_a_client_without_the_scope_and_a_portal_editor_are_refused(self):
        _client, token = make_client(self.cast, scopes=["rounds:read"])
        response = self.get("/api/v1/inspections/visits", token)
        assert response.status_code == 403
        assert "inspections:read" in response.json()["detail"]
        _editor, editor_token = make_client(self.cast, name="Cổng", role=Role.PORTAL_EDITOR)
        assert self.get("/api/v1/inspections/visits", editor_token).status_code == 403

    def test_every_list_keeps_its_number_of_queries(self):
        _client, token = make_client(self.cast)
        self.get("/api/v1/inspections/plans", token)  # the last-use mark, written once
        cause = Finding.objects.filter(inspection=self.visit).first().root_causes.get()
        counter = 0

        def plans(extra):
            for _n in range(extra):
                InspectionPlan.objects.create(organiser=self.cast.city, year=2000 + len(plans.made))
                plans.made.append(1)

        plans.made = []

        def visits(extra):
            nonlocal counter
            for _n in range(extra):
                counter += 1
                unit = org_unit_create(
                    actor=None,
                    code=f"XV{counter}",
                    name=f"Phường {counter}",
                    kind="ward",
                    parent=self.cast.city,
                )
                Inspection.objects.create(
                    plan=self.visit.plan,
                    org_unit=unit,
                    visit_date=datetime.date(2026, 3, 1),
                    topics=["iso"],
                )

        def findings(extra):
            for n in range(extra):
                finding = Finding.objects.create(
                    inspection=self.visit, kind="shortcoming", topic="iso", area="A", text=f"F{n}"
                )
                finding.root_causes.add(cause)

        def recommendations(extra):
            finding = Finding.objects.filter(inspection=self.visit).first()
            for n in range(extra):
                recommendation = Recommendation.objects.create(inspection=self.visit, text=f"R{n}")
                recommendation.findings.add(finding)
                recommendation.root_causes.add(cause)
                RemediationAction.objects.create(
                    recommendation=recommendation,
                    owner=self.cast.ward_a,
                    text=f"A{n}",
                    deadline=datetime.date(2026, 12, 1),
                )

        cases = [
            ("plans", plans, 2),
            ("visits", visits, 2),
            ("findings", findings, 3),
            ("recommendations", recommendations, 3),
        ]
        for path, add, first in cases:
            count = ListCounter(self, f"/api/v1/inspections/{path}", token, limit=500)
            few, few_items = count(add, first)
            many, many_items = count(add, 18)
            assert many_items == few_items + 18, path
            assert few == many, (path, few, many)


class DocumentReadTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.visit = concluded(cls.cast)

    def setUp(self):
        super().setUp()
        # Issued in each test: its files go to the test's own media folder.
        self.notice = documents.issue(
            actor=None, kind="conclusion_notice", target=self.visit, signer_name="Trưởng đoàn"
        )

    def test_the_register_with_download_links_to_the_checked_view(self):
        _client, token = make_client(
            self.cast, name="Phường A", unit="ward_a", role=Role.UNIT_OFFICER
        )
        items = self.get("/api/v1/documents/", token).json()["items"]
        assert [(d["reference"], d["kind"], d["unit_code"]) for d in items] == [
            (self.notice.reference, "conclusion_notice", "X18070")
        ]
        document = items[0]
        assert document["issued_on"] == self.notice.issued_on.isoformat()
        assert document["issuer_code"] == self.notice.issuer.code
        assert document["downloads"]["scan"] is None
        assert document["downloads"]["pdf"].endswith(f"/documents/{self.notice.pk}/file/pdf/")
        # The link is the pages' download: a ward B officer's session is refused there.
        self.login("outsider")
        assert self.client.get(document["downloads"]["pdf"]).status_code == 404
        self.login("ward_officer")
        assert self.client.get(document["downloads"]["pdf"]).status_code == 200
        detail = self.get(f"/api/v1/documents/{self.notice.pk}", token).json()
        assert detail == document

    def test_another_ward_reads_nothing_and_filters_apply(self):
        _other, other_token = make_client(
            self.cast, name="Phường B", unit="ward_b", role=Role.UNIT_OFFICER
        )
        assert self.get("/api/v1/documents/", other_token).json()["items"] == []
        assert self.get(f"/api/v1/documents/{self.notice.pk}", other_token).status_code == 404
        _client, token = make_client(self.cast)

        def ids(**params):
            return [
                d["id"] for d in self.get("/api/v1/documents/", token, **params).json()["items"]
            ]

        assert ids(unit="X18070") == ids(kind="conclusion_notice") == [self.notice.pk]
        assert ids(unit="X18073") == ids(kind="team_decision") == ids(year=2001) == []
        _reader, reader_token = make_client(self.cast, scopes=["inspections:read"])
        assert self.get("/api/v1/documents/", reader_token).status_code == 403

    def test_the_register_keeps_its_number_of_queries(self):
        _client, token = make_client(self.cast)
        self.get("/api/v1/documents/", token)
        made = []

        def add(extra):
            for _n in range(extra):
                made.append(1)
                copy = IssuedDocument.objects.get(pk=self.notice.pk)
                copy.pk = None
                copy.number = self.notice.number + len(made)
                copy.reference = f"{copy.number:02d}/TB-ĐKT"
                copy.save()

        count = ListCounter(self, "/api/v1/documents/", token, limit=500)
        few, few_items = count(add, 1)
        many, many_items = count(add, 18)
        assert (few_items, many_items) == (2, 20)
        assert few == many


class IndicatorReadTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        import_dossier_records(actor=None, records=RECORDS, source="test")

    def test_figures_per_unit_and_period_as_the_page_counts_them(self):
        _client, token = make_client(self.cast)
        response = self.get("/api/v1/indicators/figures", token, year=2026, period="h1")
        assert response.status_code == 200, response.content
        rows = {row["unit_code"]: row for row in response.json()["items"]}
        assert set(rows) == {"X18070", "X18073"}
        ward_a, ward_b = rows["X18070"], rows["X18073"]
        assert (ward_a["received"], ward_a["online"], ward_a["on_time"]) == (1, 1, 1)
        assert ward_a["overdue_rate"] == "0.00" and ward_a["online_rate"] == "100.00"
        assert (ward_b["late"], ward_b["late_with_apology"]) == (1, 1)
        assert ward_b["apology_rate"] == "100.00"
        assert ward_a["satisfaction"] == "5.00"
        empty = self.get("/api/v1/indicators/figures", token, year=2025, period="annual").json()
        assert {row["received"] for row in empty["items"]} == {0}
        only_b = self.get(
            "/api/v1/indicators/figures", token, year=2026, period="h1", unit="X18073"
        ).json()["items"]
        assert [row["unit_code"] for row in only_b] == ["X18073"]
        assert self.get("/api/v1/indicators/figures", token, year=2026).status_code == 422

    def test_a_ward_reads_its_own_figures_only(self):
        _client, token = make_client(
            self.cast, name="Phường A", unit="ward_a", role=Role.UNIT_OFFICER
        )
        rows = self.get("/api/v1/indicators/figures", token, year=2026, period="h1").json()
        assert [row["unit_code"] for row in rows["items"]] == ["X18070"]
        other = self.get("/api/v1/indicators/figures", token, year=2026, period="h1", unit="X18073")
        assert other.json()["items"] == []
        _editor, editor_token = make_client(self.cast, name="Cổng", role=Role.PORTAL_EDITOR)
        refused = self.get("/api/v1/indicators/figures", editor_token, year=2026, period="h1")
        assert refused.status_code == 403
        _reader, reader_token = make_client(self.cast, scopes=["rounds:read"])
        refused = self.get("/api/v1/indicators/figures", reader_token, year=2026, period="h1")
        assert refused.status_code == 403

    def test_the_figures_keep_their_number_of_queries(self):
        _client, token = make_client(self.cast)
        self.get("/api/v1/indicators/figures", token, year=2026, period="h1")
        made = []

        def add(extra):
            for _n in range(extra):
                made.append(1)
                org_unit_create(
                    actor=None,
                    code=f"XI{len(made)}",
                    name=f"Xã {len(made)}",
                    kind="commune",
                    parent=self.cast.city,
                )

        count = ListCounter(
            self, "/api/v1/indicators/figures", token, year=2026, period="h1", limit=500
        )
        few, few_items = count(add, 0)
        many, many_items = count(add, 18)
        assert (few_items, many_items) == (2, 20)
        assert few == many


class OlderListQueryTests(ApiTestCase):
    """The frameworks, rounds and results lists (afc35fe) keep their number of queries too."""

    def test_frameworks_rounds_and_results(self):
        _client, token = make_client(self.cast)
        self.get("/api/v1/frameworks/", token)
        made = []

        def frameworks(extra):
            for _n in range(extra):
                made.append(1)
                make_framework(self.cast.city, publish=True, name=f"Bộ {len(made)}")

        count = ListCounter(self, "/api/v1/frameworks/", token, limit=500)
        few, few_items = count(frameworks, 2)
        many, many_items = count(frameworks, 18)
        assert many_items == few_items + 18 and few == many

        def rounds(extra):
            for _n in range(extra):
                make_round(self.cast, open_it=False)

        count = ListCounter(self, "/api/v1/rounds/", token, limit=500)
        few, few_items = count(rounds, 2)
        many, many_items = count(rounds, 18)
        assert (few_items, many_items) == (2, 20) and few == many

        round_ = make_round(self.cast)
        units = []

        def results(extra):
            for _n in range(extra):
                units.append(
                    org_unit_create(
                        actor=None,
                        code=f"XR{len(units)}",
                        name=f"Phường {len(units)}",
                        kind="ward",
                        parent=self.cast.city,
                    )
                )
            publish(round_, [frozen_row(unit, rank) for rank, unit in enumerate(units, 1)])

        count = ListCounter(self, f"/api/v1/rounds/{round_.pk}/results", token, limit=500)
        few, few_items = count(results, 2)
        many, many_items = count(results, 18)
        assert (few_items, many_items) == (2, 20) and few == many


class SchemaDocumentTests(ApiTestCase):
    def test_the_openapi_document_has_no_key_twice(self):
        """Swagger UI reads the document as YAML, where a key given twice (an int 200 and a
        string "200" in one operation's responses) makes the whole page fail to load."""
        response = self.client.get("/api/v1/schema/")
        assert response.status_code == 200
        twice = []

        def pairs(items):
            keys = [key for key, _value in items]
            twice.extend(key for key in set(keys) if keys.count(key) > 1)
            return dict(items)

        json.loads(response.content, object_pairs_hook=pairs)
        assert twice == []

    def test_a_url_matching_no_operation_is_the_apis_404_problem(self):
        _client, token = make_client(self.cast)
        response = self.client.get(
            "/api/v1/rounds/-1/units/X18070", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        response = self.client.get("/api/v1/nothing-here", headers={"Accept-Language": "vi"})
        assert response.status_code == 404
        assert response.json()["status"] == 404 and response.json()["detail"]
