from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The dashboards: they read every app and nothing imports them. The one write they start
    is a reminder, through the assessments' service."""

    name = "cchc.analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from cchc.analytics.dashboard import analytics_panels
        from cchc.analytics.summary import round_summary
        from cchc.assessments.services.results import register_summary_provider
        from cchc.core.dashboard import register_panel_provider

        register_panel_provider(analytics_panels)
        register_summary_provider(round_summary)  # frozen with a round when it is published
