"""The integration API's permission matrix: every operation of the OpenAPI document × every
persona's session (cchc.core.testing.PERSONA_ROLES) and anonymous × integration clients.

The operations are read from the API's own document (`api.get_openapi_schema()`): a new
endpoint without a row here fails `test_every_operation_has_a_row`. The clients:

- `city`: a client of the city as its Home Affairs keeper, holding the endpoint's scope;
- `ward`: a client of ward A as its officer, holding the endpoint's scope;
- `unscoped`: ward A's officer holding every scope BUT the endpoint's (always 403, naming it);
- `other_ward`: a client of ward B as its officer, holding every scope.

Statuses: 200/201 answered, 401 no token or session, 403 not the role's or not the scope,
404 not there or not the caller's to read, 409/422 a write the owner may make but refused on
its content (acceptable for the owner only). Every refused write is checked to have changed
nothing (the rows it would write, snapshotted before and after).
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from cchc.api.api import api
from cchc.api.models import ApiScope, IntegrationClient
from cchc.api.services import client_revoke
from cchc.api.tests.helpers import bearer, make_client
from cchc.api.tests.test_read import frozen_row, publish
from cchc.assessments.models import Score
from cchc.assessments.services import score_save
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.roles import Role
from cchc.core.testing import PERSONA_ROLES, PERSONAS, BaseTestCase
from cchc.documents import services as documents
from cchc.frameworks.models import Criterion
from cchc.indicators.models import Directive, Dossier, DossierMonth
from cchc.inspections.models import (
    Finding,
    Inspection,
    ProgressReport,
    RemediationAction,
)
from cchc.inspections.tests.factories import approved_inspection, to_status

ANONYMOUS = "anonymous"
CLIENTS = ["city", "ward", "unscoped", "other_ward"]
CALLERS = [ANONYMOUS, *PERSONAS, *CLIENTS]
ALL_SCOPES = [scope.value for scope in ApiScope]
# A write refused on its content is still the owner's to make.
OWNER_REFUSALS = {409, 422}


def expect(default: int = 200, *, anonymous: int = 401, **overrides: int) -> dict[str, int]:
    """A status for every caller: `default` for every persona and client, 401 anonymous, 403
    for the account without a role and for the client without the scope, then overrides."""
    result = dict.fromkeys(CALLERS, default)
    result.update(anonymous=anonymous, no_role=403, unscoped=403)
    result.update(overrides)
    return result


def reader(default: int = 200, **overrides: int) -> dict[str, int]:
    """A read every reading role may make: the portal's editors read no round, inspection,
    document or figure (their capabilities), so 403."""
    return expect(default, portal_editor=403, **overrides)


def public() -> dict[str, int]:
    """Open data: anyone, with or without a token (the token is not asked for)."""
    return dict.fromkeys(CALLERS, 200)


# The visit (ward A's, not published): as the page matrix's SEES_VISIT, the city's inspector
# persona sits on no team of it (404), ward B never reads it.
SEES_VISIT = reader(inspector=404, outsider=404, other_ward=404)


@dataclass
class World:
    """The records the operations are called on, made once through the services."""

    round_id: int  # open: ward A has filled 1.1
    published_id: int  # published with its frozen table
    framework_id: int
    plan_id: int
    visit_id: int
    action_id: int
    document_id: int


@dataclass
class Row:
    method: str
    path: str
    scope: str | None  # None: open data
    expected: dict[str, int]
    params: Callable[[World], dict[str, Any]] = lambda world: {}
    query: dict[str, Any] = field(default_factory=dict)
    body: Callable[[int], Any] | None = None  # the call's number → JSON body
    state: Callable[[], Any] | None = None  # what a refused write must leave as it was
    ok: frozenset[int] = frozenset({200})


def unit_a(world: World) -> dict[str, Any]:
    return {"unit": "X18070"}


def dossiers_state() -> Any:
    return (
        list(Dossier.objects.order_by("code").values_list("code", "org_unit_id", "status")),
        list(DossierMonth.objects.order_by("pk").values_list("pk", "received", "finished")),
    )


def dossier_batch(number: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "code": f"MATRIX.{number}",
                "procedure_code": "1.001612",
                "procedure_name": "Đăng ký khai sinh",
                "unit": "X18070",
                "received_at": "2026-01-05T08:30:00+07:00",
                "due_at": "2026-01-07",
            }
        ]
    }


def directives_state() -> Any:
    return list(Directive.objects.order_by("pk").values_list("number", "org_unit_id", "deadline"))


def directive_batch(number: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "number": f"{number}/TB-UBND",
                "issued_on": "2026-01-05",
                "content": "Rà soát thủ tục hành chính",
                "deadline": "2026-02-05",
                "unit": "X18070",
            }
        ]
    }


def scores_state() -> Any:
    return list(
        Score.objects.order_by("pk").values_list(
            "pk", "inputs", "self_points", "self_explanation", "updated_at"
        )
    )


def score_body(number: int) -> dict[str, Any]:
    return {"inputs": {"numerator": 1 + number % 3, "denominator": 4}, "explanation": "Sổ"}


def reports_state() -> Any:
    return (
        list(ProgressReport.objects.order_by("pk").values_list("pk", "text", "is_done")),
        list(RemediationAction.objects.order_by("pk").values_list("pk", "status")),
    )


ROWS = [
    # --- Units: every role reads names and codes (orgunits.selectors). ---
    Row("get", "/api/v1/units/", "units:read", expect()),
    Row("get", "/api/v1/units/{unit}", "units:read", expect(), params=unit_a),
    Row("get", "/api/v1/units/{unit}/tree", "units:read", expect(), params=unit_a),
    # --- Frameworks: published ones for everyone. ---
    Row("get", "/api/v1/frameworks/", "frameworks:read", expect()),
    Row(
        "get",
        "/api/v1/frameworks/{framework_id}",
        "frameworks:read",
        expect(),
        params=lambda w: {"framework_id": w.framework_id},
    ),
    # --- Rounds: the city's round is read by its readers and by its units; ward B's people
    # read the round but never ward A's assessment. ---
    Row("get", "/api/v1/rounds/", "rounds:read", reader()),
    Row(
        "get",
        "/api/v1/rounds/{round_id}",
        "rounds:read",
        reader(),
        params=lambda w: {"round_id": w.round_id},
    ),
    Row(
        "get",
        "/api/v1/rounds/{round_id}/units/{unit}",
        "rounds:read",
        reader(outsider=404, other_ward=404),
        params=lambda w: {"round_id": w.round_id, "unit": "X18070"},
    ),
    Row(
        "get",
        "/api/v1/rounds/{round_id}/units/{unit}/scores/{criterion_code}/evidence",
        "rounds:read",
        reader(outsider=404, other_ward=404),
        params=lambda w: {"round_id": w.round_id, "unit": "X18070", "criterion_code": "1.1"},
    ),
    # Before publication the ranking is its keepers' and readers' only, never a unit's.
    Row(
        "get",
        "/api/v1/rounds/{round_id}/results",
        "results:read",
        reader(ward_officer=403, ward_chair=403, outsider=403, ward=403, other_ward=403),
        params=lambda w: {"round_id": w.round_id},
    ),
    # --- Open data: published rounds only, no token needed. ---
    Row("get", "/api/v1/open/rounds/", None, public()),
    Row(
        "get",
        "/api/v1/open/rounds/{round_id}/ranking",
        None,
        public(),
        params=lambda w: {"round_id": w.published_id},
    ),
    Row(
        "get",
        "/api/v1/open/rounds/{round_id}/ranking.csv",
        None,
        public(),
        params=lambda w: {"round_id": w.published_id},
    ),
    Row(
        "get",
        "/api/v1/open/rounds/{round_id}/units/{code}",
        None,
        public(),
        params=lambda w: {"round_id": w.published_id, "code": "X18070"},
    ),
    # --- Inspections: the visit is ward A's; ward B never reads it. ---
    Row("get", "/api/v1/inspections/plans", "inspections:read", reader()),
    Row(
        "get",
        "/api/v1/inspections/plans/{plan_id}",
        "inspections:read",
        # A ward reads its city's plans through its own visits only (the plan page's rule).
        reader(ward_officer=404, ward_chair=404, outsider=404, ward=404, other_ward=404),
        params=lambda w: {"plan_id": w.plan_id},
    ),
    Row("get", "/api/v1/inspections/visits", "inspections:read", reader()),
    Row(
        "get",
        "/api/v1/inspections/visits/{visit_id}",
        "inspections:read",
        SEES_VISIT,
        params=lambda w: {"visit_id": w.visit_id},
    ),
    Row("get", "/api/v1/inspections/findings", "inspections:read", reader()),
    Row("get", "/api/v1/inspections/recommendations", "inspections:read", reader()),
    Row("get", "/api/v1/inspections/root-causes", "inspections:read", reader()),
    # --- Issued documents: whoever reads the visit reads its notice. ---
    Row("get", "/api/v1/documents/", "documents:read", reader()),
    Row(
        "get",
        "/api/v1/documents/{document_id}",
        "documents:read",
        SEES_VISIT,
        params=lambda w: {"document_id": w.document_id},
    ),
    # --- Indicator figures: each reader's units (a ward its own). ---
    Row(
        "get",
        "/api/v1/indicators/figures",
        "indicators:read",
        reader(),
        query={"year": 2026, "period": "h1"},
    ),
    # --- Writes. ---
    # Dossiers: whoever imports them in the pages (the keepers), for the units they keep.
    Row(
        "post",
        "/api/v1/dossiers/batch",
        "dossiers:write",
        expect(
            403,
            admin=200,
            home_affairs=200,
            city=200,
        ),
        body=dossier_batch,
        state=dossiers_state,
    ),
    # Directives: the same people, for the units they keep.
    Row(
        "post",
        "/api/v1/directives/batch",
        "dossiers:write",
        expect(
            403,
            admin=200,
            home_affairs=200,
            city=200,
        ),
        body=directive_batch,
        state=directives_state,
    ),
    # A score: ward A's officer and chair fill ward A's self-assessment (409 when a save
    # without the version it read would overwrite another's); no reader writes it.
    Row(
        "put",
        "/api/v1/rounds/{round_id}/units/{unit}/scores/{criterion_code}",
        "scores:write",
        expect(
            403,
            ward_officer=200,
            ward_chair=200,
            ward=200,
            outsider=404,
            other_ward=404,
        ),
        params=lambda w: {"round_id": w.round_id, "unit": "X18070", "criterion_code": "2.2"},
        body=score_body,
        state=scores_state,
        ok=frozenset({200}),
    ),
    # A remediation report: the action's owner (ward A) reports; the others who read the visit
    # may not (403); ward B does not read it (404).
    Row(
        "post",
        "/api/v1/remediation-actions/{action_id}/reports",
        "remediation:write",
        expect(
            403,
            ward_officer=201,
            ward_chair=201,
            ward=201,
            outsider=404,
            inspector=404,
            other_ward=404,
        ),
        params=lambda w: {"action_id": w.action_id},
        body=lambda number: {"text": f"Đã làm, lần {number}"},
        state=reports_state,
        ok=frozenset({201}),
    ),
]


def operations() -> set[tuple[str, str]]:
    """(method, path) of every operation of the API's OpenAPI document."""
    schema = api.get_openapi_schema()
    return {(method, path) for path, ops in schema["paths"].items() for method in ops}


