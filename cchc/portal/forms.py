from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.assessments.models import Round
from cchc.core.forms import ModelIdsField, PublicTextField
from cchc.inspections.models import Inspection
from cchc.orgunits.forms import UnitChoiceField, UnitIdsField
from cchc.orgunits.models import OrgUnit
from cchc.portal import richtext
from cchc.portal.models import Article, WebsiteLink

WRONG_CODE_MESSAGE = _("The verification code is wrong.")
EXPIRED_CODE_MESSAGE = _(
    "The verification code has expired or was used already (a code lasts 10 minutes): type "
    "the new one shown. What you wrote is kept."
)
# Units listed under their parent, each parent's in its own order: the city's 2020 wards and
# the province's new units came interleaved, two "Phường Trần Phú" apart.
UNITS_BY_PARENT = ("parent__path", "sort_order", "name")


class RoundIdsField(ModelIdsField):
    """Published rounds, each named with its organiser: the city's and the province's
    "Đợt đánh giá năm 2025" read the same."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} — {obj.organiser.name}"


class RichTextArea(forms.Textarea):
    """The body's textarea, holding only what a saved body may hold (richtext.clean): the
    editor's page (static/js/richtext.js) makes it the editable text, and a body sent back with
    a form error would otherwise bring its scripts and handlers into the editor's own page."""

    def format_value(self, value: Any) -> str | None:
        text = super().format_value(value)
        return richtext.clean(text) if text else text


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        max_length=100_000,
        # Written as a page with the toolbar above it (static/js/richtext.js); the HTML itself
        # under "HTML", or without JavaScript.
        widget=RichTextArea(
            attrs={"rows": 14, "data-richtext": "1", "data-richtext-label": _("Body")}
        ),
        help_text=_(
            "Headings, paragraphs, lists, bold, italics, links and the article's own photos are "
            "kept; anything else (scripts, styles, pictures from other sites) is removed when "
            "the article is saved."
        ),
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=300)
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to publish as soon as it is approved."),
    )
    units = UnitIdsField(
        label=_("Units"),
        required=False,
        # The units of today: those a reorganisation ended are history, not an article's news.
        queryset=OrgUnit.objects.filter(
            kind__in=OrgUnit.ASSESSED_KINDS, active_to__isnull=True
        ).order_by(*UNITS_BY_PARENT),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    rounds = RoundIdsField(
        label=_("Scoring rounds"),
        required=False,
        queryset=Round.objects.filter(status=Round.Status.PUBLISHED)
        .select_related("organiser")
        .order_by("-year"),
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    inspections = ModelIdsField(
        label=_("Published inspections"),
        required=False,
        queryset=Inspection.objects.filter(is_published=True)
        .select_related("org_unit")
        .order_by("-visit_date"),
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An article already linked to a unit a reorganisation has since ended keeps it.
        linked = [unit.pk for unit in (self.initial.get("units") or [])]
        if linked:
            field = self.fields["units"]
            field.queryset = (  # type: ignore[attr-defined]
                OrgUnit.objects.filter(kind__in=OrgUnit.ASSESSED_KINDS)
                .filter(Q(active_to__isnull=True) | Q(pk__in=linked))
                .select_related("parent")
                .order_by("sort_order", "name")
            )

    @classmethod
    def initial_for(cls, article: Article) -> dict[str, Any]:
        return {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "tags": article.tags,
            "publish_at": article.publish_at,
            "units": list(article.units.all()),
            "rounds": list(article.rounds.all()),
            "inspections": list(article.inspections.all()),
        }


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG or WebP, up to 8 MB)"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose from 1 to 5 stars."),
            "required": _("Choose from 1 to 5 stars."),
        },
    )


class VerifiedForm(forms.Form):
    """A form a person sends with the verification code they read (captcha_0 is the code's key,
    captcha_1 what they typed). The code is checked and spent in one DELETE: of two requests
    sending the same code at once, only one gets it."""

    captcha_0 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    captcha_1 = forms.CharField(label=_("Verification code"), required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        from captcha.models import CaptchaStore
        from django.utils import timezone

        cleaned = super().clean() or {}
        key = (cleaned.get("captcha_0") or "").strip()
        typed = (cleaned.get("captcha_1") or "").strip().lower()
        spent = 0
        if key and typed:
            spent, _kinds = CaptchaStore.objects.filter(
                hashkey=key, response=typed, expiration__gt=timezone.now()
            ).delete()
        if not spent:
            # A citizen writing a long feedback outlives the code asked for as they began: it
            # said "wrong", though it was right (a citizen walk).
            # Expired (or already spent, or deleted as expired codes are): no live code has
            # that key; a live one typed wrongly is wrong.
            expired = (
                bool(key)
                and not CaptchaStore.objects.filter(
                    hashkey=key, expiration__gt=timezone.now()
                ).exists()
            )
            self.add_error("captcha_1", EXPIRED_CODE_MESSAGE if expired else WRONG_CODE_MESSAGE)
        return cleaned


# What a citizen sends is shown to officials and on the portal as written, never with its
# direction reversed (a subject "‮gnp.exe" read "exe.png"): PublicTextField.
class CommentForm(VerifiedForm):
    name = PublicTextField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("E-mail (not shown)"), required=False)
    text = PublicTextField(
        label=_("Comment"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Left empty by people; robots fill every field (hidden by the stylesheet, not by HTML).
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(WRONG_CODE_MESSAGE)
        return ""


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Official reply"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )


class LinkForm(forms.ModelForm):
    class Meta:
        model = WebsiteLink
        fields = ["title", "url", "order"]


class FeedbackForm(VerifiedForm):
    name = PublicTextField(label=_("Your name"), max_length=100)
    contact = PublicTextField(
        label=_("Phone or e-mail (not shown)"), max_length=120, required=False
    )
    org_unit = UnitChoiceField(
        label=_("Ward or commune concerned"),
        queryset=OrgUnit.objects.filter(kind__in=OrgUnit.ASSESSED_KINDS, active_to__isnull=True)
        .select_related("parent")
        .order_by(*UNITS_BY_PARENT),
        empty_label=_("— Choose —"),
    )
    subject = PublicTextField(
        label=_("Subject of the feedback"),
        max_length=200,
        # The unit may publish its answer, with the subject: the citizen is told before.
        help_text=_(
            "Shown with the answer if the unit publishes it: write no name, address or phone "
            "number here."
        ),
    )
    text = PublicTextField(
        label=_("Your feedback or recommendation"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(WRONG_CODE_MESSAGE)
        return ""


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    publish = forms.BooleanField(
        label=_("Publish the answer on the portal"),
        required=False,
        help_text=_(
            "The citizen reads the answer with the tracking code either way; published, it is "
            "listed on the portal for everyone, with the feedback's subject."
        ),
    )
