from django import template
from django.utils.safestring import SafeString, mark_safe

from cchc.portal.richtext import clean

register = template.Library()


@register.filter
def safe_rich_text(value: str) -> SafeString:
    """An article's body, sanitised again as it is shown (it was when it was saved)."""
    return mark_safe(clean(value or ""))  # noqa: S308 - nh3 has removed everything unsafe
