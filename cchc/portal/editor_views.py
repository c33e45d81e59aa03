"""The editorial board's pages in the working app: articles through their states, photos,
comments to moderate (with official replies), the footer's links, the portal's policy and
its visitor statistics."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.core.forms import perform
from cchc.core.params import id_param
from cchc.core.permissions import capability_required
from cchc.core.roles import Capability
from cchc.orgunits.scope import FOLLOW_FEEDBACK, Scope
from cchc.portal import services
from cchc.portal.forms import AnswerForm, ArticleForm, LinkForm, PhotoForm, ReplyForm
from cchc.portal.models import (
    Article,
    ArticlePhoto,
    Comment,
    Feedback,
    PortalSettings,
    VisitDay,
    WebsiteLink,
)
from cchc.portal.visitors import BUFFER, statistics


@capability_required(Capability.EDIT_PORTAL)
def article_list_view(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.select_related("author").order_by("-updated_at")
    status = request.GET.get("status", "")
    if status in Article.Status.values:
        articles = articles.filter(status=status)
    context = {
        "articles": list(articles[:200]),
        "status": status,
        "statuses": Article.Status.choices,
        "waiting": Comment.objects.filter(
            status__in=[Comment.Status.PENDING, Comment.Status.HIDDEN], moderated_by__isnull=True
        ).count(),
    }
    return render(request, "portal/editor/article_list.html", context)


@capability_required(Capability.EDIT_PORTAL)
def article_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk) if pk else None
    initial = ArticleForm.initial_for(article) if article else None
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_save(
                actor=request.user, article=article, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The article was saved."))
            return redirect("portal_editor:article_edit", pk=article.pk)
    context = {
        "form": form,
        "article": article,
        # Only the steps the workflow lets this user take now (services.ARTICLE_STEPS).
        "steps": services.article_steps(actor=request.user, article=article) if article else [],
        "photo_form": PhotoForm(),
        "photos": list(article.photos.all()) if article else [],
    }
    return render(
        request, "portal/editor/article_form.html", context, status=400 if form.errors else 200
    )


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def article_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    target = request.POST.get("target", "")
    perform(
        request,
        lambda: services.article_transition(actor=request.user, article=article, target=target),
        _("The article is now “%(status)s”.")
        % {"status": dict(Article.Status.choices).get(target, "")},
    )
    return redirect("portal_editor:article_edit", pk=pk)


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def photo_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    perform(
        request,
        lambda: services.photo_add(
            actor=request.user,
            article=article,
            upload=form.cleaned_data["image"],
            caption=form.cleaned_data["caption"],
        ),
        _("The photo was added."),
        form=form,
    )
    return redirect("portal_editor:article_edit", pk=pk)


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def photo_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ArticlePhoto, pk=pk)
    article = services.photo_delete(actor=request.user, photo=photo)
    messages.success(request, _("The photo was removed."))
    return redirect("portal_editor:article_edit", pk=article.pk)


@capability_required(Capability.EDIT_PORTAL)
def moderation_view(request: HttpRequest) -> HttpResponse:
    """Comments waiting (pre-moderation), hidden by reports, and the latest shown."""
    waiting = (
        Comment.objects.filter(
            status__in=[Comment.Status.PENDING, Comment.Status.HIDDEN], moderated_by__isnull=True
        )
        .select_related("article")
        .order_by("created_at")
    )
    shown = Comment.objects.filter(status=Comment.Status.VISIBLE, is_official=False)
    recent = shown.select_related("article").order_by("-created_at")[:20]
    # Shown, but reported by readers (fewer times than hides it): the editors look at these.
    reported = shown.filter(reports__gt=0).select_related("article").order_by("-reports")[:100]
    # Hidden by an editor: found again here, to show it after all (it could not be).
    hidden = (
        Comment.objects.filter(
            status=Comment.Status.HIDDEN, moderated_by__isnull=False, is_official=False
        )
        .select_related("article", "moderated_by")
        .order_by("-updated_at")[:20]
    )
    context = {
        "waiting": list(waiting[:100]),
        "recent": list(recent),
        "hidden": list(hidden),
        "reported": list(reported),
        "reply_form": ReplyForm(),
        "policy": PortalSettings.current(),
        "moderation_choices": PortalSettings.Moderation.choices,
    }
    return render(request, "portal/editor/moderation.html", context)


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def moderate_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment, pk=pk, is_official=False)
    show = request.POST.get("action") == "show"
    services.comment_moderate(actor=request.user, comment=comment, show=show)
    messages.success(request, _("The comment is shown.") if show else _("The comment is hidden."))
    return redirect("portal_editor:moderation")


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment, pk=pk, is_official=False)
    form = ReplyForm(request.POST)
    perform(
        request,
        lambda: services.comment_reply(
            actor=request.user, comment=comment, text=form.cleaned_data["text"]
        ),
        _("The official reply is published."),
        form=form,
    )
    return redirect("portal_editor:moderation")


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def policy_view(request: HttpRequest) -> HttpResponse:
    perform(
        request,
        lambda: services.portal_settings_update(
            actor=request.user,
            moderation=request.POST.get("moderation", ""),
            feedback_days=request.POST.get("feedback_days", ""),
        ),
        _("The portal's rules were changed."),
    )
    return redirect("portal_editor:moderation")


@capability_required(Capability.EDIT_PORTAL)
def links_view(request: HttpRequest) -> HttpResponse:
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The link was added."))
            return redirect("portal_editor:links")
    context = {"form": form, "links": list(WebsiteLink.objects.all())}
    return render(request, "portal/editor/links.html", context, status=400 if form.errors else 200)


@require_POST
@capability_required(Capability.EDIT_PORTAL)
def link_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    services.link_delete(actor=request.user, link=get_object_or_404(WebsiteLink, pk=pk))
    messages.success(request, _("The link was removed."))
    return redirect("portal_editor:links")


@capability_required(Capability.EDIT_PORTAL)
def statistics_view(request: HttpRequest) -> HttpResponse:
    """Visits per day over the last 30 days, and the most read articles."""
    BUFFER.flush()
    since = timezone.localdate() - datetime.timedelta(days=29)
    days = dict(VisitDay.objects.filter(path="", day__gte=since).values_list("day", "views"))
    series = [
        (since + datetime.timedelta(days=n), days.get(since + datetime.timedelta(days=n), 0))
        for n in range(30)
    ]
    top = (
        VisitDay.objects.filter(path__startswith="article:")
        .values("path")
        .annotate(views=Sum("views"))
        .order_by("-views")[:10]
    )
    slugs = {row["path"].split(":", 1)[1]: row["views"] for row in top}
    articles = {a.slug: a for a in Article.objects.filter(slug__in=list(slugs))}
    context = {
        "series": series,
        "peak": max((views for _day, views in series), default=0) or 1,
        "top": [(articles[slug], views) for slug, views in slugs.items() if slug in articles],
        "visits": statistics(),
    }
    return render(request, "portal/editor/statistics.html", context)


def _feedback_for(user: Any) -> Any:
    """A unit's people its own feedback; the board and the coordinator the feedback of the
    units under their part of the tree; administrators all."""
    feedback = Feedback.objects.select_related("org_unit")
    return Scope.of(user).filter(feedback, "org_unit", purpose=FOLLOW_FEEDBACK)


def _may_answer(user: Any, feedback: Feedback) -> bool:
    """The unit answers its feedback (its officers and chair); the others follow it."""
    scope = Scope.of(user)
    return scope.is_admin or feedback.org_unit_id in scope.own_unit_ids


@capability_required(Capability.ANSWER_FEEDBACK)
def feedback_list_view(request: HttpRequest) -> HttpResponse:
    """Citizens' feedback to answer, the nearest deadline first; answered ones after."""
    feedback = _feedback_for(request.user)
    unit = id_param(request.GET, "unit")
    if unit is not None:
        feedback = feedback.filter(org_unit_id=unit)
    waiting = list(feedback.filter(status=Feedback.Status.RECEIVED).order_by("due_on")[:200])
    answered = list(feedback.filter(status=Feedback.Status.ANSWERED).order_by("-answered_at")[:50])
    context = {
        "waiting": waiting,
        "answered": answered,
        "today": timezone.localdate(),
        # Who answers: a unit's people (and administrators); the others follow.
        "answers_own": Scope.of(request.user).is_admin or bool(Scope.of(request.user).own_unit_ids),
    }
    return render(request, "portal/editor/feedback_list.html", context)


@capability_required(Capability.ANSWER_FEEDBACK)
def feedback_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_object_or_404(_feedback_for(request.user), pk=pk)
    may_answer = _may_answer(request.user, feedback)
    if request.method == "POST" and not may_answer:
        raise PermissionDenied
    form = AnswerForm(
        request.POST or None,
        initial={"answer": feedback.answer, "publish": feedback.is_answer_public},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_answer(
                actor=request.user,
                feedback=feedback,
                answer=form.cleaned_data["answer"],
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The answer was recorded; the citizen sees it with the code.")
            )
            return redirect("feedback:list")
    context = {
        "feedback": feedback,
        "form": form,
        "may_answer": may_answer,
        "today": timezone.localdate(),
    }
    return render(
        request, "portal/editor/feedback_detail.html", context, status=400 if form.errors else 200
    )
