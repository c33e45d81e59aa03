from django import forms
from django.utils.translation import gettext_lazy as _

from cchc.core.forms import date_widget


class IssueForm(forms.Form):
    signer_name = forms.CharField(label=_("Signed by"), max_length=255)
    issued_on = forms.DateField(label=_("Date"), widget=date_widget())
    difficulties = forms.CharField(
        label=_("Difficulties"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposals = forms.CharField(
        label=_("Proposals"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Issuing again: the number and symbol of the document the user saw would be replaced,
    # and their explicit confirmation (the service compares it with the current one).
    replaces = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    confirm_replace = forms.BooleanField(label=_("I confirm issuing it again"), required=False)


class ScanForm(forms.Form):
    file = forms.FileField(label=_("Signed and stamped scan (PDF)"))


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=_("Word template (.docx)"))


class BulkForm(forms.Form):
    signer_name = forms.CharField(
        label=_("Signed by"),
        max_length=255,
        required=False,
        help_text=_("Leave empty: each notice is signed by the head of its team."),
    )


class CertificateForm(forms.Form):
    org_unit = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Certificate of"),
        choices=[("signer", _("the signer")), ("body", _("the issuing body"))],
    )
    file = forms.FileField(label=_("PKCS#12 file (.p12, .pfx)"))
    password = forms.CharField(
        label=_("Password of the file"), widget=forms.PasswordInput, required=False
    )


class TrustRootForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    file = forms.FileField(label=_("Root certificate (.cer, .crt, .pem)"))


class CheckFileForm(forms.Form):
    file = forms.FileField(label=_("Signed PDF to check"))
