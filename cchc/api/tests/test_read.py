"""The read endpoints: each with its API scope and the same rule as the page showing the data;
lists walk by cursor and keep their number of queries whatever the rows."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cchc.api.tests.helpers import bearer, make_client
from cchc.assessments.models import Round
from cchc.assessments.services import score_save
from cchc.assessments.services.results import round_results
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.orgunits.services import org_unit_create


def publish(round_: Round, rows: list[dict] | None = None) -> Round:
    """A round as publication leaves it (its frozen table), without the whole workflow."""
    frozen = rows if rows is not None else [row.as_json() for row in round_results(round_)]
    Round.objects.filter(pk=round_.pk).update(
        status=Round.Status.PUBLISHED, published_at=timezone.now(), published_results=frozen
    )
    return Round.objects.get(pk=round_.pk)


def frozen_row(unit, rank, percent="87.50", name=None):
    return {
        "org_unit_id": unit.pk,
        "unit_name": name or unit.name,
        "unit_code": unit.code,
        "total": "10.50",
        "maximum": "12.00",
        "percent": percent,
        "self_points": "11.00",
        "self_max": "12.00",
        "gap": "0.50",
        "rank": rank,
        "band": "Tốt",
        "band_colour": "good",
        "is_complete": True,
    }


class ApiTestCase(BaseTestCase):
    def setUp(self):
        cache.clear()

    def get(self, url, token=None, **params):
        headers = bearer(token) if token else {}
        return self.client.get(url, params, headers=headers)

    def walk(self, url, token, limit):
        """Every item of a list, page by page, and the number of pages."""
        items, cursor, pages = [], None, 0
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            response = self.get(url, token, **params)
            assert response.status_code == 200, response.content
            body = response.json()
            items += body["items"]
            pages += 1
            cursor = body["next"]
            if cursor is None:
                return items, pages


class UnitTests(ApiTestCase):
    def test_cursor_walks_every_unit_once(self):
        _client, token = make_client(self.cast, scopes=["units:read"])
        for number in range(7):
            org_unit_create(
                actor=None,
                code=f"X9{number:03d}",
                name=f"Phường {number}",
                kind="ward",
                parent=self.cast.city,
            )
        items, pages = self.walk("/api/v1/units/", token, limit=3)
        codes = [item["code"] for item in items]
        assert len(codes) == len(set(codes)) == 13  # 6 of the cast and 7 new
        assert pages == 5
        tree, _pages = self.walk(f"/api/v1/units/{self.cast.city.code}/tree", token, limit=2)
        assert {item["code"] for item in tree} >= {"H436", "X18070", "X9006"}
        assert "T42" not in {item["code"] for item in tree}

    def test_one_unit_by_code_or_id_and_a_bad_cursor(self):
        _client, token = make_client(self.cast, scopes=["units:read"])
        by_code = self.get(f"/api/v1/units/{self.cast.ward_a.code}", token).json()
        by_id = self.get(f"/api/v1/units/{self.cast.ward_a.pk}", token).json()
        assert by_code == by_id and by_code["parent_code"] == "H436"
        assert self.get("/api/v1/units/NOPE", token).status_code == 404
        response = self.get("/api/v1/units/", token, cursor="!!not-a-cursor")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"
        response = self.get("/api/v1/units/", token, limit=501)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    def test_the_list_reads_a_fixed_number_of_queries(self):
        _client, token = make_client(self.cast, scopes=["units:read"])
        self.get("/api/v1/units/", token)  # the last-use mark is written once a minute

        def count(extra):
            for number in range(extra):
                org_unit_create(
                    actor=None,
                    code=f"Q{extra}-{number}",
                    name=f"Xã {number}",
                    kind="commune",
                    parent=self.cast.city,
                )
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                assert self.get("/api/v1/units/", token).status_code == 200
            return len(queries)

        # The client with its user, its memberships, the page of units with their parents.
        with self.assertNumQueries(3):
            self.get("/api/v1/units/", token)
        assert count(2) == count(20) == 3


class VietnameseRefusalTests(ApiTestCase):
    def test_a_wrong_choice_and_a_wrong_cursor_are_refused_wholly_in_vietnamese(self):
        """pydantic joined the choices with an English "or", and a wrong cursor's field
        message was "invalid cursor" (found by a new-user walk)."""
        _client, token = make_client(self.cast, scopes=["units:read", "rounds:read"])
        headers = {**bearer(token), "Accept-Language": "vi"}
        body = self.client.get("/api/v1/rounds/", {"status": "bogus"}, headers=headers).json()
        message = body["errors"][0]["message"]
        assert message.startswith("Hãy ghi một trong các giá trị: 'draft', 'open'"), message
        assert " or " not in message, message
        body = self.client.get("/api/v1/units/", {"cursor": "garbage"}, headers=headers).json()
        assert body["errors"][0]["message"] == body["detail"]
        assert "invalid" not in body["errors"][0]["message"]


class RoundTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = make_round(cls.cast)
        criterion = Criterion.objects.get(framework=cls.round.framework, code="1.1")
        score_save(
            actor=cls.cast.ward_officer,
            assessment=assessment_of(cls.round, cls.cast.ward_a),
            criterion=criterion,
            data={"answer": "yes"},
        )

    def test_a_ward_client_reads_its_own_assessment_never_another_wards(self):
        _client, token = make_client(
            self.cast, name="Phường A", unit="ward_a", role=Role.UNIT_OFFICER
        )
        own = self.get(f"/api/v1/rounds/{self.round.pk}/units/{self.cast.ward_a.code}", token)
        assert own.status_code == 200, own.content
        body = own.json()
        score = next(s for s in body["scores"] if s["criterion_code"] == "1.1")
        assert score["self_points"] == "2.50"  # a decimal string, never a float
        assert body["shows_appraisal"] is False and score["appraised_points"] is None
        other = self.get(f"/api/v1/rounds/{self.round.pk}/units/{self.cast.ward_b.code}", token)
        assert other.status_code == 404
        assert other["Content-Type"] == "application/problem+json"
        # The ranking of an open round is not the unit's to read (the results page's rule).
        results = self.get(f"/api/v1/rounds/{self.round.pk}/results", token)
        assert results.status_code == 403

    def test_the_city_reads_every_assessment_and_the_live_ranking(self):
        _client, token = make_client(self.cast)
        response = self.get(f"/api/v1/rounds/{self.round.pk}/units/{self.cast.ward_b.code}", token)
        assert response.status_code == 200
        # An open round has nothing appraised yet: no appraised figures, for anyone.
        assert response.json()["shows_appraisal"] is False
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.APPRAISAL)
        response = self.get(f"/api/v1/rounds/{self.round.pk}/units/{self.cast.ward_b.code}", token)
        assert response.json()["shows_appraisal"] is True
        rounds = self.get("/api/v1/rounds/", token).json()
        assert [item["id"] for item in rounds["items"]] == [self.round.pk]
        results = self.get(f"/api/v1/rounds/{self.round.pk}/results", token)
        assert results.status_code == 200

    def test_a_client_without_results_read_is_refused(self):
        _client, token = make_client(self.cast, scopes=["rounds:read"])
        response = self.get(f"/api/v1/rounds/{self.round.pk}/results", token)
        assert response.status_code == 403
        assert "results:read" in response.json()["detail"]

    def test_published_results_have_decimal_strings(self):
        publish(self.round, [frozen_row(self.cast.ward_a, 1), frozen_row(self.cast.ward_b, 2)])
        _client, token = make_client(self.cast, unit="ward_b", role=Role.UNIT_CHAIR)
        response = self.get(f"/api/v1/rounds/{self.round.pk}/results", token)
        assert response.status_code == 200
        rows = response.json()["items"]
        assert [row["unit_code"] for row in rows] == ["X18070", "X18073"]
        assert rows[0]["percent"] == "87.50" and rows[0]["total"] == "10.50"

    def test_frameworks_and_their_criteria(self):
        _client, token = make_client(self.cast, scopes=["frameworks:read"])
        listed = self.get("/api/v1/frameworks/", token).json()["items"]
        assert self.round.framework_id in [item["id"] for item in listed]
        detail = self.get(f"/api/v1/frameworks/{self.round.framework_id}", token).json()
        criterion = next(c for c in detail["criteria"] if c["code"] == "2.1")
        assert criterion["max_points"] == "5.00"
        assert criterion["rule_text"].startswith("tiers")
        assert criterion["agency_code"] == "H436-TP"

    def test_evidence_metadata(self):
        from cchc.assessments.services import evidence_cite

        _client, token = make_client(self.cast)
        assessment = assessment_of(self.round, self.cast.ward_a)
        criterion = Criterion.objects.get(framework=self.round.framework, code="1.1")
        evidence_cite(
            actor=self.cast.ward_officer,
            assessment=assessment,
            criterion=criterion,
            title="Kế hoạch CCHC 2026",
            document_number="12/KH-UBND",
            document_date=datetime.date(2026, 1, 5),
        )
        url = f"/api/v1/rounds/{self.round.pk}/units/{self.cast.ward_a.code}/scores/1.1/evidence"
        items = self.get(url, token).json()
        assert [(i["title"], i["document_number"]) for i in items] == [
            ("Kế hoạch CCHC 2026", "12/KH-UBND")
        ]
        assert items[0]["download_url"] is None  # a cited document has no file
