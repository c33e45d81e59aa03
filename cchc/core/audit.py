"""Recording the audit trail. Every service that writes calls audit_record once per change."""

import datetime
import decimal
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from cchc.core.dates import format_points, short_date
from cchc.core.models import AuditEvent


def json_value(value: Any) -> Any:
    """Return a JSON-safe form of a field value: points stay exact as strings."""
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named fields of an instance as a JSON-safe dict (foreign keys by id)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attribute = field.attname if isinstance(field, models.ForeignKey) else name
        values[name] = json_value(getattr(instance, attribute))
    return values


def changed_only(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose value changed, so the trail reads as a diff."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


# Where an object says its unit, read without a query: its own field, or a parent's already
# loaded (a score's assessment, an action's recommendation's inspection). A visit's records
# belong to the unit that organised its plan, whose keepers read them (not the inspected
# ward's: a province's draft findings on a city ward were shown to the city's coordinator; a
# review).
UNIT_FIELDS = ("org_unit_id", "owner_id", "organiser_id", "issuer_id")
PARENTS = ("assessment", "inspection", "recommendation", "action", "score", "plan", "round")
VISIT_PARENTS = ("plan", "inspection", "recommendation", "action", "finding")


def unit_of(target: models.Model) -> int | None:
    """The id of the unit `target` belongs to (a unit: itself), None when what is loaded
    does not say."""
    if target._meta.label_lower == "orgunits.orgunit":
        return int(target.pk) if target.pk is not None else None
    if target._meta.app_label == "inspections":
        return _found(target, ("organiser_id",), VISIT_PARENTS, depth=4)
    return _found(target, UNIT_FIELDS, PARENTS, depth=3)


def _found(
    target: models.Model, fields: tuple[str, ...], parents: tuple[str, ...], *, depth: int
) -> int | None:
    for name in fields:
        value = getattr(target, name, None)
        if isinstance(value, int):
            return value
    if depth > 0:
        for name in parents:
            parent = target._state.fields_cache.get(name)
            if isinstance(parent, models.Model):
                found = _found(parent, fields, parents, depth=depth - 1)
                if found is not None:
                    return found
    return None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, with the unit its object belongs to (unit_of)."""
    unit_id = None
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:255]
        unit_id = unit_of(target)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        # A person by their username; an integration client's service user by its name
        # ("API: <client name>", accounts.User.audit_name).
        actor_username=(getattr(actor, "audit_name", None) or actor.get_username())[:150]
        if is_user
        else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        unit_id=unit_id,
        before=before,
        after=after,
        ip_address=ip_address,
    )


# --- Reading the trail as people ------------------------------------------------------------
# Services record actions as "entity.verb" and values as stored (codes, ISO dates, points as
# "3.77"); the trail shows them in the reader's language: the entity's model name, the verb,
# each field's label, a choice's label, dates as 05/01/2026 and points as 3,77.

VERB_LABELS = {
    "create": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
    "import": gettext_lazy("imported"),
    "publish": gettext_lazy("published"),
    "archive": gettext_lazy("archived"),
    "copy": gettext_lazy("copied"),
    "add": gettext_lazy("given"),
    "end": gettext_lazy("ended"),
    "set_language": gettext_lazy("language changed"),
    "change_password": gettext_lazy("password changed"),
    "seed_demo": gettext_lazy("demo data loaded"),
    "advance": pgettext_lazy("audit action", "moved to the next stage"),
    "save": pgettext_lazy("audit action", "self-scored"),
    "confirm": pgettext_lazy("audit action", "confirmed"),
    "appraise": pgettext_lazy("audit action", "appraised"),
    "submit": pgettext_lazy("audit action", "submitted"),
    "return": pgettext_lazy("audit action", "returned for correction"),
    "remind": pgettext_lazy("audit action", "reminded"),
    "extend": pgettext_lazy("audit action", "deadline extended"),
    "ask": pgettext_lazy("audit action", "asked"),
    "answer": pgettext_lazy("audit action", "answered"),
    "attach": pgettext_lazy("audit action", "attached to a criterion"),
    "cite": pgettext_lazy("audit action", "document cited"),
    "detach": pgettext_lazy("audit action", "removed from a criterion"),
    "upload": pgettext_lazy("audit action", "file uploaded"),
    "file": pgettext_lazy("audit action", "filed"),
    "decide": pgettext_lazy("audit action", "decided"),
    "transition": pgettext_lazy("audit action", "status changed"),
    "photo_add": pgettext_lazy("audit action", "photo added"),
    "photo_delete": pgettext_lazy("audit action", "photo removed"),
    "moderate": pgettext_lazy("audit action", "moderated"),
    "reply": pgettext_lazy("audit action", "replied"),
    "issue": pgettext_lazy("audit action", "issued"),
    "scan": pgettext_lazy("audit action", "signed scan archived"),
    "documents": pgettext_lazy("audit action", "documents requested"),
    "propose": pgettext_lazy("audit action", "proposed"),
    "approve": pgettext_lazy("audit action", "approved"),
    "revoke": pgettext_lazy("audit action", "revoked"),
}
ENTITY_MODELS = {
    "org_unit": "orgunits.orgunit",
    "user": "accounts.user",
    "membership": "accounts.membership",
    "framework": "frameworks.framework",
    "criterion": "frameworks.criterion",
    "round": "assessments.round",
    "assessment": "assessments.assessment",
    "score": "assessments.score",
    "evidence": "assessments.evidence",
    "appeal": "assessments.appeal",
    "question": "assessments.question",
    "checklist": "inspections.checklist",
    "plan": "inspections.inspectionplan",
    "inspection_request": "inspections.inspectionrequest",
    "inspection": "inspections.inspection",
    "team_member": "inspections.teammember",
    "inspection_file": "inspections.inspectionfile",
    "document_request": "inspections.documentrequest",
    "item_result": "inspections.itemresult",
    "root_cause": "inspections.rootcause",
    "finding": "inspections.finding",
    "recommendation": "inspections.recommendation",
    "remediation_action": "inspections.remediationaction",
    "progress_report": "inspections.progressreport",
    "document": "documents.issueddocument",
    "document_template": "documents.documenttemplate",
    "bulk_job": "documents.bulkjob",
    "dossier_import": "indicators.dossierimport",
    "directive": "indicators.directive",
    "column_alias": "indicators.columnalias",
    "article": "portal.article",
    "comment": "portal.comment",
    "feedback": "portal.feedback",
    "link": "portal.websitelink",
    "portal_settings": "portal.portalsettings",
    "integration_client": "api.integrationclient",
}
# Keys a service records that are not a field of the model the event is about.
EXTRA_FIELD_LABELS = {
    "criteria": gettext_lazy("criteria"),
    "source": gettext_lazy("source file"),
    "bands": gettext_lazy("classification bands"),
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "copied_from": gettext_lazy("copied from"),
    "added": pgettext_lazy("audit field", "added"),
    "units": pgettext_lazy("audit field", "units"),
    "unit": pgettext_lazy("audit field", "unit"),
    "inputs": pgettext_lazy("audit field", "declared figures"),
    "fingerprint": pgettext_lazy("audit field", "fingerprint of the submitted content"),
    "self_points": pgettext_lazy("audit field", "self-assessed points"),
    "self_max": pgettext_lazy("audit field", "maximum points"),
    "appraised_points": pgettext_lazy("audit field", "appraised points"),
    "requested_points": pgettext_lazy("audit field", "points requested"),
    "reason": pgettext_lazy("audit field", "reason"),
    "days": pgettext_lazy("audit field", "days left"),
    "text": pgettext_lazy("audit field", "text"),
    "answer": pgettext_lazy("audit field", "answer"),
    "evidence": pgettext_lazy("audit field", "evidence"),
    "title": pgettext_lazy("audit field", "title"),
    "number": pgettext_lazy("audit field", "document number"),
    "sha256": pgettext_lazy("audit field", "SHA-256 fingerprint"),
    "docx_sha256": pgettext_lazy("audit field", "SHA-256 fingerprint of the Word file"),
    "pdf_sha256": pgettext_lazy("audit field", "SHA-256 fingerprint of the PDF file"),
    "scan_sha256": pgettext_lazy("audit field", "SHA-256 fingerprint of the signed scan"),
    "name": pgettext_lazy("audit field", "name"),
    "size": pgettext_lazy("audit field", "size (bytes)"),
    "kind": pgettext_lazy("audit field", "kind"),
    "purpose": pgettext_lazy("audit field", "purpose"),
    "file": pgettext_lazy("audit field", "file"),
    "files": pgettext_lazy("audit field", "files"),
    "asked": pgettext_lazy("audit field", "documents requested"),
    "topic": pgettext_lazy("audit field", "topic"),
    "topics": pgettext_lazy("audit field", "topics"),
    "items": pgettext_lazy("audit field", "items"),
    "framework": pgettext_lazy("audit field", "framework"),
    "version": pgettext_lazy("audit field", "version"),
    "area": pgettext_lazy("audit field", "area"),
    "severity": pgettext_lazy("audit field", "severity"),
    "root_causes": pgettext_lazy("audit field", "root causes"),
    "root_cause": pgettext_lazy("audit field", "root cause"),
    "linked": pgettext_lazy("audit field", "linked"),
    "findings": pgettext_lazy("audit field", "findings"),
    "owner": pgettext_lazy("audit field", "unit responsible"),
    "deadline": pgettext_lazy("audit field", "deadline"),
    "action": pgettext_lazy("audit field", "remediation action"),
    "done": pgettext_lazy("audit field", "done"),
    "reopen_reason": pgettext_lazy("audit field", "reason for reopening"),
    "agency": pgettext_lazy("audit field", "agency"),
    "from": pgettext_lazy("audit field", "from"),
    "to": pgettext_lazy("audit field", "to"),
    "requests": pgettext_lazy("audit field", "requests"),
    "visits": pgettext_lazy("audit field", "visits"),
    "units_consolidated": pgettext_lazy("audit field", "units with consolidated visits"),
    "visits_saved": pgettext_lazy("audit field", "visits saved"),
    "conflicts": pgettext_lazy("audit field", "conflicts"),
    "conflicts_accepted": pgettext_lazy("audit field", "conflicts accepted"),
    "inspection": pgettext_lazy("audit field", "inspection"),
    "head": pgettext_lazy("audit field", "head of the team"),
    "user": pgettext_lazy("audit field", "user"),
    "year": pgettext_lazy("audit field", "year"),
    "due_on": pgettext_lazy("audit field", "deadline"),
    "photo": pgettext_lazy("audit field", "photo"),
    "caption": pgettext_lazy("audit field", "caption"),
    "reply": pgettext_lazy("audit field", "official reply"),
    "public": pgettext_lazy("audit field", "shown publicly"),
    "on_time": pgettext_lazy("audit field", "answered on time"),
    "reference": pgettext_lazy("audit field", "number and symbol"),
    "total": pgettext_lazy("audit field", "total"),
    "field": pgettext_lazy("audit field", "field"),
    "heading": pgettext_lazy("audit field", "column heading"),
    "status": pgettext_lazy("audit field", "status"),
    "language": pgettext_lazy("audit field", "language"),
    "rows_read": pgettext_lazy("audit field", "rows read"),
    "rejected": pgettext_lazy("audit field", "rows refused"),
    "errors": pgettext_lazy("audit field", "errors"),
    "completed_on": pgettext_lazy("audit field", "completed on"),
    # A declaration's figures (frameworks.rules names them so).
    "numerator": gettext_lazy("Numerator (achieved)"),
    "denominator": gettext_lazy("Denominator (total)"),
    "value": gettext_lazy("Declared figure"),
    "count": gettext_lazy("Number of occurrences"),
    "ticked": gettext_lazy("Items done"),
    "level": gettext_lazy("Level of completion"),
    "points": gettext_lazy("Points"),
    "declared": pgettext_lazy("audit field", "declared"),
}
# Keys whose values are points, stored as text ("3.77") where the model has no such field.
POINT_KEYS = {"self_points", "self_max", "appraised_points", "requested_points", "points"}
# Keys holding codes of another model's choices (a topic, a kind of unit).
CHOICES_ELSEWHERE = {
    "topic": ("inspections.checklist", "topic"),
    "topics": ("inspections.checklist", "topic"),
    "unit_kinds": ("orgunits.orgunit", "kind"),
    "language": ("accounts.user", "language"),
}
YES_NO = {"yes": gettext_lazy("Yes"), "no": gettext_lazy("No")}
EMPTY = "—"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
VALUE_MAX = 120


def _model_for(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(object_type: str, name: str) -> models.Field | None:
    model = _model_for(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def object_type_label(object_type: str) -> str:
    """Return "đơn vị" for "orgunits.orgunit"."""
    model = _model_for(object_type)
    return str(model._meta.verbose_name) if model else object_type


def action_label(action: str) -> str:
    """Return "đơn vị — đã sửa" for "org_unit.update"."""
    entity, _dot, verb = action.partition(".")
    model = _model_for(ENTITY_MODELS.get(entity, ""))
    entity_label = str(model._meta.verbose_name) if model else entity
    return f"{entity_label} — {VERB_LABELS.get(verb, verb)}"


def field_label(object_type: str, name: str) -> str:
    """Return a field's verbose name for an audited key, or the key's own label."""
    field = _field(object_type, name)
    if field is not None:
        return str(field.verbose_name)
    return str(EXTRA_FIELD_LABELS.get(name, name))


def _choice_labels(object_type: str, name: str) -> dict[str, str]:
    field = _field(object_type, name)
    if field is None or not field.choices:
        field = _field(*CHOICES_ELSEWHERE[name]) if name in CHOICES_ELSEWHERE else None
    if field is None or not field.choices:
        return {}
    return {str(code): str(label) for code, label in field.flatchoices}


def _text(value: Any, choices: dict[str, str], is_points: bool) -> str:
    if value is None or value in ("", "None"):
        return EMPTY
    if value is True:
        return str(gettext("yes"))
    if value is False:
        return str(gettext("no"))
    text = str(value)
    if text in choices:
        return choices[text]
    if is_points and NUMBER.fullmatch(text):
        return format_points(decimal.Decimal(text))
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return text
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{short_date(moment.date())} {moment:%H:%M}"
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return short_date(datetime.date.fromisoformat(value))
    if isinstance(value, float | decimal.Decimal):
        return format_points(decimal.Decimal(str(value)))
    return text


def value_text(object_type: str, name: str, value: Any) -> str:
    """Return an audited value as people read it: "Đã chốt kết quả" for "finalised", 3,77 for
    "3.77" points, 05/01/2026 for "2026-01-05", "—" for nothing, yes or no."""
    field = _field(object_type, name)
    is_points = name in POINT_KEYS or isinstance(field, models.DecimalField)
    choices = _choice_labels(object_type, name)
    if isinstance(value, dict):
        # A declaration's figures, or a group of values recorded together.
        parts = [
            f"{field_label(object_type, key)}: {value_text(object_type, key, item)}"
            for key, item in value.items()
        ]
        text = "; ".join(parts) or EMPTY
    elif isinstance(value, list):
        text = ", ".join(_text(item, choices, is_points) for item in value) or EMPTY
    else:
        if name == "answer" and value in YES_NO:
            choices = {key: str(label) for key, label in YES_NO.items()}
        text = _text(value, choices, is_points)
    # Boundaries and long texts would drown the table; the full value stays in the database.
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def values_shown(object_type: str, values: Any) -> list[tuple[str, str]]:
    """Return (label, value) pairs of an event's before or after, in the order recorded."""
    if not isinstance(values, dict):
        return [] if values in (None, "") else [("", value_text(object_type, "", values))]
    return [
        (field_label(object_type, key), value_text(object_type, key, item))
        for key, item in values.items()
    ]
