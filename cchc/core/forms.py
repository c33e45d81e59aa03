from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cchc.core.audit import object_type_label


def date_widget() -> forms.DateInput:
    """The browser's date picker, with the value in the format it reads (every app's forms)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Characters that reorder the text around them: "‮gnp.exe" is shown as "exe.png". Nobody types
# them into a name or a subject; a text from the public loses them (`without_bidi_controls`).
BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C]
)


def without_bidi_controls(text: str) -> str:
    """The text without the marks and overrides that change the direction it is shown in."""
    return text.translate(BIDI_CONTROLS)


class PublicTextField(forms.CharField):
    """Text from the public, kept without direction marks, before the field is checked: a
    subject of marks alone is empty, so refused as required."""

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if text is None:  # an empty value is the field's own (empty_value)
            return text
        text = without_bidi_controls(text)
        return text.strip() if self.strip else text


# What a database's integer key holds (PostgreSQL's bigint; SQLite's INTEGER).
LARGEST_ID = 2**63 - 1


class ModelIdsField(forms.ModelMultipleChoiceField):
    """A list of ids chosen from a queryset. An id too large for any key is refused as an id
    that is not among the choices: SQLite cannot even compare it (a 500, found by the fuzzer)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: the parent refuses it, naming it
            if abs(number) > LARGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


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
    """Return every error of a form as plain sentences (for messages after a redirect), each
    field's led by its label: the directive form sent empty said "Trường này là bắt buộc."
    twice, and not of what (a new-user walk)."""
    sentences = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for message in errors:
            sentences.append(f"{label}: {message}" if label else str(message))
    return sentences


def perform(
    request: Any,
    action: Callable[[], Any],
    success: str,
    form: forms.BaseForm | None = None,
    *,
    keep: str = "",
) -> bool:
    """For a POST that redirects: check the form, run the service, and report either the
    success or every error (in Vietnamese, from the form or the service) as messages.

    `keep`: a refused form waits in the session under that key, as it was typed with each
    reason beside its field, for the page it returns to (`take_kept`)."""
    if form is not None and not form.is_valid():
        if keep:
            _keep(request, keep, form)
            return False
        for message in form_error_messages(form):
            messages.error(request, message)
        return False
    try:
        action()
    except ValidationError as error:
        if keep and form is not None:
            add_service_errors(form, error)
            _keep(request, keep, form)
            return False
        for message in error.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


def _keep(request: Any, key: str, form: forms.BaseForm) -> None:
    """Keep what was typed and why it was refused; a reason no field holds goes on top."""
    for message in form.non_field_errors():
        messages.error(request, str(message))
    request.session[key] = {
        "data": {
            name: request.POST.getlist(name)
            for name in request.POST
            if name != "csrfmiddlewaretoken"
        },
        "errors": {
            name: [str(message) for message in errors]
            for name, errors in form.errors.items()
            if name in form.fields
        },
    }


def take_kept(
    request: Any, key: str, build: Callable[[Any], forms.BaseForm]
) -> forms.BaseForm | None:
    """The form refused on the user's last post (perform's `keep`), bound to what was typed
    with each reason beside its field; None when there is none (once read, it is gone)."""
    kept = request.session.pop(key, None)
    if not kept:
        return None
    data = QueryDict(mutable=True)
    for name, values in kept["data"].items():
        data.setlist(name, values)
    form = build(data)
    form.is_valid()
    for name, reasons in kept["errors"].items():
        for reason in reasons:
            if name in form.fields and reason not in form.errors.get(name, []):
                form.add_error(name, reason)
    return form
