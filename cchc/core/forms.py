from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cchc.core.audit import object_type_label


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    actor = forms.CharField(label=_("User"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, object_types: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["object_type"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (value, object_type_label(value)) for value in object_types
        ]


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (else at the top)."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, field_errors in error.message_dict.items():
        for message in field_errors:
            form.add_error(field if field in form.fields else None, message)


def form_error_messages(form: forms.BaseForm) -> list[str]:
    """Return every error of a form as plain sentences (for messages after a redirect)."""
    return [str(message) for errors in form.errors.values() for message in errors]
