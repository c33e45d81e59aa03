from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cchc.core.points import parse_decimal
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.rules import Rule
from cchc.frameworks.scoring import Section
from cchc.frameworks.sources import DataSource
from cchc.orgunits.models import OrgUnit

IMPORT_MAX_BYTES = 10 * 1024 * 1024
KIND_CHOICES = [
    (OrgUnit.Kind.WARD.value, OrgUnit.Kind.WARD.label),
    (OrgUnit.Kind.COMMUNE.value, OrgUnit.Kind.COMMUNE.label),
]
FILE_TOO_LARGE_MESSAGE = _("The file is larger than 10 MB.")
WRONG_EXTENSION_MESSAGE = _("Choose an .xlsx or .csv file.")
BANDS_HELP = _("One band per line or separated by “;”, as name=lowest per cent, e.g. “Tốt=80”.")
BAD_BANDS_MESSAGE = _("Write each band as name=per cent, e.g. “Xuất sắc=90; Tốt=80; Yếu=0”.")
BAND_RANGE_MESSAGE = _("Each band's per cent must be between 0 and 100, and appear once.")
RULE_HELP = _(
    "For example: yes_no · manual step=0.25 · tiers: 100=max; 95=3; 90=1 · ratio floor=80 · "
    "deduction 0.25 · checklist: A; B; C · graded · survey. See the guide in the template file."
)


def parse_bands(text: str) -> list[tuple[str, Decimal]]:
    """Parse "Xuất sắc=90; Tốt=80" into [(name, min_percent)]; raise ValidationError."""
    bands: list[tuple[str, Decimal]] = []
    for raw in text.replace("\n", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        name, equals, value = entry.rpartition("=")
        if not equals or not name.strip():
            raise forms.ValidationError(BAD_BANDS_MESSAGE)
        try:
            percent = parse_decimal(value.strip().rstrip("%"))
        except ValueError as error:
            raise forms.ValidationError(BAD_BANDS_MESSAGE) from error
        if not 0 <= percent <= 100 or any(percent == other for _, other in bands):
            raise forms.ValidationError(BAND_RANGE_MESSAGE)
        bands.append((name.strip(), percent))
    if not bands:
        raise forms.ValidationError(BAD_BANDS_MESSAGE)
    return bands


def bands_text(framework: Framework) -> str:
    return "; ".join(
        f"{band.name}={band.min_percent.normalize():f}" for band in framework.bands.all()
    )


class FrameworkForm(forms.ModelForm):
    version_token = forms.CharField(widget=forms.HiddenInput, required=False)
    unit_kinds = forms.MultipleChoiceField(
        label=_("Applies to"), choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    bands = forms.CharField(
        label=_("Classification bands"),
        help_text=BANDS_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Framework
        fields = [
            "name",
            "year",
            "unit_kinds",
            "decision_number",
            "decision_date",
            "description",
            "is_illustrative",
        ]
        widgets = {
            "decision_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_bands(self) -> list[tuple[str, Decimal]]:
        return parse_bands(self.cleaned_data["bands"])


class FrameworkImportForm(forms.Form):
    file = forms.FileField(label=_("Framework file (.xlsx or .csv)"))
    issuer = forms.ModelChoiceField(
        label=_("Issued by"), queryset=OrgUnit.objects.none(), empty_label=_("— Choose a unit —")
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to take it from the file's “Bộ tiêu chí” sheet."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Leave empty to take it from the file's “Bộ tiêu chí” sheet."),
    )
    unit_kinds = forms.MultipleChoiceField(
        label=_("Applies to"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = forms.DateField(
        label=_("Decision date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_illustrative = forms.BooleanField(
        label=_("Illustrative (not an official framework)"), required=False
    )

    def __init__(self, *args: Any, issuers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE_MESSAGE)
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(WRONG_EXTENSION_MESSAGE)
        return upload


class CriterionForm(forms.ModelForm):
    version_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Criterion
        fields = [
            "code",
            "title",
            "max_points",
            "rule_text",
            "section",
            "is_self_scored",
            "evidence_required",
            "evidence_kind",
            "agency",
            "data_source",
            "guidance",
            "legal_basis",
        ]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "guidance": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, agencies: Any, has_children: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["agency"].empty_label = _("— No agency —")  # type: ignore[attr-defined]
        self.fields["section"].choices = Section.choices  # type: ignore[attr-defined]
        self.fields["data_source"].choices = [  # type: ignore[attr-defined]
            ("", _("— Typed by the unit —")),
            *DataSource.choices,
        ]
        self.fields["rule_text"].help_text = RULE_HELP
        if has_children:
            # A parent is the sum of its children: its rule is not edited.
            del self.fields["rule_text"]

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "version_token"}


def preview_form_class(rule: Rule) -> type[forms.Form]:
    """Build a form with the inputs a rule reads, to try it on sample figures."""
    fields: dict[str, forms.Field] = {}
    for input_field in rule.input_fields():
        if input_field.kind == "choice":
            fields[input_field.name] = forms.ChoiceField(
                label=input_field.label,
                choices=[("", _("— Choose —")), *input_field.choices],
                required=False,
            )
        elif input_field.kind == "multi":
            fields[input_field.name] = forms.MultipleChoiceField(
                label=input_field.label,
                choices=input_field.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        else:
            fields[input_field.name] = forms.CharField(
                label=input_field.label,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
    return type("RulePreviewForm", (forms.Form,), fields)
