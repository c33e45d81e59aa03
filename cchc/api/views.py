"""The system administrator's pages for integration clients: list, create (the token shown
once), revoke."""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cchc.api import selectors, services
from cchc.api.forms import ClientCreateForm
from cchc.core.forms import add_service_errors
from cchc.core.permissions import capability_required
from cchc.core.roles import Capability

CLIENT_REVOKED_MESSAGE = gettext_noop("The client was revoked: its token no longer works.")
ALREADY_CREATED_MESSAGE = gettext_noop(
    "This client was already created, and its token shown once: the page was sent again "
    "(reloaded), so no second client was made. A token not copied cannot be shown again: "
    "revoke the client and create another."
)


@capability_required(Capability.MANAGE_API_CLIENTS)
def client_list_view(request: HttpRequest) -> HttpResponse:
    """Every client: its unit and role, scopes, expiry, last use and state."""
    clients = list(selectors.client_list_for_user(user=request.user))
    return render(request, "api/client_list.html", {"clients": clients})


@never_cache
@capability_required(Capability.MANAGE_API_CLIENTS)
def client_create_view(request: HttpRequest) -> HttpResponse:
    """Create a client. The answer to the POST shows its token, once: it is kept nowhere."""
    form = ClientCreateForm(
        request.POST if request.method == "POST" else None, initial={"once": secrets.token_hex(16)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.client_create(
                actor=request.user,
                name=data["name"],
                org_unit=data["org_unit"],
                role=data["role"],
                scopes=list(data["scopes"]),
                expires_at=form.expires_at(),
                creation_key=data["once"],
            )
        except services.ClientAlreadyCreated:
            # The page that showed the token, reloaded (or a double click): no second client.
            messages.warning(request, _(ALREADY_CREATED_MESSAGE))
            return redirect("api_clients:client_list")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            context = {"client": created.client, "token": created.token}
            return render(request, "api/client_created.html", context)
    status = 400 if form.errors else 200
    return render(request, "api/client_form.html", {"form": form}, status=status)


@require_POST
@capability_required(Capability.MANAGE_API_CLIENTS)
def client_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get_for_manage(user=request.user, pk=pk)
    try:
        services.client_revoke(actor=request.user, client=client)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(CLIENT_REVOKED_MESSAGE))
    return redirect("api_clients:client_list")
