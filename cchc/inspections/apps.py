from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "cchc.inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from cchc.core.dashboard import register_panel_provider
        from cchc.inspections.dashboard import inspection_panels

        register_panel_provider(inspection_panels)
