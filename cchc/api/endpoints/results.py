"""Results and ranking of a round, through the one results module
(assessments.services.results: the frozen table of a published round, the live one before)
and the results page's rule (assessments.selectors.round_results_visible)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.pagination import Page, PageParams, paginate_list
from cchc.api.schemas import DecimalText, decimal_text
from cchc.assessments.selectors import round_list_for_user, round_results_visible
from cchc.assessments.services.results import ResultRow, shared_published_rows
from cchc.assessments.services.results import round_results as live_results

router = Router(tags=["results"])


class ResultOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    rank: int | None
    percent: DecimalText | None
    total: DecimalText | None
    maximum: DecimalText | None
    self_points: DecimalText
    self_max: DecimalText
    gap: DecimalText | None
    band: str
    is_complete: bool
    previous_rank: int | None
    rank_change: int | None


def result_out(row: ResultRow) -> ResultOut:
    return ResultOut(
        unit_id=row.org_unit_id,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        rank=row.rank,
        percent=decimal_text(row.percent),
        total=decimal_text(row.total),
        maximum=decimal_text(row.maximum),
        self_points=str(row.self_points),
        self_max=str(row.self_max),
        gap=decimal_text(row.gap),
        band=row.band,
        is_complete=row.is_complete,
        previous_rank=row.previous_rank,
        rank_change=row.rank_change,
    )


@router.get(
    "/{int:round_id}/results",
    response=Page[ResultOut],
    auth=scoped("results:read"),
    url_name="round_results",
)
def round_results(request: HttpRequest, round_id: int, page: Query[PageParams]) -> dict:
    """The ranking as the results page shows it to the caller: published, frozen; before
    publication only its keepers and the readers who follow it (never the units: 403)."""
    round_ = get_object_or_404(
        round_list_for_user(user=request.user).defer("published_results", "published_summary"),
        pk=round_id,
    )
    if not round_results_visible(user=request.user, round_=round_):
        raise PermissionDenied
    shared = shared_published_rows(round_)
    rows = list(shared) if shared is not None else live_results(round_)
    result = paginate_list(rows, page, key=lambda row: row.org_unit_id)
    result["items"] = [result_out(row) for row in result["items"]]
    return result
