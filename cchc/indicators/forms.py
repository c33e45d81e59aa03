from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cchc.core.forms import date_widget
from cchc.core.imports import OLD_XLS_MESSAGE
from cchc.indicators.models import DossierImport
from cchc.indicators.periods import PERIODS
from cchc.orgunits.models import OrgUnit

PERIOD_CHOICES = [("h1", _("6 months")), ("m9", _("9 months")), ("annual", _("Year"))]
FIELD_CHOICES = [
    ("code", _("Dossier code")),
    ("procedure_code", _("Procedure code")),
    ("procedure_name", _("Procedure")),
    ("unit", _("Unit")),
    ("channel", _("Channel")),
    ("received_at", _("Received at")),
    ("due_at", _("Due at")),
    ("finished_at", _("Finished at")),
    ("status", _("Status")),
    ("apology", _("Apology letter issued")),
    ("apology_on", _("Apology letter date")),
    ("satisfaction", _("Satisfaction (1-5)")),
]
assert [value for value, _label in PERIOD_CHOICES] == list(PERIODS)  # noqa: S101


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES)


class DossierImportForm(forms.Form):
    file = forms.FileField(label=_("Export of the public-service software (.csv or .xlsx)"))
    mode = forms.ChoiceField(
        label=_("When some rows are wrong"),
        choices=DossierImport.Mode.choices,
        initial=DossierImport.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> Any:
        return checked_file(
            self.cleaned_data["file"],
            old_xls=_("Excel 97-2003 files (.xls) are not read: save the export as .xlsx or .csv."),
            limit=settings.DOSSIER_IMPORT_MAX_BYTES,
            too_large=_("The file is larger than %(size)s MB: split the export by period.")
            % {"size": settings.DOSSIER_IMPORT_MAX_BYTES // (1024 * 1024)},
        )


def checked_file(upload: Any, *, old_xls: Any, limit: int, too_large: Any) -> Any:
    """An import's file by its name and size (its content is read by the import): an old
    .xls said so, a name of no type the imports read, or a file over `limit` bytes, refused."""
    name = upload.name.lower()
    if name.endswith(".xls"):
        raise forms.ValidationError(old_xls)
    if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
    if upload.size > limit:
        raise forms.ValidationError(too_large)
    return upload


# Directives are a few hundred rows a year: 40,000 rows were read in the request, 15 s.
DIRECTIVE_IMPORT_MAX_BYTES = 10 * 1024 * 1024


class DirectiveImportForm(forms.Form):
    file = forms.FileField(label=_("File of directives (.csv or .xlsx)"))

    def clean_file(self) -> Any:
        return checked_file(
            self.cleaned_data["file"],
            old_xls=_(OLD_XLS_MESSAGE),  # the imports' one message for it (core.imports)
            limit=DIRECTIVE_IMPORT_MAX_BYTES,
            too_large=_("The file is larger than 10 MB."),
        )


class ColumnAliasForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=FIELD_CHOICES)
    heading = forms.CharField(label=_("Column heading in the file"), max_length=120)


class DirectiveForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=64)
    issued_on = forms.DateField(label=_("Date"), widget=date_widget())
    org_unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=OrgUnit.objects.none(), empty_label=_("— Choose —")
    )
    deadline = forms.DateField(label=_("Deadline"), widget=date_widget())
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=date_widget())
