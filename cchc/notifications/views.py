from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from cchc.notifications import selectors, services

ALL_READ_MESSAGE = gettext_noop("All notifications are marked as read.")


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; unread ones stand out."""
    page = Paginator(selectors.notification_list_for_user(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page, "query_string": ""})


@require_POST
@login_required
def inbox_read_view(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications as read."""
    services.notification_mark_all_read(user=request.user)
    messages.success(request, _(ALL_READ_MESSAGE))
    return redirect("notifications:inbox")
