from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from cchc.accounts import selectors, services
from cchc.accounts.forms import (
    EmailForm,
    LanguageForm,
    LoginForm,
    MembershipForm,
    PasswordResetForm,
    UserCreateForm,
)
from cchc.accounts.models import User
from cchc.core.forms import add_service_errors, perform
from cchc.core.permissions import capability_required, user_has_capability
from cchc.core.roles import Capability

USER_CREATED_MESSAGE = gettext_noop(
    "The account was created. Give the user their password in person."
)
MEMBERSHIP_ADDED_MESSAGE = gettext_noop("The role was given.")
PASSWORD_SET_MESSAGE = gettext_noop(
    "%(user)s has a new password: give it to them in person; their open sessions have ended."
)
EMAIL_SAVED_MESSAGE = gettext_noop("The e-mail address was saved: notifications go to it.")
MEMBERSHIP_ENDED_MESSAGE = gettext_noop("The role was ended; it stays in the history.")
# A client's token reaches what its account's role reaches: changed here, a coordinator would
# widen a client that only the system administrator manages (cchc.api), behind its page.
CLIENT_ROLE_MESSAGE = gettext_noop(
    "An integration client's role is set by the system administrator on the integration "
    "clients page: revoke the client and create another to change it."
)
PASSWORD_CHANGED_MESSAGE = gettext_noop("Your password was changed.")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Django names the site by the request's host: the tab read "Đăng nhập · 127.0.0.1"
        # where every other page says "· CCHC" (a walk).
        context["site_name"] = settings.SITE_NAME
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.user_password_changed(user=self.request.user)  # type: ignore[arg-type]
        messages.success(self.request, _(PASSWORD_CHANGED_MESSAGE))
        return response


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    """Show who I am, my roles and where, and let me change my password, language and the
    address my notifications are e-mailed to."""
    memberships = request.user.active_memberships  # type: ignore[union-attr]
    form = EmailForm(initial={"email": request.user.email})  # type: ignore[union-attr]
    return render(
        request, "accounts/profile.html", {"memberships": memberships, "email_form": form}
    )


@require_POST
@login_required
def profile_email_view(request: HttpRequest) -> HttpResponse:
    """Set my own e-mail address."""
    form = EmailForm(request.POST)
    perform(
        request,
        lambda: services.user_set_email(
            actor=request.user,
            user=request.user,  # type: ignore[arg-type]
            email=form.cleaned_data["email"],
        ),
        _(EMAIL_SAVED_MESSAGE),
        form,
    )
    return redirect("accounts:profile")


@require_POST
@capability_required(Capability.MANAGE_USERS)
def user_email_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the e-mail address of a user I keep whole (every role of theirs is in my units)."""
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    if not selectors.keeps_whole(user=request.user, target=target):
        raise PermissionDenied
    form = EmailForm(request.POST)
    perform(
        request,
        lambda: services.user_set_email(
            actor=request.user, user=target, email=form.cleaned_data["email"]
        ),
        _(EMAIL_SAVED_MESSAGE),
        form,
    )
    return redirect("accounts:user_detail", pk=target.pk)


@require_POST
@capability_required(Capability.MANAGE_USERS)
def user_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a person I keep whole a new password (one's own is changed on one's own page)."""
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    if target.pk == request.user.pk or not selectors.keeps_whole(user=request.user, target=target):
        raise PermissionDenied
    form = PasswordResetForm(request.POST, target=target)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=target, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _(PASSWORD_SET_MESSAGE) % {"user": target.get_username()})
            return redirect("accounts:user_detail", pk=target.pk)
    return _render_user_detail(
        request, target, _membership_form(request), True, password_form=form, status=400
    )


