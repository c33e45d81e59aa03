import datetime
from decimal import Decimal

from django import forms, template
from django.utils import timezone

from cchc.core import audit, dates

register = template.Library()


@register.filter
def points(value: Decimal | None, places: int | None = None) -> str:
    """Render points as 85,25; `points:2` for a column compared down its rows (78,60)."""
    return dates.format_points(value, places)


@register.filter
def count(value: int | None) -> str:
    """Render a count as 1.234."""
    return "" if value is None else dates.format_count(value)


@register.filter
def short_date(value: datetime.date | datetime.datetime | None) -> str:
    """Render a date as 05/01/2026."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return dates.short_date(value)


@register.inclusion_tag("includes/form_field.html")
def form_field(bound_field: forms.BoundField) -> dict[str, object]:
    """Render a labelled field with its help and its errors next to it, Bootstrap-styled."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect):
        # Radio and checkbox lists (CheckboxSelectMultiple is a RadioSelect): Django puts the
        # attributes on the list's wrapper too, so they are styled by CSS instead.
        css_class = ""
    elif isinstance(widget, forms.CheckboxInput):
        css_class = "form-check-input"
    elif isinstance(widget, forms.Select):
        css_class = "form-select"
    else:
        css_class = "form-control"
    attrs: dict[str, str | bool] = {"class": css_class} if css_class else {}
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        attrs["class"] = f"{css_class} is-invalid".strip()
        attrs["aria-invalid"] = "true"
        described_by.append(f"{bound_field.auto_id}_errors")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=attrs),
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
        "is_checkbox_list": isinstance(widget, forms.RadioSelect),
        "is_hidden": bound_field.is_hidden,
    }


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """Render a duration as whole minutes, rounded up (a lockout of 14m30s reads 15)."""
    if value is None:
        return 0
    return max(1, -(-int(value.total_seconds()) // 60))


@register.simple_tag
def audit_values(object_type: str, values: object) -> list[tuple[str, str]]:
    """An event's before or after as (label, value) pairs people read (see core.audit).
    A tag, not `values.items` in the template: a recorded key named "items" would win."""
    return audit.values_shown(object_type, values)


@register.filter
def is_in(value: object, container: object) -> bool:
    """Return whether value is in container (a set of ids, say)."""
    try:
        return value in container  # type: ignore[operator]
    except TypeError:
        return False


@register.filter
def audit_action(value: str) -> str:
    return audit.action_label(value)


@register.filter
def audit_object_type(value: str) -> str:
    return audit.object_type_label(value)


@register.filter
def lookup(mapping: object, key: object) -> object:
    """mapping[key], or None: what a page keyed by an object's id (`kept|lookup:action.pk`)."""
    getter = getattr(mapping, "get", None)
    return getter(key) if getter is not None else None


@register.filter
def abs_value(value: int) -> int:
    return abs(value)


@register.filter
def to_decimal(value: object) -> Decimal | None:
    """Turn a stored number (a JSON string in a published snapshot) back into a Decimal."""
    if value in (None, ""):
        return None
    return Decimal(str(value))
