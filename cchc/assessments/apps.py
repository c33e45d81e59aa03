from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "cchc.assessments"
    verbose_name = _("Scoring rounds")

    def ready(self) -> None:
        from cchc.assessments.dashboard import scoring_panels
        from cchc.core.dashboard import register_panel_provider

        register_panel_provider(scoring_panels)
