from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "cchc.inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from cchc.core.daily import register_daily_job
        from cchc.core.dashboard import register_panel_provider
        from cchc.inspections.dashboard import inspection_panels
        from cchc.inspections.services.findings import escalate_overdue
        from cchc.inspections.services.reorganisation import FOLLOWER
        from cchc.orgunits.reorganisation import register_follower

        register_panel_provider(inspection_panels)
        register_daily_job(escalate_overdue, "overdue remediation actions escalated")
        register_follower(FOLLOWER)