class ApiPermissionMatrixTests(BaseTestCase):
    world: World
    tokens: dict[str, str]

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cast = cls.cast
        round_ = make_round(cast)
        score_save(
            actor=cast.ward_officer,
            assessment=assessment_of(round_, cast.ward_a),
            criterion=Criterion.objects.get(framework=round_.framework, code="1.1"),
            data={"answer": "yes"},
        )
        published = publish(
            make_round(cast, name="Bộ chỉ số đã công bố"),
            [frozen_row(cast.ward_a, 1), frozen_row(cast.ward_b, 2)],
        )
        visit = to_status(cast, approved_inspection(cast, year=2026), Inspection.Status.CONCLUDED)
        assert Finding.objects.filter(inspection=visit).exists()
        notice = documents.issue(
            actor=None, kind="conclusion_notice", target=visit, signer_name="Trưởng đoàn"
        )
        cls.world = World(
            round_id=round_.pk,
            published_id=published.pk,
            framework_id=round_.framework_id,
            plan_id=visit.plan_id,
            visit_id=visit.pk,
            action_id=RemediationAction.objects.get(recommendation__inspection=visit).pk,
            document_id=notice.pk,
        )
        cls.tokens = {}
        for name, unit, role in (
            ("city", "city", Role.HOME_AFFAIRS),
            ("ward", "ward_a", Role.UNIT_OFFICER),
            ("other_ward", "ward_b", Role.UNIT_OFFICER),
        ):
            _client, cls.tokens[name] = make_client(
                cast, name=f"Ma trận {name}", unit=unit, role=role, scopes=ALL_SCOPES
            )

    def token_for(self, caller: str, row: Row) -> str | None:
        if caller == "unscoped":
            _client, token = make_client(
                self.cast,
                name=f"Thiếu {row.scope}",
                unit="ward_a",
                role=Role.UNIT_OFFICER,
                scopes=[scope for scope in ALL_SCOPES if scope != row.scope],
            )
            return token
        return self.tokens.get(caller)

    def call(self, row: Row, caller: str, number: int) -> Any:
        cache.clear()  # each call on its own rate-limit counter
        self.client.logout()
        headers: dict[str, str] = {}
        if caller in PERSONA_ROLES:
            self.login(caller)
        elif caller in CLIENTS:
            headers = bearer(self.token_for(caller, row) or "", "vi")
        url = row.path.format(**row.params(self.world))
        if row.body is None:
            return self.client.get(url, row.query, headers=headers)
        return getattr(self.client, row.method)(
            url,
            json.dumps(row.body(number)),
            content_type="application/json",
            headers=headers,
        )

    def test_every_operation_has_a_row(self):
        rows = [(row.method, row.path) for row in ROWS]
        assert len(rows) == len(set(rows)), "one row per operation"
        missing = operations() - set(rows)
        assert not missing, f"API operations with no permission row: {sorted(missing)}"
        assert not set(rows) - operations(), "rows for operations the API no longer has"

    def test_every_caller_gets_the_expected_status_on_every_operation(self):
        failures = []
        number = 0
        for row in ROWS:
            assert set(row.expected) == set(CALLERS), f"{row.path}: a status for every caller"
            written = 0
            for caller in CALLERS:
                number += 1
                before = row.state() if row.state else None
                response = self.call(row, caller, number)
                got, wanted = response.status_code, row.expected[caller]
                owner = wanted in row.ok
                allowed = (row.ok | OWNER_REFUSALS) if owner and row.body else {wanted}
                label = f"{row.method.upper()} {row.path} as {caller}"
                if got not in allowed:
                    failures.append(f"{label}: got {got}, expected {wanted}")
                    continue
                if got >= 400 and response["Content-Type"] != "application/problem+json":
                    failures.append(f"{label}: a refusal that is not a problem")
                if (
                    caller == "unscoped"
                    and row.scope
                    and row.scope not in response.json()["detail"]
                ):
                    failures.append(f"{label}: the refusal does not name {row.scope}")
                if row.state and got not in row.ok and row.state() != before:
                    failures.append(f"{label}: refused ({got}) but changed the data")
                if row.state and got in row.ok:
                    written += 1
                    if row.state() == before:
                        failures.append(f"{label}: answered {got} but wrote nothing")
            if row.body and not written:
                failures.append(f"{row.method.upper()} {row.path}: no owner's write went through")
        assert not failures, "\n".join(failures)

    def test_a_revoked_or_expired_client_is_refused_everywhere(self):
        revoked, revoked_token = make_client(self.cast, name="Thu hồi", scopes=ALL_SCOPES)
        client_revoke(actor=self.cast.admin, client=revoked)
        expired, expired_token = make_client(
            self.cast,
            name="Hết hạn",
            scopes=ALL_SCOPES,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
        # A day later (the service refuses an expiry in the past, so the row is moved).
        IntegrationClient.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        for row in ROWS:
            if row.scope is None:
                continue
            for token in (revoked_token, expired_token):
                cache.clear()
                url = row.path.format(**row.params(self.world))
                before = row.state() if row.state else None
                response = getattr(self.client, row.method)(
                    url,
                    json.dumps(row.body(0)) if row.body else row.query,
                    **({"content_type": "application/json"} if row.body else {}),
                    headers=bearer(token),
                )
                assert response.status_code == 401, (row.path, response.status_code)
                if row.state:
                    assert row.state() == before, row.path
