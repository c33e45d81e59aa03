"""Every URL × every role: the expected status, and a failure when a URL has no expectation.

A case names the URL, how to build its arguments from the cast, the method, and the status
each persona must get. `None` as the persona means an anonymous visitor. Statuses: 200 shown,
302 redirected (to login for anonymous, or after a successful POST), 400 refused input,
403 not allowed, 404 hidden, 405 wrong method.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cchc.accounts.models import Membership
from cchc.accounts.services import membership_add
from cchc.core.roles import Role
from cchc.core.testing import PERSONAS, BaseTestCase, Cast
from cchc.frameworks.tests.factories import make_framework

ANONYMOUS = "anonymous"
ALL = [ANONYMOUS, *PERSONAS]
LOGGED_IN = PERSONAS
KEEPERS = {"admin", "home_affairs"}
# Namespaces outside the product: Django's admin back door has its own staff checks.
SKIPPED_NAMESPACES = {"admin"}


def statuses(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(PERSONAS, default)
    result[ANONYMOUS] = anonymous
    result.update(overrides)
    return result


def keepers_only(allowed: int = 200, refused: int = 403, **overrides: int) -> dict[str, int]:
    result = statuses(refused)
    for persona in KEEPERS:
        result[persona] = allowed
    result.update(overrides)
    return result


def admin_only(allowed: int = 200) -> dict[str, int]:
    return statuses(403, admin=allowed)


def fresh_membership(cast: Cast, unit_name: str) -> dict[str, Any]:
    user = cast.users["no_role"]
    unit = getattr(cast, unit_name)
    Membership.objects.filter(user=user, role=Role.INSPECTOR, org_unit=unit).update(is_active=False)
    membership = membership_add(actor=None, user=user, role=Role.INSPECTOR, org_unit=unit)
    return {"pk": membership.pk}


def published(cast: Cast) -> dict[str, Any]:
    return {"pk": make_framework(cast.city, publish=True, name="Published").pk}


def draft(cast: Cast, issuer: str = "city") -> dict[str, Any]:
    return {"pk": make_framework(getattr(cast, issuer), name=f"Draft {issuer}").pk}


def criterion_of(framework_pk: int, code: str = "1.2") -> dict[str, Any]:
    from cchc.frameworks.models import Criterion

    return {"pk": Criterion.objects.get(framework_id=framework_pk, code=code).pk}


@dataclass
class Case:
    url_name: str
    expected: dict[str, int]
    kwargs: Callable[[Cast], dict[str, Any]] = field(default=lambda cast: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""


CASES = [
    Case("core:home", statuses(200)),
    Case("core:health", statuses(200, anonymous=200)),
    Case("core:audit_list", keepers_only()),
    Case("accounts:login", statuses(302, anonymous=200)),
    Case("accounts:logout", statuses(405, anonymous=405), note="GET is refused"),
    Case("accounts:logout", statuses(302), method="post"),
    Case("accounts:profile", statuses(200)),
    Case("accounts:password_change", statuses(200)),
    Case("accounts:language_set", statuses(405, anonymous=405)),
    Case("accounts:language_set", statuses(302), method="post", data={"language": "vi"}),
    Case("accounts:user_list", keepers_only()),
    Case("accounts:user_create", keepers_only()),
    Case(
        "accounts:user_create",
        keepers_only(allowed=400),
        method="post",
        data={},
        note="invalid form",
    ),
    Case(
        "accounts:user_detail",
        keepers_only(refused=403),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        note="a user of ward A",
    ),
    Case(
        "accounts:user_detail",
        keepers_only(home_affairs=404, refused=403),
        kwargs=lambda cast: {"pk": cast.admin.pk},
        note="the admin's role is in the province, outside the city",
    ),
    Case(
        "accounts:membership_add",
        keepers_only(allowed=400),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
        method="post",
        note="empty form",
    ),
    Case(
        "accounts:membership_add",
        statuses(405, anonymous=405),
        kwargs=lambda cast: {"pk": cast.ward_officer.pk},
    ),
    Case(
        "accounts:membership_end",
        keepers_only(allowed=302),
        kwargs=lambda cast: fresh_membership(cast, "agency"),
        method="post",
    ),
    Case(
        "accounts:membership_end",
        keepers_only(home_affairs=403, allowed=302),
        kwargs=lambda cast: fresh_membership(cast, "other_province"),
        method="post",
        note="a role outside the city",
    ),
    Case("orgunits:unit_list", statuses(200)),
    Case("orgunits:unit_export_csv", statuses(200)),
    Case("orgunits:unit_export_geojson", statuses(200)),
    Case("orgunits:unit_detail", statuses(200), kwargs=lambda cast: {"pk": cast.ward_a.pk}),
    Case("orgunits:unit_detail", statuses(404), kwargs=lambda cast: {"pk": 999999}),
    Case("orgunits:unit_create", keepers_only()),
    Case("orgunits:unit_edit", keepers_only(), kwargs=lambda cast: {"pk": cast.ward_a.pk}),
    Case(
        "orgunits:unit_edit",
        keepers_only(home_affairs=403),
        kwargs=lambda cast: {"pk": cast.other_province.pk},
        note="outside the city",
    ),
    Case("orgunits:unit_import", admin_only()),
    Case("frameworks:framework_list", statuses(200)),
    Case("frameworks:framework_template", statuses(200)),
    Case("frameworks:framework_import", keepers_only()),
    Case("frameworks:framework_detail", statuses(200), kwargs=published),
    Case("frameworks:framework_detail", keepers_only(refused=404), kwargs=draft, note="draft"),
    Case(
        "frameworks:framework_detail",
        keepers_only(home_affairs=404, refused=404),
        kwargs=lambda cast: draft(cast, "other_province"),
        note="a draft of another province",
    ),
    Case("frameworks:framework_edit", keepers_only(), kwargs=draft),
    Case("frameworks:framework_publish", keepers_only(302), kwargs=draft, method="post"),
    Case("frameworks:framework_publish", statuses(405, anonymous=405), kwargs=draft),
    Case("frameworks:framework_copy", keepers_only(302), kwargs=published, method="post"),
    Case("frameworks:framework_archive", keepers_only(302), kwargs=published, method="post"),
    Case("frameworks:framework_diff", statuses(200), kwargs=published),
    Case("frameworks:framework_export_xlsx", statuses(200), kwargs=published),
    Case("frameworks:framework_export_csv", statuses(200), kwargs=published),
    Case("frameworks:framework_export_csv", keepers_only(refused=404), kwargs=draft, note="draft"),
    Case("frameworks:criterion_create", keepers_only(), kwargs=draft),
    Case(
        "frameworks:criterion_edit",
        keepers_only(),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
    ),
    Case(
        "frameworks:criterion_delete",
        keepers_only(302),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
        method="post",
    ),
    Case(
        "frameworks:criterion_preview",
        statuses(200),
        kwargs=lambda cast: criterion_of(published(cast)["pk"]),
    ),
    Case(
        "frameworks:criterion_preview",
        keepers_only(refused=404),
        kwargs=lambda cast: criterion_of(draft(cast)["pk"]),
        note="draft",
    ),
]


# Common English words that never appear in a Vietnamese page unless a string escaped translation.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|your|you|Select|option|Please|This|is|are|required|Save|Cancel|Search|"
    r"Log in|Log out|Password|Username|None|True|False)\b"
)
HIDDEN_PARTS = re.compile(r"<(script|style|code|title)[^>]*>.*?</\1>|<[^>]+>", re.DOTALL)


def english_left_in(html: str) -> list[str]:
    """Return English words visible in a page that should be all Vietnamese."""
    return sorted(set(ENGLISH_WORDS.findall(HIDDEN_PARTS.sub(" ", html))))


def product_url_names() -> set[str]:
    """Return "namespace:name" for every named URL of the product."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


class PermissionMatrixTests(BaseTestCase):
    def test_every_url_has_an_expectation(self):
        covered = {case.url_name for case in CASES}
        missing = product_url_names() - covered
        assert not missing, f"URLs with no permission expectation: {sorted(missing)}"

    def test_every_role_gets_the_expected_status_on_every_url(self):
        failures = []
        for case in CASES:
            assert set(case.expected) == set(ALL), (
                f"{case.url_name}: expectations for every persona"
            )
            for persona in ALL:
                self.client.logout()
                if persona != ANONYMOUS:
                    self.login(persona)
                url = reverse(case.url_name, kwargs=case.kwargs(self.cast))
                response = getattr(self.client, case.method)(url, case.data)
                if response.status_code != case.expected[persona]:
                    failures.append(
                        f"{case.method.upper()} {case.url_name} {case.note} as {persona}: "
                        f"got {response.status_code}, expected {case.expected[persona]}"
                    )
                elif "text/html" in response.get("Content-Type", ""):
                    english = english_left_in(response.content.decode())
                    if english:
                        failures.append(f"{case.url_name} as {persona}: untranslated {english}")
        assert not failures, "\n".join(failures)
