"""Requests per second of the public portal on the project's real server (gunicorn, 2 workers
on this 2-core machine, DEBUG off): the front page and an article page (both cached, the
article with its comment form and verification code), against a static file served by the
same server in the same run (the limit). 8 clients with keep-alive for 5 s each; the clients
run in this process, so the figures are a floor, and their ratio is what to compare.

The server uses the shared cache production uses (CACHE_URL; else the Redis on 127.0.0.1:6379
when one answers, under a key prefix of its own): the front page is kept whole only where the
content's version lives in a cache all processes share (cchc/portal/cache.py). Also measured: the
front page asked again with its ETag (If-None-Match), answered 304."""

import http.client
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import report, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from cchc.orgunits.services import org_unit_create  # noqa: E402
from cchc.portal import services  # noqa: E402
from tests.httpclient import start_gunicorn, wait_until_serving  # noqa: E402

CLIENTS = 8
SECONDS = 5.0


def content() -> str:
    """A city, a ward, and the article as the portal shows it; returns the article's path."""
    province = org_unit_create(actor=None, code="BENCH-T", name="Tỉnh (benchmark)", kind="province")
    city = org_unit_create(
        actor=None, code="BENCH-TP", name="Thành phố (benchmark)", kind="city", parent=province
    )
    ward = org_unit_create(
        actor=None, code="BENCH-P1", name="Phường 1 (benchmark)", kind="ward", parent=city
    )
    body = "".join(
        f"<p>Đoạn {n}: công tác cải cách hành chính được quan tâm chỉ đạo.</p>" for n in range(30)
    )
    article = services.article_save(
        actor=None,
        article=None,
        data={
            "title": "Một cuộc kiểm tra thay cho ba",
            "summary": "Tóm tắt",
            "body": body,
            "units": [ward],
        },
    )
    services.article_transition(actor=None, article=article, target="review")
    services.article_transition(actor=None, article=article, target="published")
    return article.get_absolute_url()


def shared_cache() -> dict[str, str]:
    """The server's cache settings: CACHE_URL if set, else the local Redis if it answers."""
    if os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL"):
        return {}
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        return {}
    return {
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": f"bench-portal-{secrets.token_hex(4)}",
    }


def etag_of(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag") or ""


def load(port: int, path: str, etag: str = "") -> tuple[float, int]:
    """Requests per second over SECONDS with CLIENTS keep-alive connections; and the errors.
    With an etag, each request sends it (If-None-Match) and a 304 is the expected answer."""
    headers = {"Host": "127.0.0.1", **({"If-None-Match": etag} if etag else {})}
    expected = 304 if etag else 200
    done = [0] * CLIENTS
    errors = [0] * CLIENTS
    stop = time.perf_counter() + SECONDS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == expected:
                    done[index] += 1
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started), sum(errors)


def main() -> int:
    article_path = content()
    static_root = Path(tempfile.mkdtemp(prefix="cchc-bench-static-"))
    settings.STATIC_ROOT = static_root
    call_command("collectstatic", interactive=False, verbosity=0)
    cache_environment = shared_cache()
    server, port = start_gunicorn(
        workers=2, environment={"STATIC_ROOT": str(static_root), **cache_environment}
    )
    try:
        wait_until_serving(port)
        for path in ("/static/css/base.css", "/", article_path):
            load(port, path)  # warm up: caches, connections, imports
        static_rps, static_errors = load(port, "/static/css/base.css")
        home_rps, home_errors = load(port, "/")
        article_rps, article_errors = load(port, article_path)
        etag = etag_of(port, "/")
        not_modified_rps, not_modified_errors = load(port, "/", etag) if etag else (0.0, 0)
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(
        "portal",
        {
            "server": "gunicorn, 2 workers",
            "cache": "redis" if cache_environment or os.environ.get("CACHE_URL") else "local",
            "clients": CLIENTS,
            "static_file_rps": static_rps,
            "front_page_rps": home_rps,
            "article_page_rps": article_rps,
            "front_page_vs_static": home_rps / static_rps if static_rps else None,
            "article_page_vs_static": article_rps / static_rps if static_rps else None,
            "front_page_304_rps": not_modified_rps,
            "front_page_304_vs_static": not_modified_rps / static_rps if static_rps else None,
            "errors": static_errors + home_errors + article_errors + not_modified_errors,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
