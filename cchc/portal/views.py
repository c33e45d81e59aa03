"""The public portal (no account needed) and the editorial board's pages."""

from typing import Any

from captcha.helpers import captcha_image_url
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.core.dates import COLUMN_PLACES, format_points
from cchc.core.permissions import user_has_capability
from cchc.core.refusals import PORTAL_FRAME_MARK
from cchc.core.roles import Capability
from cchc.frameworks.palette import PALETTE
from cchc.frameworks.selectors import bands_of
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q
from cchc.portal import selectors, services
from cchc.portal.cache import cached, figures, page, version_in_cache
from cchc.portal.codes import spelled
from cchc.portal.forms import CommentForm, FeedbackForm, RatingForm
from cchc.portal.models import (
    Article,
    ArticlePhoto,
    Comment,
    CountedRequest,
    Feedback,
    PortalSettings,
    Rating,
    WebsiteLink,
)
from cchc.portal.visitors import (
    COOKIE,
    COOKIE_AGE,
    address_hash,
    statistics,
    visitor_key,
    visitor_token,
)

NON_BREAKING_HYPHEN = "\u2011"

ARTICLES_PER_PAGE = 10
# Where a message about a form is shown: next to that form, the element the redirect scrolls to
# (a message at the top of the page went unseen below the fold). A comment's report is answered
# under that comment, "comment-<pk>".
AT_RATING = "rating"
AT_COMMENT_FORM = "your-comment"
AT_COMMENTS = "comments"


def _captcha(request: HttpRequest, text: bool = False) -> dict[str, Any]:
    """A new verification code: an image, or (for who cannot read it) the same kind of code
    spelled out; or, when this address has asked for too many, why not and for how long."""
    try:
        code = services.code_new(address=address_hash(request))
    except services.TooManyRequests as refusal:
        return {"refused": refusal.messages[0], "retry_after": refusal.retry_after}
    if text:
        return {"key": code.hashkey, "question": spelled(code.challenge)}
    return {"key": code.hashkey, "image": captcha_image_url(code.hashkey)}


def _focus_first_error(form: Any, captcha: dict[str, Any] | None) -> None:
    """A refused form comes back with the focus on the first thing to correct, in the order the
    page shows them (the verification code last): the browser scrolls there, so the reason is
    where the reader looks, not below the fold of a page reloaded at its top."""
    for name in form.fields:
        if name in form.errors and not name.startswith("captcha"):
            form.fields[name].widget.attrs["autofocus"] = True
            return
    if "captcha_1" in form.errors and captcha is not None and "key" in captcha:
        captcha["focus"] = True


def captcha_view(request: HttpRequest) -> HttpResponse:
    """A fresh code for the comment form (its refresh button, and the question instead)."""
    captcha = _captcha(request, text=request.GET.get("text") == "1")
    response = render(request, "portal/_captcha.html", {"captcha": captcha})
    if "refused" in captcha:
        response.status_code = 429
        response["Retry-After"] = str(captcha["retry_after"])
    return response


def home_view(request: HttpRequest) -> HttpResponse:
    def build() -> dict[str, Any]:
        rounds = list(selectors.published_rounds()[:1])
        latest = rounds[0] if rounds else None
        return {
            "round": latest,
            "top": selectors.round_table(latest)[:10] if latest else [],
            "articles": list(selectors.public_articles()[:6]),
        }

    def draw() -> HttpResponse:
        # Scheduled articles appear at their minute: the minute is part of the key.
        minute = timezone.now().strftime("%Y%m%d%H%M")
        return render(request, "portal/home.html", cached(f"home:{minute}", build))

    return page(request, "home", draw)


def article_list_view(request: HttpRequest) -> HttpResponse:
    articles = selectors.public_articles()
    tag = request.GET.get("tag", "").strip()
    if tag:
        articles = articles.filter(tags__icontains=tag)
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/article_list.html", {"page": page, "tag": tag})


