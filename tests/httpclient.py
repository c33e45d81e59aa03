"""A browser reduced to what the load test and the HTTP benchmarks need against a real server:
a cookie jar, the login with its CSRF token, and htmx-style POSTs; and that real server
(gunicorn on a free port, DEBUG off) started and waited for."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    *,
    workers: int,
    environment: dict[str, str],
    options: Sequence[str] = (),
    log_level: str = "warning",
) -> tuple["subprocess.Popen[bytes]", int]:
    """The project's server on a free port, as production runs it but on plain HTTP; returns
    the process and its port once a worker answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *options,
            "--log-level",
            log_level,
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            **environment,
        },
    )
    return server, port


def wait_until_serving(port: int, limit: float = 120) -> float:
    """Seconds until a worker answers /app/health/ (the workers' start time on this machine)."""
    started = time.perf_counter()
    probe = HttpSession(port)
    while probe.request("GET", "/app/health/")[0] != 200:
        if time.perf_counter() - started > limit:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    return time.perf_counter() - started


class HttpSession:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.errors = 0  # requests cut off (the connection failed or was reset)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Any = None
    ) -> tuple[int, str]:
        """(status, text); (0, "") when the server never answered. A GET is tried again; a
        POST is not (its outcome is unknown: it may have landed)."""
        for _attempt in range(6):
            link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                sent = {"Host": "127.0.0.1", **(headers or {})}
                if self.cookies:
                    sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                link.request(method, path, body=body, headers=sent)
                response = link.getresponse()
                text = response.read().decode("utf-8", "replace")
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie":
                        name, _, rest = value.partition("=")
                        self.cookies[name] = rest.split(";", 1)[0]
                return response.status, text
            except (OSError, http.client.HTTPException):
                self.errors += 1
                if method == "POST":
                    return 0, ""
                time.sleep(0.2)
            finally:
                link.close()
        return 0, ""

    def login(self, username: str, password: str, attempts: int = 5) -> bool:
        for _attempt in range(attempts):
            self.request("GET", "/accounts/login/")
            fields = {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            }
            status, _text = self.request(
                "POST",
                "/accounts/login/",
                urlencode(fields).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": "http://127.0.0.1/",
                },
            )
            if status == 302 and "sessionid" in self.cookies:
                return True
        return False

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        """A POST as the pages' htmx sends it, with the CSRF token."""
        return self.request(
            "POST",
            path,
            body,
            {
                "Content-Type": content_type,
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "HX-Request": "true",
                "Referer": "http://127.0.0.1/",
            },
        )

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        return self.post(path, urlencode(fields).encode(), "application/x-www-form-urlencoded")
