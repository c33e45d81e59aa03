"""Remediation reports sent by a unit's or an agency's system: the report page's own rule
(inspections.selectors.action_for_report: an action of a visit the caller may not read is 404,
one they read but do not own, or of a visit not concluded yet, is 403: before the conclusion
an action is the team's draft) and service (findings.progress_report: the text is required,
"done" asks the team to verify; audited). Files are sent in the pages; the API reports text
only."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cchc.api.auth import scoped
from cchc.inspections.forms import NOTE_LENGTH
from cchc.inspections.selectors import action_for_report
from cchc.inspections.services.findings import progress_report

router = Router(tags=["inspections"])


class ReportIn(Schema):
    text: str = Field(
        description="What was done, as the unit would write it in the page",
        max_length=NOTE_LENGTH,
    )
    done: bool = Field(False, description="The action is done: the team is asked to verify it")


class ReportOut(Schema):
    id: int
    action_id: int
    action_status: str
    text: str
    is_done: bool
    reported_at: datetime.datetime


@router.post(
    "/{int:action_id}/reports",
    response={201: ReportOut},
    auth=scoped("remediation:write"),
    url_name="remediation_report",
)
def remediation_report(request: HttpRequest, action_id: int, payload: ReportIn) -> tuple:
    """Report progress on a remediation action the caller's unit owns."""
    action, _inspection = action_for_report(user=request.user, pk=action_id)
    # A refused report (no text, the action closed) is a ValidationError: answered 422 in
    # the page's words by the API's handler.
    report = progress_report(
        actor=request.user, action=action, text=payload.text, uploads=[], is_done=payload.done
    )
    return 201, ReportOut(
        id=report.pk,
        action_id=action.pk,
        action_status=action.status,
        text=report.text,
        is_done=report.is_done,
        reported_at=report.created_at,
    )
