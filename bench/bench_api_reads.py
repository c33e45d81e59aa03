"""The API's lists at the generator's scale (BENCH_SCALE=city|province|nation; the nation is
3,321 communes): server time of one page (Django's whole request path in this process, median
of 5, a client's bearer token) and its queries, for the first page and a page deep in the list
(followed by cursor), against the 100 ms the issue allows. The client is the Home Affairs
office at the top of the generated tree holding every read scope, so every list is as long as
it gets."""

import json
from typing import Any

from common import median_seconds, report, setup_django
from generate import dataset

setup_django()

from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from cchc.api.models import READ_SCOPES  # noqa: E402
from cchc.api.services import client_create  # noqa: E402
from cchc.core.roles import Role  # noqa: E402

LIMIT_SECONDS = 0.1
PAGE = 100
DEEP_PAGES = 10  # the "deep" page: the eleventh, reached by cursors


def main() -> None:
    data = dataset()
    token = client_create(
        actor=None,
        name="Bench reader",
        org_unit=data.top,
        role=Role.HOME_AFFAIRS,
        scopes=READ_SCOPES,
    ).token
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    unit = data.units[len(data.units) // 2]
    lists = {
        "units": "/api/v1/units/",
        "unit_tree": f"/api/v1/units/{data.top.code}/tree",
        "rounds": "/api/v1/rounds/",
        "round_results": f"/api/v1/rounds/{data.first.pk}/results",
        "visits": "/api/v1/inspections/visits",
        "findings": "/api/v1/inspections/findings",
        "recommendations": "/api/v1/inspections/recommendations",
        "documents": "/api/v1/documents/",
    }
    figures_query = {"year": 2025, "period": "annual"}
    singles = {
        "assessment_150_scores": f"/api/v1/rounds/{data.first.pk}/units/{unit.code}",
        "open_ranking_whole": f"/api/v1/open/rounds/{data.first.pk}/ranking",
    }
    figures: dict[str, Any] = {"units": len(data.units), "page": PAGE}
    worst = 0.0

    def get(url: str, params: dict[str, Any]) -> Any:
        answer = client.get(url, params, headers=headers)
        assert answer.status_code == 200, (url, answer.status_code, answer.content[:300])
        return answer

    def measure(name: str, url: str, params: dict[str, Any]) -> None:
        nonlocal worst
        get(url, params)  # warm
        reset_queries()  # a request's start empties the log: count from an empty one
        with CaptureQueriesContext(connection) as queries:
            get(url, params)
        figures[f"{name}_queries"] = len(queries)  # now: the next request empties the log
        seconds = median_seconds(lambda: get(url, params), repeat=5)
        figures[f"{name}_seconds"] = seconds
        worst = max(worst, seconds)

    with override_settings(API_RATE_LIMIT_PER_MINUTE=1_000_000):
        cache.clear()
        for name, url in lists.items():
            measure(name, url, {"limit": PAGE})
            cursor, pages = None, 0
            while pages < DEEP_PAGES:
                body = json.loads(
                    get(url, {"limit": PAGE, **({"cursor": cursor} if cursor else {})}).content
                )
                cursor = body["next"]
                pages += 1
                if cursor is None:
                    break
            if cursor is not None:
                measure(f"{name}_page_{DEEP_PAGES + 1}", url, {"limit": PAGE, "cursor": cursor})
        measure("indicator_figures", "/api/v1/indicators/figures", {"limit": PAGE, **figures_query})
        for name, url in singles.items():
            measure(name, url, {})
    figures["worst_page_seconds"] = worst
    figures["limit_seconds"] = LIMIT_SECONDS
    figures["worst_vs_limit"] = worst / LIMIT_SECONDS
    report(f"api_reads_{data.scale}", figures)


if __name__ == "__main__":
    main()
