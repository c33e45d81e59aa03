"""Demo documents, issued through the register as a coordinator would: the year's inspection
plan, the conclusion notice of the article's ward, and the announcement of the published
6-month ranking. Issued once: running the demo again adds nothing."""

import datetime
from typing import Any

from django.utils import timezone

from cchc.assessments.models import Round
from cchc.documents.models import IssuedDocument, Kind
from cchc.documents.services import issue
from cchc.inspections.models import Inspection, InspectionPlan
from cchc.orgunits.models import OrgUnit

SIGNER_CITY = "Nguyễn Văn Thành (Chủ tịch UBND thành phố, minh họa)"


def seed_documents(*, city: OrgUnit, coordinator: Any) -> int:
    """Issue the demo documents that are not issued yet; return how many were issued."""
    issued = 0
    today = timezone.localdate()
    plan = InspectionPlan.objects.filter(organiser=city, year=today.year).first()
    if plan is not None and not IssuedDocument.objects.filter(plan=plan).exists():
        # Dated as a plan is: a month before its first visit (it was dated today, after
        # eleven of its visits).
        first = plan.inspections.order_by("visit_date").values_list("visit_date", flat=True)
        day = (first[0] - datetime.timedelta(days=30)) if first else today
        day = min(today, max(datetime.date(plan.year, 1, 2), day))
        issue(
            actor=coordinator,
            kind=Kind.INSPECTION_PLAN,
            target=plan,
            signer_name=SIGNER_CITY,
            issued_on=day,
        )
        issued += 1
    notice_of = (
        Inspection.objects.filter(
            plan=plan,
            status__in=[Inspection.Status.CONCLUDED, Inspection.Status.CLOSED],
            org_unit__name="Phường Trần Phú",
        ).first()
        if plan
        else None
    )
    if notice_of is not None and not notice_of.documents.exists():
        head = notice_of.team.filter(is_head=True).select_related("user").first()
        issue(
            actor=coordinator,
            kind=Kind.CONCLUSION_NOTICE,
            target=notice_of,
            signer_name=str(head.user) if head else SIGNER_CITY,
            issued_on=min(today, notice_of.visit_date + datetime.timedelta(days=3)),
        )
        issued += 1
    published = Round.objects.filter(organiser=city, status=Round.Status.PUBLISHED).first()
    if published is not None and not published.documents.exists():
        # The day of the decision publishing it, else of its publication.
        published_on = published.decision_date or (
            timezone.localdate(published.published_at) if published.published_at else today
        )
        issue(
            actor=coordinator,
            kind=Kind.RANKING_ANNOUNCEMENT,
            target=published,
            signer_name=SIGNER_CITY,
            issued_on=min(today, published_on),
        )
        issued += 1
    return issued
