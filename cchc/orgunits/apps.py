from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgUnitsConfig(AppConfig):
    name = "cchc.orgunits"
    verbose_name = _("Organisational units")
