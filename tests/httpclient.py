"""A browser reduced to what the load test and the HTTP benchmarks need against a real server:
a cookie jar, the login with its CSRF token, and htmx-style POSTs."""

import http.client
import time
from typing import Any
from urllib.parse import urlencode


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
