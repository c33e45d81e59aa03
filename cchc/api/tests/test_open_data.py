"""Open data: published rounds only, JSON and CSV, ETag and a 304 on If-None-Match."""

from django.core.cache import cache

from cchc.api.tests.test_read import frozen_row, publish
from cchc.assessments.tests.factories import make_round
from cchc.core.testing import BaseTestCase


class OpenDataTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def test_nothing_unpublished_is_reachable(self):
        round_ = make_round(self.cast)  # open, with live totals
        assert self.client.get("/api/v1/open/rounds/").json() == {"items": [], "next": None}
        for path in ("ranking", "ranking.csv", f"units/{self.cast.ward_a.code}"):
            response = self.client.get(f"/api/v1/open/rounds/{round_.pk}/{path}")
            assert response.status_code == 404, path
            assert response["Content-Type"] == "application/problem+json"

    def test_a_published_ranking_as_json_and_csv_with_its_etag(self):
        round_ = publish(
            make_round(self.cast),
            [frozen_row(self.cast.ward_a, 1), frozen_row(self.cast.ward_b, 2, name="=1+1")],
        )
        listed = self.client.get("/api/v1/open/rounds/").json()["items"]
        assert [item["id"] for item in listed] == [round_.pk]
        url = f"/api/v1/open/rounds/{round_.pk}/ranking"
        response = self.client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"
        etag = response["ETag"]
        rows = response.json()["rows"]
        assert [(r["unit_code"], r["rank"], r["percent"]) for r in rows][0] == (
            "X18070",
            1,
            "87.50",
        )
        again = self.client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == etag
        csv = self.client.get(f"{url}.csv", headers={"If-None-Match": '"other"'})
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        lines = csv.content.decode().splitlines()
        assert lines[0].startswith("unit_code,unit_name,rank")
        assert lines[1].startswith("X18070,Phường Trần Phú,1,87.50")
        assert "'=1+1" in lines[2]  # a formula stays text in a spreadsheet
        unit = self.client.get(f"/api/v1/open/rounds/{round_.pk}/units/X18073").json()
        assert unit["row"]["rank"] == 2
        assert (
            self.client.get(f"/api/v1/open/rounds/{round_.pk}/units/X18073.csv").status_code == 200
        )
        assert self.client.get(f"/api/v1/open/rounds/{round_.pk}/units/NOPE").status_code == 404

    def test_a_new_publication_changes_the_etag(self):
        round_ = publish(make_round(self.cast), [frozen_row(self.cast.ward_a, 1)])
        url = f"/api/v1/open/rounds/{round_.pk}/ranking"
        first = self.client.get(url)["ETag"]
        publish(round_, [frozen_row(self.cast.ward_a, 1, "90.00")])
        response = self.client.get(url, headers={"If-None-Match": first})
        assert response.status_code == 200 and response["ETag"] != first

    def test_the_list_of_rounds_keeps_its_queries(self):
        round_ = publish(make_round(self.cast), [frozen_row(self.cast.ward_a, 1)])
        # The page of published rounds with framework and organiser: one query.
        with self.assertNumQueries(1):
            assert self.client.get("/api/v1/open/rounds/").status_code == 200
        with self.assertNumQueries(1):  # the round; its table is on the row
            assert self.client.get(f"/api/v1/open/rounds/{round_.pk}/ranking").status_code == 200
