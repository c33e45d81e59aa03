"""Recording the audit trail. Every service that writes calls audit_record once per change."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy

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
    """Append one event to the audit trail."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:255]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_username=actor.get_username() if is_user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        before=before,
        after=after,
        ip_address=ip_address,
    )


# --- Reading the trail as people ------------------------------------------------------------

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
}
ENTITY_MODELS = {
    "org_unit": "orgunits.orgunit",
    "user": "accounts.user",
    "membership": "accounts.membership",
    "framework": "frameworks.framework",
    "criterion": "frameworks.criterion",
}


def _model_for(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


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
    """Return a field's verbose name for an audited key, or the key itself."""
    model = _model_for(object_type)
    if model is not None:
        try:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            pass
    return str(EXTRA_FIELD_LABELS.get(name, name))


EXTRA_FIELD_LABELS = {
    "criteria": gettext_lazy("criteria"),
    "source": gettext_lazy("source file"),
    "bands": gettext_lazy("classification bands"),
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "copied_from": gettext_lazy("copied from"),
}
