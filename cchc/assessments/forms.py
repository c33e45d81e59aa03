from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cchc.assessments.models import Round
from cchc.assessments.services.evidence import TOO_LARGE_MESSAGE
from cchc.core.forms import ModelIdsField, date_widget
from cchc.core.points import parse_decimal
from cchc.frameworks.models import Framework
from cchc.orgunits.models import OrgUnit


class RoundForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("Framework"), queryset=Framework.objects.none(), empty_label=_("— Choose —")
    )
    period = forms.ChoiceField(label=_("Period"), choices=Round.Period.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    units = ModelIdsField(
        label=_("Units"),
        queryset=OrgUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every ward and commune that self-scores in this round."),
    )
    self_assessment_due_on = forms.DateField(
        label=_("Self-assessment deadline"), widget=date_widget()
    )
    appraisal_due_on = forms.DateField(label=_("Appraisal deadline"), widget=date_widget())
    appeals_due_on = forms.DateField(label=_("Appeals deadline"), widget=date_widget())
    previous = forms.ModelChoiceField(
        label=_("Previous round"),
        queryset=Round.objects.none(),
        required=False,
        empty_label=_("— None —"),
        help_text=_(
            "The 9-month round starts from the 6-month one: figures and evidence are carried over."
        ),
    )

    def __init__(self, *args: Any, frameworks: Any, units: Any, rounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["previous"].queryset = rounds  # type: ignore[attr-defined]


class ExtendForm(forms.Form):
    due_on = forms.DateField(label=_("New deadline"), widget=date_widget())
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RoundDeadlinesForm(forms.Form):
    self_assessment_due_on = forms.DateField(
        label=_("Self-assessment deadline"), widget=date_widget()
    )
    appraisal_due_on = forms.DateField(label=_("Appraisal deadline"), widget=date_widget())
    appeals_due_on = forms.DateField(label=_("Appeals deadline"), widget=date_widget())
    reason = forms.CharField(label=_("Reason (the units are told)"), max_length=500)
    version = forms.CharField(widget=forms.HiddenInput, required=False)


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64, required=False)
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=date_widget())


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX, XLSX, JPG, PNG)"))
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=date_widget())


class EvidenceCiteForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=500)
    document_number = forms.CharField(label=_("Number"), max_length=64)
    document_date = forms.DateField(label=_("Date"), widget=date_widget())
    issuer = forms.CharField(label=_("Issued by"), max_length=255, required=False)


class PointsField(forms.CharField):
    """Points as officials write them: 7,5 or 7.5."""

    default_error_messages = {"invalid": _("Write a number such as 7,5.")}

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_decimal(str(text))
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


class AppraiseForm(forms.Form):
    points = PointsField(label=_("Appraised score"))
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class AppealForm(forms.Form):
    requested_points = PointsField(label=_("Points you ask for"))
    reason = forms.CharField(
        label=_("Why the appraised score is wrong"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        # No decision is taken for the one typing a reason (it was "Accept" from the start,
        # and a reason typed then "Decide" accepted the appeal: a walk).
        choices=[("", _("— Choose —")), ("1", _("Accept")), ("0", _("Reject"))],
        coerce=lambda value: value == "1",
    )
    points = PointsField(label=_("Points decided"), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 1}))


class VerifyFileForm(forms.Form):
    """A file to compare with the evidence submitted (read for its SHA-256, never kept). No
    evidence is larger than an upload may be, so neither is a file worth hashing."""

    file = forms.FileField(label=_("A file to check"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(TOO_LARGE_MESSAGE).format(limit=limit // (1024 * 1024))
            )
        return upload
