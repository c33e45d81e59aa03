from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cchc.orgunits.models import OrgUnit

IMPORT_MAX_BYTES = 10 * 1024 * 1024
FILE_TOO_LARGE_MESSAGE = _("The file is larger than 10 MB; split it and import the parts.")
WRONG_EXTENSION_MESSAGE = _("Choose a .csv or .geojson file.")


class OrgUnitForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "gso_code",
            "name",
            "kind",
            "parent",
            "active_from",
            "active_to",
            "sort_order",
        ]
        widgets = {
            "active_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "active_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, parents: Any, parent_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        # Only administrators may create or keep a unit at the top of the tree.
        self.fields["parent"].required = parent_required
        self.fields["parent"].empty_label = _("— None (top of the tree) —")  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("— Choose a kind —")), *OrgUnit.Kind.choices]  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        """Return the cleaned values named as the services take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OrgUnitImportForm(forms.Form):
    file = forms.FileField(label=_("File (.csv or .geojson)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE_MESSAGE)
        name = upload.name.lower()
        if not name.endswith((".csv", ".geojson", ".json")):
            raise forms.ValidationError(WRONG_EXTENSION_MESSAGE)
        return upload
