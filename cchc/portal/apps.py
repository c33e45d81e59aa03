from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public portal at the site root: published results, news, citizens' ratings and
    comments. It reads the other apps' published data and writes only its own."""

    name = "cchc.portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from cchc.indicators.selectors import register_feedback_counter
        from cchc.portal.cache import connect
        from cchc.portal.selectors import feedback_counts

        register_feedback_counter(feedback_counts)  # the feedback_on_time data source
        connect()  # what the public pages show changes their cached version
