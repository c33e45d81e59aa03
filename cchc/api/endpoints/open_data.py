"""Open data, without a token: published rounds, their rankings and each unit's published row,
as JSON and CSV. Only what the portal shows: everything is read through the portal's
selectors (portal.selectors: published rounds and their frozen tables), so nothing
unpublished is reachable. Answers carry an ETag (the digest of the round's published table)
and Cache-Control: public, max-age=300; a conditional GET with a matching If-None-Match gets
304 without a body."""

import csv
import datetime
import hashlib
import json
import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from ninja import Query, Router, Schema

from cchc.api.endpoints.results import ResultOut, result_out
from cchc.api.pagination import Page, PageParams, paginate
from cchc.api.problems import Problem
from cchc.assessments.models import Round
from cchc.assessments.services.results import ResultRow
from cchc.core.exports import safe_row
from cchc.portal.selectors import published_rounds, round_table

router = Router(tags=["open data"])

MAX_AGE = 300
NOT_PUBLISHED_MESSAGE = gettext_noop("No published round has this id.")
UNIT_NOT_RANKED_MESSAGE = gettext_noop("The published table of this round has no unit {unit}.")
CSV_HEADERS = [
    "unit_code",
    "unit_name",
    "rank",
    "percent",
    "total",
    "maximum",
    "self_points",
    "self_max",
    "band",
    "is_complete",
]


class OpenRoundOut(Schema):
    id: int
    name: str
    year: int
    period: str
    organiser_code: str
    organiser_name: str
    decision_number: str
    decision_date: datetime.date | None
    published_at: datetime.datetime | None


class OpenRankingOut(Schema):
    round: OpenRoundOut
    rows: list[ResultOut]


class OpenUnitOut(Schema):
    round: OpenRoundOut
    row: ResultOut


def open_round_out(round_: Round) -> OpenRoundOut:
    return OpenRoundOut(
        id=round_.pk,
        name=str(round_),
        year=round_.year,
        period=round_.period,
        organiser_code=round_.organiser.code,
        organiser_name=round_.organiser.name,
        decision_number=round_.decision_number,
        decision_date=round_.decision_date,
        published_at=round_.published_at,
    )


def published_round(round_id: int) -> Round:
    round_ = published_rounds().filter(pk=round_id).first()
    if round_ is None:
        raise Problem(404, NOT_PUBLISHED_MESSAGE)
    return round_


def etag_of(round_: Round) -> str:
    """The published table's digest: it changes exactly when what is published changes."""
    payload = json.dumps(
        [round_.pk, str(round_.published_at), round_.published_results],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'


def not_modified(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return wanted.strip() == "*" or etag in [tag.strip() for tag in wanted.split(",")]


def cacheable(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def csv_answer(rows: list[ResultRow], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(CSV_HEADERS)
    for row in rows:
        writer.writerow(
            safe_row(
                [
                    row.unit_code,
                    row.unit_name,
                    row.rank,
                    row.percent,
                    row.total,
                    row.maximum,
                    row.self_points,
                    row.self_max,
                    row.band,
                    "true" if row.is_complete else "false",
                ]
            )
        )
    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "-", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.csv"'
    return response


CSV_RESPONSE = {
    200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get("/rounds/", response=Page[OpenRoundOut], auth=None, url_name="open_rounds")
def open_rounds(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Published rounds, newest first."""
    return paginate(published_rounds(), page, order=("-year",), item=open_round_out)


def _ranking(request: HttpRequest, round_id: int, as_csv: bool) -> HttpResponse | dict:
    round_ = published_round(round_id)
    etag = etag_of(round_)
    if not_modified(request, etag):
        return cacheable(HttpResponse(status=304), etag)
    rows = round_table(round_)
    if as_csv:
        return cacheable(csv_answer(rows, f"ranking-{round_.pk}"), etag)
    body = OpenRankingOut(round=open_round_out(round_), rows=[result_out(row) for row in rows])
    response = HttpResponse(body.model_dump_json(), content_type="application/json")
    return cacheable(response, etag)


@router.get(
    "/rounds/{int:round_id}/ranking",
    response={200: OpenRankingOut, 304: None},
    auth=None,
    url_name="open_ranking",
)
def open_ranking(request: HttpRequest, round_id: int) -> HttpResponse | dict:
    """A published round's ranking, as it was published."""
    return _ranking(request, round_id, as_csv=False)


@router.get(
    "/rounds/{int:round_id}/ranking.csv",
    response={200: None, 304: None},
    auth=None,
    url_name="open_ranking_csv",
    openapi_extra={"responses": CSV_RESPONSE},
)
def open_ranking_csv(request: HttpRequest, round_id: int) -> HttpResponse | dict:
    """The same ranking as CSV (UTF-8, a header line)."""
    return _ranking(request, round_id, as_csv=True)


def _unit(request: HttpRequest, round_id: int, code: str, as_csv: bool) -> HttpResponse:
    round_ = published_round(round_id)
    row = next((row for row in round_table(round_) if row.unit_code == code), None)
    if row is None:
        raise Problem(404, UNIT_NOT_RANKED_MESSAGE, params={"unit": code[:50]})
    etag = etag_of(round_)
    if not_modified(request, etag):
        return cacheable(HttpResponse(status=304), etag)
    if as_csv:
        return cacheable(csv_answer([row], f"result-{round_.pk}-{code}"), etag)
    body = OpenUnitOut(round=open_round_out(round_), row=result_out(row))
    response = HttpResponse(body.model_dump_json(), content_type="application/json")
    return cacheable(response, etag)


@router.get(
    "/rounds/{int:round_id}/units/{code}",
    response={200: OpenUnitOut, 304: None},
    auth=None,
    url_name="open_unit",
)
def open_unit(request: HttpRequest, round_id: int, code: str) -> HttpResponse:
    """One unit's published result in a round, by the unit's code."""
    if code.endswith(".csv"):
        return _unit(request, round_id, code[:-4], as_csv=True)
    return _unit(request, round_id, code, as_csv=False)
