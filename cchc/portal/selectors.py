"""What the public may read: published articles, the tables frozen when a round's results
were published, published inspections and their conclusion notices. Nothing else leaves the
working app through the portal."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import ResultRow, published_rows
from cchc.core import pdfsignatures
from cchc.core.points import percent, round_points
from cchc.documents.models import IssuedDocument, Kind
from cchc.frameworks.models import Criterion, Section
from cchc.frameworks.selectors import areas_of
from cchc.indicators import figures
from cchc.indicators.periods import period_range
from cchc.inspections.models import Inspection, RemediationAction
from cchc.orgunits.models import OrgUnit
from cchc.portal.models import Article, Comment, Feedback, Rating


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
    ).order_by("-published_at")


def published_rounds() -> QuerySet[Round]:
    return (
        Round.objects.filter(status=Round.Status.PUBLISHED, published_results__isnull=False)
        .select_related("framework", "organiser")
        .order_by("-year", "-published_at")
    )


def round_table(round_: Round) -> list[ResultRow]:
    """The ranking as it was published, ranked units first (read by the results module, as
    the working app's results page reads it)."""
    return published_rows(round_) or []


def published_row(round_: Round, unit_id: int) -> ResultRow | None:
    """One unit's row of a published ranking."""
    return next((row for row in round_table(round_) if row.org_unit_id == unit_id), None)


def rating_summary(target: str, target_id: int) -> dict[str, Any]:
    figures = Rating.objects.filter(target=target, target_id=target_id).aggregate(
        count=Count("id"), average=Avg("stars")
    )
    average = figures["average"]
    return {
        "count": figures["count"],
        "average": round_points(Decimal(str(average))).quantize(Decimal("0.1"))
        if average is not None
        else None,
    }


def own_rating(target: str, target_id: int, visitor: str | None) -> int | None:
    """The stars this visitor (the hash of their cookie) gave the item, if any: the page shows
    them instead of the form, which would only refuse a second rating."""
    if visitor is None:
        return None
    return (
        Rating.objects.filter(target=target, target_id=target_id, visitor=visitor)
        .values_list("stars", flat=True)
        .first()
    )


def visible_comments(article: Article) -> list[Comment]:
    return list(
        article.comments.filter(status=Comment.Status.VISIBLE, reply_to__isnull=True)
        .prefetch_related("replies")
        .order_by("created_at")
    )


@dataclass
class AreaScore:
    code: str
    title: str
    points: Decimal
    maximum: Decimal
    section: str = Section.NORMAL  # a bonus or penalty section adds or takes away, capped

    @property
    def percent(self) -> Decimal | None:
        if self.section != Section.NORMAL:
            return None
        return percent(self.points, self.maximum)


@dataclass
class UnitPage:
    unit: OrgUnit
    results: list[tuple[Round, ResultRow]] = field(default_factory=list)  # newest first
    areas: list[AreaScore] = field(default_factory=list)
    inspections: list[tuple[Inspection, IssuedDocument | None, list[tuple[str, str]]]] = field(
        default_factory=list
    )
    remediation: dict[str, int] = field(default_factory=dict)

    @property
    def latest(self) -> ResultRow | None:
        return self.results[0][1] if self.results else None


def unit_page(unit: OrgUnit) -> UnitPage:
    """A unit's published results (each round's frozen row), its score by area in the latest
    published round, its published inspections with their conclusion notices, and how far
    their remediation has got."""
    page = UnitPage(unit=unit)
    for round_ in published_rounds():
        row = published_row(round_, unit.pk)
        if row is not None:
            page.results.append((round_, row))
    if page.results:
        latest_round = page.results[0][0]
        assessment = Assessment.objects.filter(round=latest_round, org_unit=unit).first()
        criteria = list(
            Criterion.objects.filter(framework_id=latest_round.framework_id).order_by("order")
        )
        stored = (assessment.area_totals or {}) if assessment else {}
        for area in areas_of(criteria):
            values = stored.get(str(area.pk)) or {}
            page.areas.append(
                AreaScore(
                    area.code,
                    area.title,
                    Decimal(values.get("a") or 0),
                    Decimal(values.get("am") or 0),
                )
            )
        # Bonus and penalty sections are not areas, but the total counts them: shown after
        # the areas, capped as the score caps them, so the rows add up to the total (Nam Hà's
        # rows read 77,19 beside a total of 77,69: the 0,5 bonus was missing).
        parents = {criterion.parent_id for criterion in criteria}
        for criterion in criteria:
            top = criterion.parent_id is None and criterion.pk in parents
            if top and criterion.section != Section.NORMAL:
                values = stored.get(str(criterion.pk)) or {}
                points = min(Decimal(values.get("a") or 0), criterion.max_points)
                page.areas.append(
                    AreaScore(
                        criterion.code,
                        criterion.title,
                        points,
                        criterion.max_points,
                        section=criterion.section,
                    )
                )
    inspections = list(
        Inspection.objects.filter(org_unit=unit, is_published=True).order_by("-visit_date")
    )
    notices = {
        document.inspection_id: document
        for document in IssuedDocument.objects.filter(
            inspection__in=inspections, kind=Kind.CONCLUSION_NOTICE, replaced_by__isnull=True
        )
    }
    # Each with its notice and what the notice's digital signatures say (signed PDF, else scan).
    page.inspections = [
        (
            inspection,
            notice := notices.get(inspection.pk),
            pdfsignatures.verdict_lines(notice.signed_check or notice.scan_check) if notice else [],
        )
        for inspection in inspections
    ]
    counts = dict(
        RemediationAction.objects.filter(recommendation__inspection__in=inspections)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
        .order_by()
    )
    page.remediation = {status: counts.get(status, 0) for status in RemediationAction.Status.values}
    return page


def public_document(pk: int) -> IssuedDocument | None:
    """The current conclusion notice of a published inspection, or nothing (one replaced by
    a notice issued again is not public)."""
    return (
        IssuedDocument.objects.filter(
            pk=pk,
            kind=Kind.CONCLUSION_NOTICE,
            inspection__is_published=True,
            replaced_by__isnull=True,
        )
        .select_related("inspection")
        .first()
    )


@dataclass(frozen=True)
class FeedbackStatus:
    """What the citizen holding a feedback's code may read of it: where it stands, and the
    answer once the unit has published it (an answer kept unpublished stays with the unit)."""

    code: str
    subject: str
    unit: str
    sent_at: Any
    due_on: Any
    status: str
    status_display: str
    answer: str = ""
    answered_at: Any = None


def feedback_status(code: str) -> FeedbackStatus | None:
    feedback = Feedback.objects.select_related("org_unit").filter(code=code).first()
    if feedback is None:
        return None
    # The code's holder sent the feedback: the answer is theirs, published or not (publishing
    # lists it for everyone). It was shown only once published, while the ward was told the
    # citizen reads it with the code: an answer left unpublished reached nobody.
    answered = bool(feedback.answer)
    return FeedbackStatus(
        code=feedback.code,
        subject=feedback.subject,
        unit=feedback.org_unit.name,
        sent_at=feedback.created_at,
        due_on=feedback.due_on,
        status=feedback.status,
        status_display=feedback.get_status_display(),
        answer=feedback.answer if answered else "",
        answered_at=feedback.answered_at if answered else None,
    )


def feedback_counts(unit_ids: list[int], year: int, period: str) -> dict[int, tuple[int, int]]:
    """Citizens' feedback due in the period, and how many were answered by their date
    (`figures.FEEDBACK_ON_TIME`): the `feedback_on_time` data source's counts, registered
    with indicators (`register_feedback_counter`), which sit below the portal."""
    first, last = period_range(year, period)
    rows = (
        Feedback.objects.filter(org_unit_id__in=unit_ids, due_on__range=(first, last))
        .values("org_unit_id")
        .annotate(due=Count("id"), on_time=Count("id", filter=figures.FEEDBACK_ON_TIME.q()))
        .values_list("org_unit_id", "due", "on_time")
        .order_by()
    )
    return {unit: (due, on_time) for unit, due, on_time in rows}
