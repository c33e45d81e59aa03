from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cchc.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from cchc.core.dashboard import register_panel_provider
        from cchc.notifications.dashboard import inbox_panels

        register_panel_provider(inbox_panels)
