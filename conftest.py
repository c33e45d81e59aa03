"""Project-wide pytest setup: a real Chromium for browser tests, found on this machine."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_BROWSER_MESSAGE = (
    "BROWSER TESTS SKIPPED: no Chromium found (install it with `apt-get install chromium`). "
    "Set REQUIRE_BROWSER=1 to make this a failure."
)

# documents/tests/test_pdf_pages.py lays the DOCX files out with LibreOffice.
MISSING_LIBREOFFICE_MESSAGE = (
    "DOCX/PDF PAGE TESTS SKIPPED: no LibreOffice (soffice) to lay the Word files out (install "
    "it with `apt-get install --no-install-recommends libreoffice-writer-nogui`). "
    "Set REQUIRE_LIBREOFFICE=1 to make this a failure."
)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "chromium"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test is also `once`: what it drives is the same on either database, and
    CI's PostgreSQL pass leaves it to the SQLite one (.ci/run)."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.once)


def pytest_report_header(config: pytest.Config) -> str:
    path = chromium_path()
    return f"chromium: {path}" if path else f"chromium: NOT FOUND — {MISSING_BROWSER_MESSAGE}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if chromium_path() is None:
        terminalreporter.write_sep("!", MISSING_BROWSER_MESSAGE, red=True, bold=True)
    if shutil.which(os.environ.get("SOFFICE_PATH") or "soffice") is None:
        terminalreporter.write_sep("!", MISSING_LIBREOFFICE_MESSAGE, red=True, bold=True)


@pytest.fixture(scope="session")
def browser(live_server: Any) -> Iterator[Any]:
    # Asks for the live server so that it closes after the browser: Chromium's kept-alive
    # connections end while the server's request threads may still use the database.
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium was found at /usr/bin/chromium.")
        pytest.skip(MISSING_BROWSER_MESSAGE)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body (fixtures, assertions) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        open_context = chromium.new_context
        chromium.new_context = lambda *args, **kwargs: _watch_csp(  # type: ignore[method-assign]
            open_context(*args, **kwargs)
        )
        yield chromium
        chromium.close()


# Every Content Security Policy violation Chromium reports, on any page of any browser test
# (pages a test opens itself included); checked after each browser test.
CSP_VIOLATIONS: list[str] = []
_REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) =>
  console.error(
    `Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`));"""


def _watch_csp(context: Any) -> Any:
    context.add_init_script(_REPORT_VIOLATIONS)
    context.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(f"{message.page.url if message.page else ''}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return context


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    if "browser" in request.fixturenames and CSP_VIOLATIONS:
        pytest.fail(f"Content Security Policy violations: {CSP_VIOLATIONS}")


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The user answers "OK" to every "are you sure?" (tests that cancel say so themselves).
    page.accept_dialogs = lambda dialog: dialog.accept()  # type: ignore[attr-defined]
    page.on("dialog", page.accept_dialogs)  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)  # type: ignore[attr-defined]
            if message.type == "error"
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            page.console_errors.append(  # type: ignore[attr-defined]
                f"{response.status} {response.url}"
            )
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    yield page
    context.close()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    """Uploaded files of a test go to its own temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty local cache: a page cached by an earlier test (the
    portal's, keyed by a content version read from rows another test had at the same ids and
    times) is never served to the next one. A shared Redis (CACHE_URL) is left alone: there
    the content version is a token every save renews, and another suite may be using it."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def host_caches() -> Any:
    """A factory of app hosts' cache clients: each call is a new client of the same Redis, as
    another host would have (its own connections, no memory shared with the others). Skipped
    without a Redis at REDIS_TEST_URL, unless REQUIRE_REDIS=1 (CI), where that fails."""
    from django.conf import settings
    from django.core.cache.backends.redis import RedisCache

    def make() -> RedisCache:
        return RedisCache(
            REDIS_TEST_URL,
            {"KEY_PREFIX": f"{settings.CACHE_KEY_PREFIX}-hosts", "OPTIONS": {"socket_timeout": 2}},
        )

    probe = make()
    try:
        probe.get("probe")
    except Exception as error:  # noqa: BLE001 — any failure to reach Redis means "no Redis"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {REDIS_TEST_URL}: {error}")
        pytest.skip(f"No Redis at {REDIS_TEST_URL} (REQUIRE_REDIS=1 makes this a failure).")
    return make


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """Each test leaves Django speaking the site's default language. A request the API answers
    activates the language it asked for (English by default) on the thread and, outside a real
    server, nothing resets it: the next test class then built its cast (role labels, audit
    lines) in English, and the Vietnamese pages test found it."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
