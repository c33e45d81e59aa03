"""The NinjaAPI of /api/v1/: its documentation, its problem handlers and its routers.

Adding an endpoint: docs/api.md, "Adding an endpoint" (a router in cchc/api/endpoints/, its
auth `scoped(...)`, the app's selector for the rule, `paginate` for lists, tests in
cchc/api/tests/ and a row in tests/security/test_api_matrix.py)."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from cchc.api.endpoints import dossiers, frameworks, open_data, orgunits, results, rounds
from cchc.api.problems import install_handlers

api = NinjaAPI(
    title="CCHC API",
    version="1",
    description=(
        "The integration API of CCHC: read the units, frameworks, rounds, scores, results, "
        "inspections, documents and figures your client's role may read; open data without "
        "a token. Errors are RFC 9457 problem details; see docs/api.md."
    ),
    urls_namespace="api",
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
