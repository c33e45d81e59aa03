from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The integration API (/api/v1/): the top layer, beside the pages. It reads every app
    through its selectors and writes through its services; nothing imports it."""

    name = "cchc.api"
    verbose_name = _("Integration API")
