from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Read-only dashboards: nothing here writes, and nothing imports analytics."""

    name = "cchc.analytics"
    verbose_name = _("Analytics")
