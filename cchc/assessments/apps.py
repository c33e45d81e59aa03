from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "cchc.assessments"
    verbose_name = _("Scoring rounds")

    def ready(self) -> None:
        from cchc.assessments.dashboard import scoring_panels
        from cchc.assessments.services.notices import send_deadline_reminders
        from cchc.assessments.services.reorganisation import FOLLOWER
        from cchc.core.daily import register_daily_job
        from cchc.core.dashboard import register_panel_provider
        from cchc.orgunits.reorganisation import register_follower

        register_panel_provider(scoring_panels)
        register_daily_job(send_deadline_reminders, "reminders")
        register_follower(FOLLOWER)
