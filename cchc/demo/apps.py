from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for a development machine. It imports every app; no app imports it."""

    name = "cchc.demo"
    verbose_name = _("Demo data")
