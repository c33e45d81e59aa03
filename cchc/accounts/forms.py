from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cchc.accounts.models import USERNAME_CHARACTERS_MESSAGE, USERNAME_PATTERN, User
from cchc.core.roles import Role
from cchc.orgunits.forms import UnitChoiceField
from cchc.orgunits.models import OrgUnit

# One message for a wrong username, a wrong password and an inactive account alike,
# so the form never tells whether a username exists.
INVALID_LOGIN_MESSAGE = _("The username or password is not correct. Check both and try again.")
PASSWORD_MISMATCH_MESSAGE = _("The two passwords are not the same.")
USERNAME_TAKEN_MESSAGE = _("This username is already taken; choose another.")
AREA_CODES_HELP = _("Only for appraisers: the codes of the framework areas, e.g. “1, 3, 5”.")


# Django 6.1's own refusal (password_validation.MinimumLengthValidator), reworded since its
# Vietnamese catalogue was made: named here only so that `make messages` keeps its
# translation in locale/vi (without it the page showed it in English).
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": INVALID_LOGIN_MESSAGE,
        "inactive": INVALID_LOGIN_MESSAGE,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def confirm_login_allowed(self, user: Any) -> None:
        # An integration client's service user has no usable password anyway; refused here
        # too, with the same message, should one ever be given a password.
        if getattr(user, "is_service", False):
            raise forms.ValidationError(INVALID_LOGIN_MESSAGE, code="inactive")
        super().confirm_login_allowed(user)


class EmailForm(forms.Form):
    """The address notifications are e-mailed to (checked by the service, in Vietnamese)."""

    email = forms.CharField(label=_("E-mail address"), max_length=254, required=False)


def new_password_field(label: Any, *, help_text: bool = False) -> forms.CharField:
    """A new password as the forms ask for it (never stripped, the browser told it is new)."""
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html() if help_text else "",
    )


def check_new_passwords(form: forms.Form, cleaned: dict[str, Any], user: Any) -> None:
    """The two new passwords agree and pass the password rules for `user` (errors go on the
    form's password1 and password2): the one check of the creation and reset forms."""
    first, second = cleaned.get("password1"), cleaned.get("password2")
    if first and second and first != second:
        form.add_error("password2", PASSWORD_MISMATCH_MESSAGE)
    elif first:
        try:
            password_validation.validate_password(first, user)
        except forms.ValidationError as error:
            form.add_error("password1", error)


class PasswordResetForm(forms.Form):
    """A new password a keeper gives a person who lost theirs (the sign-in page's lockout
    sends them to the Home Affairs office, which had no way to do it; a walk). `target` is
    the person, for the checks that compare it with their name."""

    password1 = new_password_field(_("New password"), help_text=True)
    password2 = new_password_field(_("New password again"))

    def __init__(self, *args: Any, target: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_new_passwords(self, cleaned, self.target)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


def _parse_area_codes(text: str) -> list[str]:
    return [code.strip() for code in text.replace(";", ",").split(",") if code.strip()]


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    # Units of one name told apart (the province's new "Phường Trần Phú" beside the city's:
    # two identical choices; a walk).
    org_unit = UnitChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), empty_label=_("— Choose a unit —")
    )
    area_codes = forms.CharField(
        label=_("Areas appraised"), required=False, help_text=AREA_CODES_HELP
    )

    def __init__(
        self, *args: Any, role_choices: list[tuple[str, str]], units: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("— Choose a role —")), *role_choices]  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units.select_related("parent")  # type: ignore[attr-defined]

    def clean_area_codes(self) -> list[str]:
        return _parse_area_codes(self.cleaned_data.get("area_codes", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") != Role.APPRAISER:
            cleaned["area_codes"] = []
        return cleaned


class UserCreateForm(MembershipForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    password1 = new_password_field(_("Password"), help_text=True)
    password2 = new_password_field(_("Password again"))
    field_order = [
        "username",
        "full_name",
        "email",
        "job_title",
        "password1",
        "password2",
        "role",
        "org_unit",
        "area_codes",
    ]

    def clean_username(self) -> str:
        # As Django will store it (NFKC: full-width letters become plain ones), then checked.
        username = User.normalize_username(self.cleaned_data["username"].strip())
        if not USERNAME_PATTERN.fullmatch(username):
            raise forms.ValidationError(USERNAME_CHARACTERS_MESSAGE)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(USERNAME_TAKEN_MESSAGE)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        check_new_passwords(self, cleaned, User(username=cleaned.get("username", "")))
        return cleaned
