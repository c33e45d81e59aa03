"""The NinjaAPI of /api/v1/: its documentation, its problem handlers and its routers.

Adding an endpoint: docs/api.md, "Adding an endpoint" (a router in cchc/api/endpoints/, its
auth `scoped(...)`, the app's selector for the rule, `paginate` for lists, tests in
cchc/api/tests/ and a row in tests/security/test_api_matrix.py)."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from cchc.api.endpoints import (
    directives,
    documents,
    dossiers,
    frameworks,
    indicators,
    inspections,
    open_data,
    orgunits,
    remediation,
    results,
    rounds,
    scores,
)
from cchc.api.problems import ProblemOut, ValidationProblemOut, install_handlers

# The refusals every operation may answer, documented once for all (RFC 9457 problems).
PROBLEM_STATUSES = {
    401: "No usable client token or session",
    403: "The client lacks the scope, or the role may not",
    404: "Not there, or not yours to read",
    422: "Input refused (errors: index, field, message)",
    429: "Over the rate limit (Retry-After)",
}
# And those of an operation that reads a body, and of a save that checks a version.
BODY_PROBLEM_STATUSES = {
    400: "The body is not JSON",
    413: "The body is over the size limit",
}
CONFLICT_DESCRIPTION = "Someone saved since the version sent: read again, then resend"


class Utf8Renderer(JSONRenderer):
    """JSON as UTF-8 text: "Phường Trần Phú", not "Ph\\u01b0\\u1eddng…" (the body is UTF-8)."""

    json_dumps_params = {"ensure_ascii": False}


class CchcApi(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the problem answers of every operation."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ProblemOut, ValidationProblemOut):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                statuses = dict(PROBLEM_STATUSES)
                if "requestBody" in operation:
                    statuses.update(BODY_PROBLEM_STATUSES)
                if operation.pop("x-conflict", False):
                    statuses[409] = CONFLICT_DESCRIPTION
                for status, description in sorted(statuses.items()):
                    name = "ValidationProblemOut" if status == 422 else "ProblemOut"
                    content = {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/problem+json": content},
                        },
                    )
        return schema


api = CchcApi(
    title="CCHC API",
    version="1",
    description=(
        "The integration API of CCHC: read the units, frameworks, rounds, scores, results, "
        "inspections, documents and figures your client's role may read; open data without "
        "a token. Errors are RFC 9457 problem details; see docs/api.md."
    ),
    urls_namespace="api",
    renderer=Utf8Renderer(),
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=Swagger(settings={"persistAuthorization": False}),
)
install_handlers(api)
api.add_router("/units/", orgunits.router)
api.add_router("/frameworks/", frameworks.router)
api.add_router("/rounds/", rounds.router)
api.add_router("/rounds/", results.router)
api.add_router("/open/", open_data.router)
api.add_router("/dossiers/", dossiers.router)
api.add_router("/directives/", directives.router)
api.add_router("/rounds/", scores.router)
api.add_router("/remediation-actions/", remediation.router)
api.add_router("/inspections/", inspections.router)
api.add_router("/documents/", documents.router)
api.add_router("/indicators/", indicators.router)
