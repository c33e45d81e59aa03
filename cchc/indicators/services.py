"""Directives: recorded by the Home Affairs office, completed when the unit reports it done."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.indicators.models import ColumnAlias, Directive
from cchc.orgunits.models import OrgUnit

DEADLINE_ORDER_MESSAGE = gettext_noop("The deadline cannot come before the directive.")
NOT_A_UNIT_MESSAGE = gettext_noop("Choose a ward or commune.")
COMPLETED_FUTURE_MESSAGE = gettext_noop("A directive cannot be completed in the future.")
COMPLETED_BEFORE_MESSAGE = gettext_noop("It cannot be completed before it was given.")
CONTENT_NEEDED_MESSAGE = gettext_noop("Write the number and the content of the directive.")
HEADING_TAKEN_MESSAGE = gettext_noop("The heading “{heading}” is already used.")
HEADING_EMPTY_MESSAGE = gettext_noop("Write the column heading as the file has it.")


@transaction.atomic
def directive_create(
    *,
    actor: Any,
    number: str,
    issued_on: datetime.date,
    content: str,
    deadline: datetime.date,
    org_unit: OrgUnit,
) -> Directive:
    if not number.strip() or not content.strip():
        raise ValidationError(_(CONTENT_NEEDED_MESSAGE))
    if deadline < issued_on:
        raise ValidationError({"deadline": _(DEADLINE_ORDER_MESSAGE)})
    if org_unit.kind not in OrgUnit.ASSESSED_KINDS:
        raise ValidationError({"org_unit": _(NOT_A_UNIT_MESSAGE)})
    directive = Directive(
        number=number.strip()[:64],
        issued_on=issued_on,
        content=content.strip(),
        deadline=deadline,
        org_unit=org_unit,
        recorded_by=actor,
    )
    directive.validate_constraints()
    directive.save()
    audit_record(
        actor=actor,
        action="directive.create",
        target=directive,
        after={"unit": org_unit.pk, "deadline": deadline.isoformat()},
    )
    return directive


@transaction.atomic
def directive_complete(
    *, actor: Any, directive: Directive, completed_on: datetime.date | None, note: str = ""
) -> Directive:
    """Record (or clear, with None) the date the unit finished the directive."""
    if completed_on is not None:
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": _(COMPLETED_FUTURE_MESSAGE)})
        if completed_on < directive.issued_on:
            raise ValidationError({"completed_on": _(COMPLETED_BEFORE_MESSAGE)})
    before = directive.completed_on
    directive.completed_on = completed_on
    directive.note = note.strip()[:500] or directive.note
    directive.save(update_fields=["completed_on", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="directive.update",
        target=directive,
        before={"completed_on": before.isoformat() if before else None},
        after={"completed_on": completed_on.isoformat() if completed_on else None},
    )
    return directive


@transaction.atomic
def column_alias_add(*, actor: Any, field: str, heading: str) -> ColumnAlias:
    """Accept one more column heading for a dossier field."""
    cleaned = " ".join(heading.split()).lower()
    if not cleaned:
        raise ValidationError({"heading": _(HEADING_EMPTY_MESSAGE)})
    if ColumnAlias.objects.filter(heading=cleaned).exists():
        raise ValidationError({"heading": _(HEADING_TAKEN_MESSAGE).format(heading=cleaned)})
    alias = ColumnAlias.objects.create(field=field, heading=cleaned)
    audit_record(actor=actor, action="column_alias.create", target=alias, after={"field": field})
    return alias


@transaction.atomic
def column_alias_delete(*, actor: Any, alias: ColumnAlias) -> None:
    audit_record(
        actor=actor,
        action="column_alias.delete",
        target=alias,
        before={"field": alias.field, "heading": alias.heading},
    )
    alias.delete()
