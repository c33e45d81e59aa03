"""The API's documentation page (/api/v1/docs/) in a real Chromium under the site's Content
Security Policy: Swagger UI from the project's own static files (no CDN) lists the operations
of the OpenAPI document, and the page reports no CSP violation (conftest's watcher fails the
test on any) and no console error."""

from typing import Any

import pytest

from cchc.api.api import api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_lists_the_operations_under_the_csp(page: Any, live_server: Any):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    schema_paths = set(api.get_openapi_schema()["paths"])
    shown = {path.replace("\u200b", "").strip() for path in paths}
    assert shown == schema_paths
    assert page.locator(".opblock-summary-method").first.inner_text() == "GET"
    assert "CCHC API" in page.locator(".info .title").inner_text()
    # Everything came from this server: no CDN.
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert page.console_errors == []  # type: ignore[attr-defined]
