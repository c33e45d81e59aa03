from typing import Any

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from cchc.assessments.models import Evidence
from cchc.core.forms import ModelIdsField, date_widget
from cchc.frameworks.models import Framework
from cchc.inspections.models import (
    ChecklistItem,
    Finding,
    ItemResult,
    RootCause,
    Topic,
)
from cchc.orgunits.models import OrgUnit

# What a person writes on a visit: a note, a progress report, an action (a few sentences); a
# finding, its cause, a recommendation, the support given (a paragraph or two). A walk stored
# 400,000 characters as one finding: the visit's page weighed 1.8 MB, its notice half of it.
NOTE_LENGTH = 2000
TEXT_LENGTH = 5000


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class RequestForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        label=_("Unit to inspect"), queryset=OrgUnit.objects.none(), empty_label=_("— Choose —")
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    agency = forms.ModelChoiceField(
        label=_("Requesting agency"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    window_start = forms.DateField(label=_("From"), widget=date_widget())
    window_end = forms.DateField(label=_("To"), widget=date_widget())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, units: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class RescheduleForm(forms.Form):
    visit_date = forms.DateField(label=_("Visit date"), widget=date_widget())


class TeamMemberForm(forms.Form):
    user = forms.ChoiceField(label=_("Member"))
    topics = forms.MultipleChoiceField(
        label=_("Topics covered"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    is_head = forms.BooleanField(label=_("Head of the team"), required=False)

    def __init__(
        self, *args: Any, people: list[tuple[int, str]], topics: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("— Choose —")), *people]  # type: ignore[attr-defined]
        self.fields["topics"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Topic.choices if value in topics
        ]


class TeamDecisionForm(forms.Form):
    number = forms.CharField(label=_("Decision number"), max_length=64)
    date = forms.DateField(label=_("Decision date"), widget=date_widget())
    signer = forms.CharField(label=_("Signed by"), max_length=255)


class DocumentAnswerForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX, XLSX, JPG, PNG)"), required=False)
    evidence = forms.ModelChoiceField(
        label=_("Or link evidence of the self-assessment"),
        queryset=Evidence.objects.none(),
        required=False,
        empty_label=_("— None —"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, evidence: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence  # type: ignore[attr-defined]


class ItemResultForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=ItemResult.Verdict.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo (JPG or PNG)"))
    caption = forms.CharField(label=_("Caption"), max_length=500, required=False)


class SupportForm(forms.Form):
    text = forms.CharField(
        label=_("Support and guidance given"),
        required=False,
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChecklistItemsField(ModelIdsField):
    """Checklist items named with their checklist's topic and cut at a word: the four
    checklists of a visit each have an item 1.1 ("CCHC — 1.1. Ban hành Kế hoạch CCHC năm")."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.topic_short} — {obj.code}. {Truncator(obj.text).words(16)}"


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Finding.Kind.choices)
    area = forms.ChoiceField(label=_("Area"))
    text = forms.CharField(
        label=_("Finding"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", "—"), *Finding.Severity.choices], required=False
    )
    cause_kind = forms.ChoiceField(
        label=_("Kind of cause"), choices=[("", "—"), *Finding.CauseKind.choices], required=False
    )
    cause = forms.CharField(
        label=_("Cause"),
        required=False,
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    items = ChecklistItemsField(
        label=_("Checklist items"),
        queryset=ChecklistItem.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    root_causes = ModelIdsField(
        label=_("Root causes"),
        queryset=RootCause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_root_cause = forms.CharField(
        label=_("New root cause"),
        max_length=255,
        required=False,
        help_text=_("Only when none of the suggested ones fits."),
    )

    def __init__(
        self, *args: Any, areas: list[tuple[str, str]], items: Any, causes: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("— Choose —")), *areas]  # type: ignore[attr-defined]
        self.fields["items"].queryset = items.select_related("checklist")  # type: ignore[attr-defined]
        self.fields["root_causes"].queryset = causes  # type: ignore[attr-defined]


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label=_("Recommendation"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = ModelIdsField(
        label=_("Findings addressed"),
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    root_causes = ModelIdsField(
        label=_("Root causes addressed"),
        queryset=RootCause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, findings: Any, causes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = findings  # type: ignore[attr-defined]
        self.fields["root_causes"].queryset = causes  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    text = forms.CharField(label=_("Action"), max_length=NOTE_LENGTH)
    deadline = forms.DateField(label=_("Deadline"), widget=date_widget())


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(label=_("Evidence (PDF, DOCX, XLSX, JPG, PNG)"), required=False)
    is_done = forms.BooleanField(label=_("The action is done"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), max_length=NOTE_LENGTH)


class ChecklistImportForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    name = forms.CharField(label=_("Name"), max_length=255)
    file = forms.FileField(label=_("File (.csv or .xlsx)"))


class ChecklistFrameworkForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("Framework"), queryset=Framework.objects.none(), empty_label=_("— Choose —")
    )

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]
