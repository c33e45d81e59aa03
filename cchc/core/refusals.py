"""The refusal pages (400, 403, 404, 405) and the frame they are shown in."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# A refusal shown to a visitor (not signed in) is framed as a portal page: the portal's
# context processor reads this mark on the request.
PORTAL_FRAME_MARK = "in_portal_frame"


def refusal_page(
    request: HttpRequest, template: str, status: int, context: dict[str, Any] | None = None
) -> HttpResponse:
    """A refusal page (400, 403, 404, 405) in the frame of whoever asked: the officials' work
    space for someone signed in; the public portal for a visitor (a citizen following a
    mistyped link), whose way back is the portal, not the officials' sign-in."""
    user = getattr(request, "user", None)
    public = not (user is not None and user.is_authenticated)
    if public:
        setattr(request, PORTAL_FRAME_MARK, True)
    frame = "portal/base.html" if public else "base.html"
    return render(request, template, {**(context or {}), "frame": frame}, status=status)
