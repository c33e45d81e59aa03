from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from cchc.core.navigation import NAV_ITEMS
from cchc.core.permissions import user_has_capability


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Give templates the menu entries this user may use, and the site name."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for item in NAV_ITEMS:
            if item.capability is None or user_has_capability(user, item.capability):
                url = reverse(item.url_name)
                current = request.path == url or (
                    item.section != "" and request.path.startswith(f"/{item.section}")
                )
                items.append({"label": item.label, "url": url, "current": current})
    return {"nav_items": items, "site_name": settings.SITE_NAME}
