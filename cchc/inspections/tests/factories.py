"""Inspections for tests, built through the services as a real user would."""

import contextlib
import datetime
from pathlib import Path
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add
from cchc.core.roles import Role
from cchc.core.testing import PDF, Cast
from cchc.inspections.models import Checklist, Finding, Inspection, InspectionPlan, ItemResult
from cchc.inspections.services import checklists, findings, planning, visits
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

DATA = Path(__file__).resolve().parent.parent / "data"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def pdf(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "anh.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def import_checklists(cast: Cast) -> None:
    """The one-stop-shop and ISO checklists shipped with the project, issued by the city."""
    for topic in ("tthc", "iso"):
        if not Checklist.objects.filter(issuer=cast.city, topic=topic).exists():
            path = DATA / f"checklist-{topic}.csv"
            checklists.checklist_import(
                actor=None,
                issuer=cast.city,
                topic=topic,
                name=f"Checklist {topic}",
                data=path.read_bytes(),
                file_name=path.name,
            )


def team_ready(cast: Cast) -> None:
    """Give the inspector persona a seat in the agency, so both agency people can be on teams."""
    if not Membership.objects.filter(
        user=cast.inspector, org_unit=cast.agency, is_active=True
    ).exists():
        membership_add(actor=None, user=cast.inspector, role=Role.INSPECTOR, org_unit=cast.agency)


def year_window(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 5), datetime.date(year, 12, 20)


def approved_inspection(cast: Cast, *, year: int | None = None) -> Inspection:
    """Ward A's visit on the one-stop shop and ISO, in an approved plan (idempotent)."""
    year = year or timezone.localdate().year
    existing = Inspection.objects.filter(plan__year=year, org_unit=cast.ward_a).first()
    if existing is not None:
        return existing
    import_checklists(cast)
    team_ready(cast)
    plan = planning.plan_get_or_create(actor=None, organiser=cast.city, year=year)
    start, end = year_window(year)
    for topic in ("tthc", "iso"):
        planning.request_file(
            actor=cast.appraiser,
            plan=plan,
            org_unit=cast.ward_a,
            topic=topic,
            agency=cast.agency,
            window_start=start,
            window_end=end,
        )
    # Replaying the year from its first day keeps the tests independent of today's date.
    planning.plan_propose(actor=cast.home_affairs, plan=plan, earliest=datetime.date(year, 1, 1))
    planning.plan_approve(actor=cast.home_affairs, plan=plan)
    return Inspection.objects.get(plan=plan, org_unit=cast.ward_a)


ORDER = [
    Inspection.Status.PLANNED,
    Inspection.Status.PREPARING,
    Inspection.Status.VISITING,
    Inspection.Status.CONCLUDED,
]


def to_status(cast: Cast, inspection: Inspection, status: str) -> Inspection:
    """Move an approved inspection through the services up to `status`."""
    inspection.refresh_from_db()
    while ORDER.index(Inspection.Status(inspection.status)) < ORDER.index(
        Inspection.Status(status)
    ):
        target = ORDER[ORDER.index(Inspection.Status(inspection.status)) + 1]
        if target == Inspection.Status.PREPARING and not inspection.decision_number:
            visits.decision_record(
                actor=cast.home_affairs,
                inspection=inspection,
                number="12/QĐ-UBND",
                date=min(timezone.localdate(), inspection.visit_date),
                signer="Chủ tịch UBND",
            )
        if target == Inspection.Status.CONCLUDED:
            conclude_ready(cast, inspection)
        with _on_the_visit_day(inspection, target):
            inspection = visits.inspection_advance(
                actor=cast.home_affairs, inspection=inspection, target=target
            )
    return inspection


def _on_the_visit_day(inspection: Inspection, target: str) -> Any:
    """A visit is under way or concluded only from its day on: a visit still to come is moved
    to on its day, with the project's time machine (nothing else changes)."""
    if target not in visits.ON_OR_AFTER_VISIT or inspection.visit_date <= timezone.localdate():
        return contextlib.nullcontext()
    day = datetime.datetime.combine(inspection.visit_date, datetime.time(9), tzinfo=datetime.UTC)
    return time_machine.travel(day, tick=False)


def conclude_ready(cast: Cast, inspection: Inspection) -> Any:
    """Mark every item, record a shortcoming with a root cause, a recommendation and an action."""
    for item in visits.visit_items(inspection):
        if not inspection.results.filter(item=item).exists():
            visits.item_result_save(
                actor=cast.inspector,
                inspection=inspection,
                item=item,
                verdict=ItemResult.Verdict.MEETS,
            )
    if inspection.recommendations.exists():
        return None
    cause = findings.root_cause_get_or_create(
        actor=cast.inspector, organiser=cast.city, title="Kinh phí còn hạn hẹp"
    )
    shortcoming = findings.finding_create(
        actor=cast.inspector,
        inspection=inspection,
        kind=Finding.Kind.SHORTCOMING,
        topic="iso",
        area="Duy trì và cải tiến",
        text="Việc duy trì Hệ thống quản lý chất lượng ISO 9001:2015 còn chậm",
        severity=Finding.Severity.MODERATE,
        root_causes=[cause],
    )
    recommendation = findings.recommendation_create(
        actor=cast.inspector,
        inspection=inspection,
        text="Bố trí kinh phí duy trì ISO",
        findings=[shortcoming],
        root_causes=[cause],
    )
    return findings.action_create(
        actor=cast.inspector,
        recommendation=recommendation,
        text="Tổ chức đánh giá nội bộ",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )


def plan_of(cast: Cast) -> InspectionPlan:
    return approved_inspection(cast).plan


def concluded_plan(cast: Cast, units: int, year: int) -> InspectionPlan:
    """A plan whose `units` wards each had a concluded visit (one shortcoming, one action)."""
    import_checklists(cast)
    team_ready(cast)
    for n in range(units):
        org_unit_create(
            actor=None, code=f"B{year}{n}", name=f"Phường {n}", kind="ward", parent=cast.city
        )
    # Enough members that a visit can be planned on every working day.
    for n in range(max(0, units // 200)):
        user = User.objects.create(username=f"tv{year}{n}", full_name=f"Thành viên {n}")
        Membership.objects.create(user=user, role=Role.APPRAISER, org_unit=cast.agency)
    plan = planning.plan_get_or_create(actor=None, organiser=cast.city, year=year)
    for unit in OrgUnit.objects.filter(code__startswith=f"B{year}"):
        planning.request_file(
            actor=None,
            plan=plan,
            org_unit=unit,
            topic="iso",
            agency=cast.agency,
            window_start=datetime.date(year, 1, 5),
            window_end=datetime.date(year, 12, 20),
        )
    planning.plan_propose(actor=None, plan=plan, earliest=datetime.date(year, 1, 1))
    planning.plan_approve(actor=None, plan=plan)
    for inspection in plan.inspections.all():
        to_status(cast, inspection, Inspection.Status.CONCLUDED)
    return plan