def _article_context(request: HttpRequest, article: Article, **extra: Any) -> dict[str, Any]:
    return {
        "article": article,
        "photos": list(article.photos.all()),
        "rating": selectors.rating_summary(Rating.Target.ARTICLE, article.pk),
        "own_stars": _own_stars(request, Rating.Target.ARTICLE, article.pk),
        "comments": selectors.visible_comments(article),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        # A code is made when the reader starts a comment (or comes back with errors), not for
        # every reader of the article: no database write per view.
        "captcha": _captcha(request)
        if extra.get("comment_errors") or request.GET.get("ma") == "1"
        else None,
        "rating_form": RatingForm(),
        "units": list(article.units.all()),
        **extra,
    }


def _own_stars(request: HttpRequest, target: str, pk: int) -> int | None:
    """The stars the visitor gave, known by their cookie (a visitor without one has none)."""
    token, new = visitor_token(request)
    return None if new else selectors.own_rating(target, pk, visitor_key(token))


def _public_article(slug: str) -> Article:
    article = get_object_or_404(Article, slug=slug)
    if not article.is_public:
        raise Http404
    return article


def article_view(request: HttpRequest, slug: str) -> HttpResponse:
    article = _public_article(slug)
    return render(request, "portal/article.html", _article_context(request, article))


