from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cchc.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from cchc.core import links  # noqa: F401 - registers the SITE_URL deploy check