@require_POST
def language_set_view(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account when logged in."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("core:home")
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    return response


@capability_required(Capability.VIEW_USERS)
def user_list_view(request: HttpRequest) -> HttpResponse:
    """List the users of the units I keep, with their roles."""
    query = request.GET.get("q", "").strip()
    users = selectors.user_list_for_user(user=request.user, query=query)
    context = {
        "users": users,
        "query": query,
        "can_manage": user_has_capability(request.user, Capability.MANAGE_USERS),
    }
    return render(request, "accounts/user_list.html", context)


@capability_required(Capability.MANAGE_USERS)
def user_create_view(request: HttpRequest) -> HttpResponse:
    """Create an account with its first role."""
    form = UserCreateForm(
        request.POST if request.method == "POST" else None,
        role_choices=selectors.roles_grantable_by(user=request.user),
        units=selectors.org_units_for_membership(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password1"],
                    full_name=data["full_name"],
                    email=data["email"],
                    job_title=data["job_title"],
                )
                services.membership_add(
                    actor=request.user,
                    user=user,
                    role=data["role"],
                    org_unit=data["org_unit"],
                    area_codes=data["area_codes"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(USER_CREATED_MESSAGE))
            return redirect("accounts:user_detail", pk=user.pk)
    status = 400 if form.errors else 200
    return render(request, "accounts/user_form.html", {"form": form}, status=status)


def _membership_form(request: HttpRequest, data: object = None) -> MembershipForm:
    return MembershipForm(
        data,  # type: ignore[arg-type]
        role_choices=selectors.roles_grantable_by(user=request.user),
        units=selectors.org_units_for_membership(user=request.user),
    )


@capability_required(Capability.VIEW_USERS)
def user_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one user's roles (current and ended) and let a keeper give or end roles."""
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    can_manage = user_has_capability(request.user, Capability.MANAGE_USERS)
    # Nobody gives themselves a role (the service refuses it): no form on one's own page.
    form = _membership_form(request) if can_manage and target.pk != request.user.pk else None
    return _render_user_detail(request, target, form, can_manage)


def _render_user_detail(
    request: HttpRequest,
    target: User,
    form: MembershipForm | None,
    can_manage: bool,
    *,
    password_form: PasswordResetForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    keeps_whole = can_manage and selectors.keeps_whole(user=request.user, target=target)
    may_reset = keeps_whole and target.pk != request.user.pk and not target.is_service
    context = {
        "target": target,
        "memberships": selectors.membership_list_for_user_detail(user=request.user, target=target),
        "form": form,
        "can_manage": can_manage,
        "email_form": EmailForm(initial={"email": target.email}) if keeps_whole else None,
        "password_form": (password_form or PasswordResetForm(target=target)) if may_reset else None,
    }
    if status is None:
        status = 400 if form is not None and form.errors else 200
    return render(request, "accounts/user_detail.html", context, status=status)


@require_POST
@capability_required(Capability.MANAGE_USERS)
def membership_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a user a role in a unit I keep."""
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    form = _membership_form(request, request.POST)
    if target.is_service:
        form.is_valid()
        form.add_error(None, _(CLIENT_ROLE_MESSAGE))
    elif form.is_valid():
        try:
            services.membership_add(
                actor=request.user,
                user=target,
                role=form.cleaned_data["role"],
                org_unit=form.cleaned_data["org_unit"],
                area_codes=form.cleaned_data["area_codes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(MEMBERSHIP_ADDED_MESSAGE))
            return redirect("accounts:user_detail", pk=target.pk)
    return _render_user_detail(request, target, form, can_manage=True)


@require_POST
@capability_required(Capability.MANAGE_USERS)
def membership_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End a role in a unit I keep."""
    membership = selectors.membership_get_for_edit(user=request.user, pk=pk)
    if membership.user.is_service:
        messages.error(request, _(CLIENT_ROLE_MESSAGE))
        return redirect("accounts:user_detail", pk=membership.user_id)
    try:
        services.membership_end(actor=request.user, membership=membership)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("accounts:user_detail", pk=membership.user_id)
    messages.success(request, _(MEMBERSHIP_ENDED_MESSAGE))
    # Ending the last role in my units takes the user out of my list.
    if selectors.user_list_for_user(user=request.user).filter(pk=membership.user_id).exists():
        return redirect("accounts:user_detail", pk=membership.user_id)
    return redirect("accounts:user_list")