def _with_visitor(
    request: HttpRequest, response: HttpResponse, token: str, new: bool
) -> HttpResponse:
    if new:
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_POST
def rate_view(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """1–5 stars on an article or a unit's page, once per visitor."""
    if target == Rating.Target.ARTICLE:
        article = get_object_or_404(Article, pk=pk)
        if not article.is_public:
            raise Http404
        back = article.get_absolute_url()
    elif target == Rating.Target.UNIT:
        unit = get_object_or_404(OrgUnit, pk=pk, kind__in=OrgUnit.ASSESSED_KINDS)
        back = reverse("portal:unit", args=[unit.code])
    else:
        raise Http404
    token, new = visitor_token(request)
    try:
        services.rate(
            target=target,
            target_id=pk,
            stars=request.POST.get("stars"),
            visitor=visitor_key(token),
            address=address_hash(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages), extra_tags=AT_RATING)
    else:
        messages.success(request, _("Thank you: your rating was counted."), extra_tags=AT_RATING)
    return _with_visitor(request, redirect(f"{back}#{AT_RATING}"), token, new)


@require_POST
def comment_view(request: HttpRequest, slug: str) -> HttpResponse:
    article = _public_article(slug)
    form = CommentForm(request.POST)
    refused: ValidationError | None = None
    if form.is_valid():
        try:
            comment = services.comment_post(
                article=article,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                text=form.cleaned_data["text"],
                address=address_hash(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            refused = error
        else:
            if comment.status == Comment.Status.PENDING:
                thanks = _("Thank you. Your comment will appear once a moderator has read it.")
            else:
                thanks = _("Thank you. Your comment is published.")
            messages.success(request, thanks, extra_tags=AT_COMMENT_FORM)
            return redirect(f"{article.get_absolute_url()}#{AT_COMMENT_FORM}")
    # Everything the citizen wrote stays in the form, with the reason next to it.
    context = _article_context(request, article, comment_form=form, comment_errors=True)
    _focus_first_error(form, context.get("captcha"))
    response = render(request, "portal/article.html", context, status=400)
    return _too_many(response, refused)


def _too_many(response: HttpResponse, refusal: Exception | None) -> HttpResponse:
    """A page refused for sending too often answers 429 and says when to try again."""
    if isinstance(refusal, services.TooManyRequests):
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response


@require_POST
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment, pk=pk, status=Comment.Status.VISIBLE, is_official=False)
    article = _public_article(comment.article.slug)
    token, new = visitor_token(request)
    counted = services.comment_report(
        comment=comment, visitor=visitor_key(token), address=address_hash(request)
    )
    # Under the comment; above the comments when enough reports have just hidden it.
    still_shown = Comment.objects.filter(pk=comment.pk, status=Comment.Status.VISIBLE).exists()
    place = f"comment-{comment.pk}" if still_shown else AT_COMMENTS
    if counted:
        messages.success(
            request,
            _("Thank you: the editorial board will look at this comment."),
            extra_tags=place,
        )
    else:
        messages.info(request, _("You have already reported this comment."), extra_tags=place)
    return _with_visitor(request, redirect(f"{article.get_absolute_url()}#{place}"), token, new)


def ranking_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rounds = cached("rounds", lambda: list(selectors.published_rounds()))
    if pk is None:
        round_ = rounds[0] if rounds else None
    else:
        round_ = next((r for r in rounds if r.pk == pk), None)
        if round_ is None:
            raise Http404
    context = {
        "round": round_,
        "rounds": rounds,
        "rows": cached(f"table:{round_.pk}", lambda: selectors.round_table(round_))
        if round_
        else [],
    }
    return render(request, "portal/ranking.html", context)


def unit_view(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(OrgUnit, code=code, kind__in=OrgUnit.ASSESSED_KINDS)
    page = cached(f"unit:{unit.pk}", lambda: selectors.unit_page(unit))
    context = {
        "page": page,
        "unit": unit,
        "rating": selectors.rating_summary(Rating.Target.UNIT, unit.pk),
        "own_stars": _own_stars(request, Rating.Target.UNIT, unit.pk),
        "rating_form": RatingForm(),
    }
    return render(request, "portal/unit.html", context)


def map_view(request: HttpRequest) -> HttpResponse:
    rounds = list(selectors.published_rounds()[:1])
    latest = rounds[0] if rounds else None
    bands = []
    if latest is not None:
        bands = [
            (PALETTE.get(b.colour, PALETTE["none"]), b.name) for b in bands_of(latest.framework)
        ]
    return render(request, "portal/map.html", {"round": latest, "bands": bands})


def map_data_view(request: HttpRequest) -> JsonResponse:
    """The units' boundaries coloured by the latest published score, linked to their pages:
    the units of today (not those a reorganisation ended) of the round's organiser (another
    tree's units lie over them)."""
    rounds = list(selectors.published_rounds()[:1])
    rows = {row.org_unit_id: row for row in selectors.round_table(rounds[0])} if rounds else {}
    units = OrgUnit.objects.filter(
        kind__in=OrgUnit.ASSESSED_KINDS, boundary__isnull=False, active_to__isnull=True
    )
    if rounds:
        units = units.filter(under_q([rounds[0].organiser]))
    features = []
    for unit in units:
        row = rows.get(unit.pk)
        features.append(
            {
                "type": "Feature",
                "geometry": unit.boundary,
                "properties": {
                    "name": unit.name,
                    "measures": {
                        "score": {
                            "colour": PALETTE.get(
                                (row.band_colour if row else "") or "none", PALETTE["none"]
                            ),
                            "text": f"{format_points(row.percent, COLUMN_PLACES)}% — {row.band}"
                            if row is not None and row.percent is not None
                            else _("No published result"),
                        }
                    },
                    "url": reverse("portal:unit", args=[unit.code]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


def document_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A published inspection's conclusion notice: the digitally signed PDF, else the signed
    scan, else the issued PDF. The
    scan is a file someone uploaded: it is downloaded, never opened in the portal's origin,
    and under a sandbox (no script) should a browser open it; the PDF we drew is shown."""
    document = selectors.public_document(pk)
    if document is None:
        raise Http404
    # The PDF CCHC signed digitally comes first: it is ours, and carries the signatures.
    if document.signed_pdf:
        signed: Any = FileResponse(
            document.signed_pdf.open("rb"),
            filename=f"{document.reference.replace('/', '-')}-ky-so.pdf",
            content_type="application/pdf",
        )
        return signed
    stored = document.scan or document.pdf
    if not stored:
        raise Http404
    response: Any = FileResponse(
        stored.open("rb"),
        as_attachment=bool(document.scan),
        filename=f"{document.reference.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )
    if document.scan:
        response["Content-Security-Policy"] = "sandbox"
    return response


def photo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's photo: to everyone once the article is public, before that to editors.
    (Uploaded files are never served wholesale: evidence lives beside them.)"""
    photo = get_object_or_404(ArticlePhoto.objects.select_related("article"), pk=pk)
    editor = request.user.is_authenticated and user_has_capability(
        request.user, Capability.EDIT_PORTAL
    )
    if not (photo.article.is_public or editor):
        raise Http404
    name = str(photo.image.name).lower()
    kind = (
        "image/png"
        if name.endswith(".png")
        else "image/webp"
        if name.endswith(".webp")
        else "image/jpeg"
    )
    response: Any = FileResponse(photo.image.open("rb"), content_type=kind)
    # An hour at most: an unpublished article's photos soon leave shared caches too.
    response["Cache-Control"] = "public, max-age=3600" if photo.article.is_public else "private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"  # an uploaded file: nothing in it runs
    return response


def feedback_view(request: HttpRequest) -> HttpResponse:
    """Send feedback on an administrative regulation; the answer is followed with a code."""
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    refused: ValidationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            feedback = services.feedback_submit(
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                org_unit=form.cleaned_data["org_unit"],
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
                address=address_hash(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            refused = error
        else:
            messages.success(
                request,
                _(
                    "Thank you. Keep your tracking code %(code)s: with it you can follow the "
                    "answer here. %(unit)s answers by %(date)s."
                )
                % {
                    # A non-breaking hyphen: a phone broke the line at "PA-" (a lookup reads
                    # it as the plain one).
                    "code": feedback.code.replace("-", NON_BREAKING_HYPHEN),
                    "unit": feedback.org_unit.name,
                    "date": feedback.due_on.strftime("%d/%m/%Y"),
                },
            )
            return redirect(reverse("portal:feedback_lookup") + f"?code={feedback.code}")
    captcha = _captcha(request) if form.is_bound or request.GET.get("ma") == "1" else None
    context = {"form": form, "captcha": captcha}
    if form.errors:
        _focus_first_error(form, captcha)
    response = render(request, "portal/feedback.html", context, status=400 if form.errors else 200)
    return _too_many(response, refused)


def feedback_lookup_view(request: HttpRequest) -> HttpResponse:
    """Where a feedback stands, by its code. A code that does not exist gets the same answer
    as any code not found: the code is the only key; and an address may look up only so many
    codes in a while (guessing codes is refused)."""
    code = request.GET.get("code", "").strip().upper().replace(NON_BREAKING_HYPHEN, "-")[:16]
    if not code:
        return render(request, "portal/feedback_lookup.html", {"code": "", "looked": False})
    try:
        services.request_count(
            kind=CountedRequest.Kind.LOOKUP,
            address=address_hash(request),
            limit=services.LOOKUPS_PER_WINDOW,
            message=services.TOO_MANY_LOOKUPS_MESSAGE,
        )
    except services.TooManyRequests as refusal:
        context = {"code": code, "looked": False, "refused": refusal.messages[0]}
        response = render(request, "portal/feedback_lookup.html", context, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    context = {"code": code, "feedback": selectors.feedback_status(code), "looked": True}
    return render(request, "portal/feedback_lookup.html", context)


def feedback_answers_view(request: HttpRequest) -> HttpResponse:
    answers = (
        Feedback.objects.filter(status=Feedback.Status.ANSWERED, is_answer_public=True)
        .select_related("org_unit")
        .order_by("-answered_at")
    )
    page = Paginator(answers, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/feedback_answers.html", {"page": page})


def footer_context(request: HttpRequest) -> dict[str, Any]:
    """What every portal page shows at its foot (a context processor for portal pages, and for
    a refusal page shown to a visitor in the portal's frame)."""
    in_portal = bool(request.resolver_match and request.resolver_match.namespace == "portal")
    if not (in_portal or getattr(request, PORTAL_FRAME_MARK, False)):
        return {}

    def build() -> dict[str, Any]:
        return {
            "portal": PortalSettings.current(),
            "website_links": list(WebsiteLink.objects.all()),
        }

    # The database's version (without a shared cache) does not follow the name and the links.
    footer = cached("footer", build) if version_in_cache() else build()
    return {**footer, "visits": figures(statistics)}
