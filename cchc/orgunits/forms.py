from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cchc.core.forms import ModelIdsField
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.naming import label_apart, shared_names

IMPORT_MAX_BYTES = 10 * 1024 * 1024
FILE_TOO_LARGE_MESSAGE = _("The file is larger than 10 MB; split it and import the parts.")
WRONG_EXTENSION_MESSAGE = _("Choose a .csv or .geojson file.")


class SharedNameLabels:
    """Labels of units that tell apart those sharing a name with another choice: the unit
    above ("Phường Trần Phú — Thành phố Hà Tĩnh" beside the province's new "Phường Trần Phú —
    Tỉnh Hà Tĩnh"), and the end of a unit no longer active ("(đến 30/06/2025)"), so a citizen,
    an officer or an editor cannot pick the wrong one."""

    queryset: Any
    _shared: set[str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self._shared is None:
            choices = self.queryset
            self._shared = shared_names(
                choices.values_list("name", flat=True) if choices is not None else ()
            )
        return label_apart(obj, self._shared)


class UnitChoiceField(SharedNameLabels, forms.ModelChoiceField):
    """One unit, labelled as SharedNameLabels says."""

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset.select_related("parent"), **kwargs)
        self._shared = None


class UnitIdsField(SharedNameLabels, ModelIdsField):
    """Several units, labelled as SharedNameLabels says."""

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset.select_related("parent"), **kwargs)
        self._shared = None


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


REORGANISATION_MAX_BYTES = 2 * 1024 * 1024
REORGANISATION_FILE_TOO_LARGE_MESSAGE = _(
    "The file is larger than 2 MB; a reorganisation of the whole country fits in less."
)
REORGANISATION_EXTENSION_MESSAGE = _("Choose a .csv or .xlsx file.")
REORGANISATION_NOTHING_MESSAGE = _("Choose a file, or type the rows below.")


class ReorganisationForm(forms.Form):
    """A reorganisation described by a file (CSV or XLSX) or by rows typed in the page, in
    the same columns (docs/formats/reorganisation.md)."""

    name = forms.CharField(
        label=_("Name (the resolution it applies)"),
        max_length=255,
        help_text=_("For example: Nghị quyết 1665/NQ-UBTVQH15 sắp xếp ĐVHC cấp xã tỉnh Hà Tĩnh."),
    )
    effective_on = forms.DateField(
        label=_("Takes effect on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Former units end the day before; a row's own date, if the file has one, wins."
        ),
    )
    file = forms.FileField(label=_("File (.csv or .xlsx)"), required=False)
    rows = forms.CharField(
        label=_("Or type the rows"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text=_(
            "One change a line, the columns separated by commas, the first line naming them: "
            "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới"
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if upload.size > REORGANISATION_MAX_BYTES:
            raise forms.ValidationError(REORGANISATION_FILE_TOO_LARGE_MESSAGE)
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(REORGANISATION_EXTENSION_MESSAGE)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not cleaned.get("rows", "").strip() and not self.errors:
            raise forms.ValidationError(REORGANISATION_NOTHING_MESSAGE)
        return cleaned


class ReorganisationApplyForm(forms.Form):
    """The previewed spec sent back with the apply button: read and checked again."""

    name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    effective_on = forms.DateField(widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    content = forms.CharField(widget=forms.HiddenInput)  # the file, base64
