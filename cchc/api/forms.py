import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.api.models import ApiScope
from cchc.core.roles import Role
from cchc.orgunits.forms import UnitChoiceField
from cchc.orgunits.models import OrgUnit

EXPIRY_HELP = _("The client works until the end of this day. Empty: until it is revoked.")
ROLE_HELP = _(
    "The client reaches what this role reaches in the unit, as a person would in the pages "
    "(e.g. Home Affairs coordinator of the city for the one-stop-shop system)."
)
SCOPES_HELP = _("What the client may call; its role's rules still apply to each call.")
EXPIRY_PAST_MESSAGE = _("The expiry must be in the future.")


class ClientCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    # Two units sharing a name (the city's and the province's Phường Trần Phú) say the unit
    # above them; the tree's order puts each under its own.
    org_unit = UnitChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.filter(active_to__isnull=True)
        .select_related("parent")
        .order_by("path"),
        empty_label=_("— Choose a unit —"),
    )
    # Given once by the form's page: a second post of the same form (the browser's reload of
    # the page that shows the token) creates no second client.
    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # An administrator's role would reach every unit: a client acts for one unit's role.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("— Choose a role —"))]
        + [(value, label) for value, label in Role.choices if value != Role.SYSTEM_ADMIN],
        help_text=ROLE_HELP,
    )
    scopes = forms.MultipleChoiceField(
        label=_("API scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=SCOPES_HELP,
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        help_text=EXPIRY_HELP,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(EXPIRY_PAST_MESSAGE)
        return day

    def expires_at(self) -> datetime.datetime | None:
        day: Any = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
        return timezone.make_aware(end)
