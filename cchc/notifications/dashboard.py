from typing import Any

from django.utils.translation import gettext as _

from cchc.core.dashboard import LivePanel, PanelItem
from cchc.notifications.selectors import notification_list_for_user


def inbox_panels(user: Any) -> list[LivePanel]:
    """Put the latest unread notifications first on the home page."""
    unread = list(notification_list_for_user(user=user).filter(read_at__isnull=True)[:5])
    if not unread:
        return []
    items = [PanelItem(item.title, item.url, item.body[:140]) for item in unread]
    return [LivePanel("inbox", _("New notifications"), items)]
