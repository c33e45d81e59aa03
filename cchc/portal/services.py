"""Writes of the portal: the editors' articles (one workflow: ARTICLE_STEPS), photos, links,
moderation and policy, the units' answers to feedback; citizens' ratings, comments and
reports. Each refuses bad input with a message in the reader's language and writes all or
nothing; every write of a person with an account is one event of the audit trail."""

import datetime
import hashlib
import io
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from cchc.accounts.models import Membership
from cchc.assessments.services.evidence import pixels_message
from cchc.assessments.services.notices import people_of
from cchc.core.audit import audit_record, changed_only, snapshot
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability, Role
from cchc.core.textsearch import fold
from cchc.notifications.models import Notification
from cchc.notifications.services import notifications_settle, notify
from cchc.orgunits.models import OrgUnit
from cchc.portal.models import (
    Article,
    ArticlePhoto,
    Comment,
    CommentReport,
    CountedRequest,
    Feedback,
    PortalSettings,
    Rating,
    WebsiteLink,
)
from cchc.portal.richtext import clean


@dataclass(frozen=True)
class ArticleStep:
    """One move of an article's workflow: from which status, to which, the button that makes
    it, and who may (a capability; the system, with no actor, may always)."""

    source: str
    target: str
    label: Promise
    capability: Capability = Capability.EDIT_PORTAL
    confirm: Promise | str = ""  # asked first, for a step citizens see at once


# The one workflow of an article: draft → in review → published (at its publication time, or
# now) → unpublished, and back. The editor's page offers exactly the steps
# article_transition_refusal() allows, in this order.
ARTICLE_STEPS = (
    ArticleStep(
        Article.Status.DRAFT, Article.Status.REVIEW, pgettext_lazy("article", "Send for review")
    ),
    ArticleStep(
        Article.Status.REVIEW,
        Article.Status.PUBLISHED,
        pgettext_lazy("article", "Approve and publish"),
    ),
    ArticleStep(
        Article.Status.REVIEW, Article.Status.DRAFT, pgettext_lazy("article", "Back to draft")
    ),
    ArticleStep(
        Article.Status.PUBLISHED,
        Article.Status.UNPUBLISHED,
        pgettext_lazy("article", "Unpublish"),
        confirm=gettext_lazy("Take the article off the portal? Citizens no longer see it."),
    ),
    ArticleStep(
        Article.Status.UNPUBLISHED,
        Article.Status.PUBLISHED,
        pgettext_lazy("article", "Publish again"),
        confirm=gettext_lazy("Publish the article again on the portal, as it is now?"),
    ),
    ArticleStep(
        Article.Status.UNPUBLISHED, Article.Status.DRAFT, pgettext_lazy("article", "Back to draft")
    ),
)
# What the trail keeps of an article: its fields, and its links (by name, as people read them).
ARTICLE_FIELDS = ["title", "summary", "body", "tags", "publish_at"]
ARTICLE_LINKS = ("units", "inspections", "rounds")
LINK_FIELDS = ["title", "url", "order"]
POLICY_FIELDS = ["moderation", "feedback_days"]
FEEDBACK_DAYS_RANGE = (1, 60)
FEEDBACK_FIELDS = ["status", "answer", "is_answer_public", "answered_at"]
COMMENTS_PER_WINDOW = 3
COMMENT_WINDOW = datetime.timedelta(minutes=10)
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

NOT_NEXT_MESSAGE = gettext_noop("An article that is “%(current)s” cannot become “%(target)s”.")
NO_STEP_MESSAGE = gettext_noop("Choose what to do with the article.")
NOT_ALLOWED_MESSAGE = gettext_noop("You may not change the status of this article.")
POLICY_MESSAGE = gettext_noop("Choose a rule, and from 1 to 60 working days for feedback.")
REPLY_NEEDED_MESSAGE = gettext_noop("Write the reply.")
TITLE_NEEDED_MESSAGE = gettext_noop("Write a title.")
STARS_MESSAGE = gettext_noop("Choose from 1 to 5 stars.")
RATED_MESSAGE = gettext_noop("You have already rated this.")
TOO_MANY_COMMENTS_MESSAGE = gettext_noop(
    "You have sent several comments in a short time: please try again in %(minutes)s minutes."
)
TOO_MANY_FEEDBACK_MESSAGE = gettext_noop(
    "You have sent several feedback messages in a short time: please try again in "
    "%(minutes)s minutes."
)
PHOTO_MESSAGE = gettext_noop("The photo must be a JPEG, PNG or WebP image of at most 8 MB.")
# Counted requests: a person asks for a few codes and looks a feedback up a few times; a
# ward's office behind one address, a few more. Codes: mobile networks put many citizens
# behind one address (a citizen walking the demo with a few tabs was refused after 20).
CODES_PER_WINDOW = 60
LOOKUPS_PER_WINDOW = 20
TOO_MANY_CODES_MESSAGE = gettext_noop(
    "Too many verification codes were asked for from your connection: please try again in "
    "%(minutes)s minutes."
)
TOO_MANY_LOOKUPS_MESSAGE = gettext_noop(
    "You have looked up feedback too many times in a short time: please try again in "
    "%(minutes)s minutes."
)


def _unique_slug(title: str) -> str:
    # Only ASCII letters and digits: the article's URL takes no other (a Greek, Lao or Chinese
    # letter left in the slug made every page that links the article fail).
    base = "-".join(fold(title).split())[:100]
    base = "".join(c for c in base if (c.isascii() and c.isalnum()) or c == "-")
    base = base.strip("-") or "bai-viet"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _article_state(article: Article) -> dict[str, Any]:
    """The article as the trail keeps it: its fields, and the names of what it is linked to."""
    state = snapshot(article, ARTICLE_FIELDS)
    for name in ARTICLE_LINKS:
        state[name] = [str(item) for item in getattr(article, name).order_by("pk")]
    return state


@transaction.atomic
def article_save(*, actor: Any, article: Article | None, data: dict[str, Any]) -> Article:
    """Create or change an article; the body is sanitised before it is stored. A change that
    changes nothing writes nothing."""
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _(TITLE_NEEDED_MESSAGE)})
    is_new = article is None
    if article is None:
        article = Article(author=actor if getattr(actor, "is_authenticated", False) else None)
        before: dict[str, Any] = {}
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
        before = _article_state(article)
    article.title = title[:300]
    article.summary = (data.get("summary") or "").strip()
    article.body = clean(data.get("body") or "")
    article.tags = ", ".join(
        tag.strip() for tag in (data.get("tags") or "").split(",") if tag.strip()
    )[:300]
    publish_at = data.get("publish_at")
    if (
        article.status == Article.Status.PUBLISHED
        and publish_at is not None
        and publish_at != article.publish_at
    ):
        # A published article given a new time is published at that time: a later one takes
        # it off the portal until then. The page said "scheduled for 01/06/2027" while the
        # article stayed public under its first date (a citizen walk).
        article.published_at = publish_at
    article.publish_at = publish_at
    if is_new:
        article.slug = _unique_slug(title)
    article.full_clean()
    article.save()
    for name in ARTICLE_LINKS:
        if name in data:
            getattr(article, name).set(data[name])
    after = _article_state(article)
    if is_new:
        audit_record(
            actor=actor,
            action="article.create",
            target=article,
            after={**after, "status": article.status},
        )
        return article
    before, after = changed_only(before, after)
    if after:
        audit_record(
            actor=actor, action="article.update", target=article, before=before, after=after
        )
    return article


def _step(article: Article, target: str) -> ArticleStep | None:
    return next(
        (s for s in ARTICLE_STEPS if s.source == article.status and s.target == target), None
    )


def _may_take(actor: Any, step: ArticleStep) -> bool:
    return actor is None or user_has_capability(actor, step.capability)


def article_transition_refusal(*, actor: Any, article: Article, target: str) -> str | None:
    """Return why the actor cannot move the article to target now, or None when they can."""
    if target not in Article.Status.values:
        return _(NO_STEP_MESSAGE)
    step = _step(article, target)
    if step is None:
        return _(NOT_NEXT_MESSAGE) % {
            "current": Article.Status(article.status).label,
            "target": Article.Status(target).label,
        }
    if not _may_take(actor, step):
        return _(NOT_ALLOWED_MESSAGE)
    return None


def article_steps(*, actor: Any, article: Article) -> list[ArticleStep]:
    """The steps the actor may take with the article now: the buttons its page shows."""
    return [
        step
        for step in ARTICLE_STEPS
        if step.source == article.status
        and article_transition_refusal(actor=actor, article=article, target=step.target) is None
    ]


@transaction.atomic
def article_transition(*, actor: Any, article: Article, target: str) -> Article:
    """Move the article one step of ARTICLE_STEPS; refused (nothing written) otherwise:
    PermissionDenied for a step the actor may not take, ValidationError for any other."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    refusal = article_transition_refusal(actor=actor, article=article, target=target)
    if refusal is not None:
        step = _step(article, target)
        if step is not None and not _may_take(actor, step):
            raise PermissionDenied(refusal)
        raise ValidationError(refusal)
    before = snapshot(article, ["status", "published_at"])
    article.status = target
    if target == Article.Status.PUBLISHED:
        article.published_at = article.publish_at or timezone.now()
    article.full_clean()
    article.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="article.transition",
        target=article,
        before=before,
        after=snapshot(article, ["status", "published_at"]),
    )
    return article


def _clean_photo(upload: UploadedFile) -> tuple[bytes, str]:
    """The photo re-encoded from its pixels (EXIF, GPS position and anything else riding along
    dropped), and its extension; anything that is not a JPEG, PNG or WebP image is refused."""
    from PIL import Image, UnidentifiedImageError

    if upload.size is None or upload.size > PHOTO_MAX_BYTES or upload.size == 0:
        raise ValidationError(_(PHOTO_MESSAGE))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format or ""
            if kind not in PHOTO_FORMATS:
                raise ValidationError(_(PHOTO_MESSAGE))
            too_many = pixels_message(*image.size)  # from the header: nothing decoded yet
            if too_many:
                raise ValidationError(too_many)
            image.load()
            clean = image.convert(
                "RGBA" if kind == "PNG" and image.mode in ("RGBA", "LA", "P") else "RGB"
            )
            buffer = io.BytesIO()
            clean.save(buffer, format=kind, **({"quality": 88} if kind != "PNG" else {}))
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise ValidationError(_(PHOTO_MESSAGE)) from error
    finally:
        upload.seek(0)
    return buffer.getvalue(), PHOTO_FORMATS[kind]


@transaction.atomic
def photo_add(*, actor: Any, article: Article, upload: UploadedFile, caption: str) -> ArticlePhoto:
    content, extension = _clean_photo(upload)
    photo = ArticlePhoto(article=article, caption=caption.strip()[:300])
    photo.order = article.photos.count()
    photo.full_clean(exclude=["image"])  # the file is checked above, and written only now
    # The stored name is ours; the citizen never sees the uploader's.
    name = f"anh-{article.pk}-{timezone.now():%Y%m%d%H%M%S%f}{extension}"
    photo.image.save(name, ContentFile(content), save=False)
    photo.save()
    audit_record(
        actor=actor,
        action="article.photo_add",
        target=article,
        after={"photo": photo.pk, "caption": photo.caption},
    )
    return photo


@transaction.atomic
def photo_delete(*, actor: Any, photo: ArticlePhoto) -> Article:
    """Remove a photo from its article; its file goes once the removal is committed."""
    photo = ArticlePhoto.objects.select_for_update().select_related("article").get(pk=photo.pk)
    article = photo.article
    before = {"photo": photo.pk, "caption": photo.caption}
    storage, name = photo.image.storage, photo.image.name or ""
    photo.delete()
    audit_record(actor=actor, action="article.photo_delete", target=article, before=before)
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    return article


def rate(*, target: str, target_id: int, stars: Any, visitor: str, address: str) -> Rating:
    """One rating per visitor and item: the cookie, or today's hash of the address."""
    try:
        value = int(stars)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError(_(STARS_MESSAGE))
    if Rating.objects.filter(target=target, target_id=target_id, address=address).exists():
        raise ValidationError(_(RATED_MESSAGE))
    try:
        with transaction.atomic():
            return Rating.objects.create(
                target=target, target_id=target_id, visitor=visitor, address=address, stars=value
            )
    except IntegrityError as error:
        raise ValidationError(_(RATED_MESSAGE)) from error


def _editors() -> list[Any]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            role=Role.PORTAL_EDITOR, is_active=True, user__is_active=True
        ).select_related("user")
    ]


class TooManyRequests(ValidationError):
    """An address has reached its limit; it may try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _within_limit(
    rows: QuerySet[Any], address: str, limit: int, message: str = TOO_MANY_COMMENTS_MESSAGE
) -> None:
    """Refuse a (limit + 1)th row (a message, a counted request) from one address within
    COMMENT_WINDOW, saying when it may try again. Called inside the transaction that writes the
    row, holding a lock per address (PostgreSQL: an advisory lock; SQLite: the transaction is
    IMMEDIATE, so writers already queue), so that requests made at the same moment are counted
    one after the other."""
    from django.db import connection

    if connection.vendor == "postgresql":
        key = int(hashlib.sha256(address.encode()).hexdigest()[:15], 16)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    now = timezone.now()
    recent = rows.filter(visitor=address, created_at__gte=now - COMMENT_WINDOW).aggregate(
        count=Count("pk"), first=Min("created_at")
    )
    if recent["count"] >= limit:
        # The oldest row leaves the window first: then there is room for one more.
        wait = (recent["first"] + COMMENT_WINDOW - now).total_seconds()
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyRequests(
            _(message) % {"minutes": minutes}, retry_after=max(1, math.ceil(wait))
        )


def request_count(*, kind: str, address: str, limit: int, message: str) -> None:
    """Count one request that writes nothing else (a new verification code, a feedback lookup)
    against the address's limit, as messages are counted: the (limit + 1)th in COMMENT_WINDOW is
    refused with TooManyRequests. Marks older than the window are deleted as new ones are
    written, so the table holds at most `limit` marks per address and kind."""
    now = timezone.now()
    with transaction.atomic():
        _within_limit(CountedRequest.objects.filter(kind=kind), address, limit, message)
        CountedRequest.objects.filter(created_at__lt=now - COMMENT_WINDOW).delete()
        CountedRequest.objects.create(kind=kind, visitor=address)


def code_new(*, address: str) -> Any:
    """A new verification code (its letters drawn as CAPTCHA_CHALLENGE_FUNCT says), at most
    CODES_PER_WINDOW per address: every anonymous request for a code writes a row, so a robot
    asking again and again is refused instead of filling the table. Expired codes are deleted
    as new ones are made."""
    from captcha.conf import settings as captcha_settings
    from captcha.models import CaptchaStore

    request_count(
        kind=CountedRequest.Kind.CODE,
        address=address,
        limit=CODES_PER_WINDOW,
        message=TOO_MANY_CODES_MESSAGE,
    )
    CaptchaStore.remove_expired()
    challenge, response = captcha_settings.get_challenge()()
    return CaptchaStore.objects.create(challenge=challenge, response=response)


def comment_post(*, article: Article, name: str, email: str, text: str, address: str) -> Comment:
    """A citizen's comment, as plain text. Under pre-moderation it waits for an editor (who is
    told); under post-moderation it shows at once. At most COMMENTS_PER_WINDOW per address in
    COMMENT_WINDOW."""
    policy = PortalSettings.current()
    status = (
        Comment.Status.PENDING
        if policy.moderation == PortalSettings.Moderation.PRE
        else Comment.Status.VISIBLE
    )
    with transaction.atomic():
        _within_limit(Comment.objects.all(), address, COMMENTS_PER_WINDOW)
        comment = Comment.objects.create(
            article=article,
            name=name.strip()[:100],
            email=email.strip(),
            text=text.strip(),
            status=status,
            visitor=address,
        )
    if status == Comment.Status.PENDING:
        _tell_editors(comment)
    return comment


def _tell_editors(comment: Comment) -> None:
    from django.urls import reverse

    notify(
        users=_editors(),
        kind=Notification.Kind.COMMENT_WAITING,
        compose=lambda user: (
            _("A comment waits for moderation: %(article)s") % {"article": comment.article.title},
            f"{comment.name}: {comment.text[:200]}",
        ),
        url=reverse("portal_editor:moderation"),
        # Once per time it waits: shown, then hidden again by readers, it waits again.
        dedupe_key=f"{_matter(comment)}{timezone.now():%Y%m%d%H%M%S}",
    )


def _matter(comment: Comment) -> str:
    """What the editors' notifications about the comment's moderation have in common."""
    return f"comment:{comment.pk}:"


def comment_report(*, comment: Comment, visitor: str, address: str) -> bool:
    """A visitor reports a comment once (by cookie, and by today's address hash); at the
    settings' count it is hidden until an editor looks. Returns whether this report counted."""
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, visitor=visitor, address=address)
            Comment.objects.filter(pk=comment.pk).update(reports=F("reports") + 1)
    except IntegrityError:
        return False
    comment.refresh_from_db()
    threshold = PortalSettings.current().reports_to_hide
    if comment.reports >= threshold and comment.status == Comment.Status.VISIBLE:
        Comment.objects.filter(pk=comment.pk).update(
            status=Comment.Status.HIDDEN, moderated_by=None
        )
        _tell_editors(comment)
    return True


def _comment_show(*, actor: Any, comment: Comment, show: bool) -> None:
    """Show or hide the comment, as a moderator who looked at it (its reports forgotten once
    it is shown)."""
    comment.status = Comment.Status.VISIBLE if show else Comment.Status.HIDDEN
    comment.moderated_by = actor if getattr(actor, "is_authenticated", False) else None
    if show:
        comment.reports = 0
        CommentReport.objects.filter(comment=comment).delete()
    comment.full_clean()
    comment.save(update_fields=["status", "moderated_by", "reports", "updated_at"])
    notifications_settle(matter=_matter(comment))  # it waits for no one any more


@transaction.atomic
def comment_moderate(*, actor: Any, comment: Comment, show: bool) -> Comment:
    """Show or hide a citizen's comment; either way it leaves the moderation queue."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = snapshot(comment, ["status", "reports"])
    _comment_show(actor=actor, comment=comment, show=show)
    audit_record(
        actor=actor,
        action="comment.moderate",
        target=comment,
        before=before,
        after=snapshot(comment, ["status", "reports"]),
    )
    return comment


@transaction.atomic
def comment_reply(*, actor: Any, comment: Comment, text: str) -> Comment:
    """The editorial board's official reply, shown under the comment, marked as such; the
    comment answered is shown with it. One event: the comment, its status and the reply."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _(REPLY_NEEDED_MESSAGE)})
    comment = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
    before = snapshot(comment, ["status", "reports"])
    reply = Comment(
        article=comment.article,
        name=_("Editorial board"),
        text=text,
        status=Comment.Status.VISIBLE,
        is_official=True,
        reply_to=comment,
        moderated_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    reply.full_clean()
    reply.save()
    if comment.status != Comment.Status.VISIBLE:
        _comment_show(actor=actor, comment=comment, show=True)
    audit_record(
        actor=actor,
        action="comment.reply",
        target=comment,
        before=before,
        after={**snapshot(comment, ["status", "reports"]), "reply": reply.text},
    )
    return reply


# The footer's links and the portal's policy --------------------------------------------------


@transaction.atomic
def link_create(*, actor: Any, title: str, url: str, order: int = 0) -> WebsiteLink:
    """Add a link to the foot of every portal page."""
    link = WebsiteLink(title=title.strip(), url=url.strip(), order=order)
    link.full_clean()
    link.save()
    audit_record(actor=actor, action="link.create", target=link, after=snapshot(link, LINK_FIELDS))
    return link


@transaction.atomic
def link_delete(*, actor: Any, link: WebsiteLink) -> None:
    before = snapshot(link, LINK_FIELDS)
    audit_record(actor=actor, action="link.delete", target=link, before=before)
    link.delete()


@transaction.atomic
def portal_settings_update(
    *, actor: Any, moderation: str, feedback_days: int | str
) -> PortalSettings:
    """Set the moderation rule and the working days a unit has to answer feedback. A change
    that changes nothing writes nothing."""
    days = str(feedback_days).strip()
    low, high = FEEDBACK_DAYS_RANGE
    if (
        moderation not in PortalSettings.Moderation.values
        or not days.isdigit()
        or not low <= int(days) <= high
    ):
        raise ValidationError(_(POLICY_MESSAGE))
    PortalSettings.current()  # the one row exists
    policy = PortalSettings.objects.select_for_update().get(pk=1)
    before = snapshot(policy, POLICY_FIELDS)
    policy.moderation = moderation
    policy.feedback_days = int(days)
    before, after = changed_only(before, snapshot(policy, POLICY_FIELDS))
    if not after:
        return policy
    policy.full_clean()
    policy.save(update_fields=POLICY_FIELDS)
    audit_record(
        actor=actor, action="portal_settings.update", target=policy, before=before, after=after
    )
    return policy


# Citizens' feedback ---------------------------------------------------------------------------

FEEDBACK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
FEEDBACK_PER_WINDOW = 3
ANSWER_NEEDED_MESSAGE = gettext_noop("Write the answer.")
NOT_A_UNIT_MESSAGE = gettext_noop("Choose the ward or commune the feedback is about.")


def _feedback_code() -> str:
    import secrets

    while True:
        code = "PA-" + "".join(secrets.choice(FEEDBACK_CODE_ALPHABET) for _n in range(8))
        if not Feedback.objects.filter(code=code).exists():
            return code


def _working_days_after(day: datetime.date, days: int) -> datetime.date:
    """The day `days` working days (Monday to Friday) after `day`."""
    current, left = day, days
    while left > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def feedback_submit(
    *, name: str, contact: str, org_unit: Any, subject: str, text: str, address: str
) -> Feedback:
    """Record a citizen's feedback for the unit, due in the portal's number of working days;
    the unit's officers and chair are told. At most FEEDBACK_PER_WINDOW per address in
    COMMENT_WINDOW."""
    if org_unit is None or org_unit.kind not in OrgUnit.ASSESSED_KINDS:
        raise ValidationError({"org_unit": _(NOT_A_UNIT_MESSAGE)})
    days = PortalSettings.current().feedback_days
    with transaction.atomic():
        _within_limit(
            Feedback.objects.all(), address, FEEDBACK_PER_WINDOW, TOO_MANY_FEEDBACK_MESSAGE
        )
        feedback = Feedback.objects.create(
            code=_feedback_code(),
            name=name.strip()[:100],
            contact=contact.strip()[:120],
            org_unit=org_unit,
            subject=subject.strip()[:200],
            text=text.strip(),
            due_on=_working_days_after(timezone.localdate(), days),
            visitor=address,
        )

    notify(
        users=people_of([org_unit.pk]),
        kind=Notification.Kind.FEEDBACK_RECEIVED,
        compose=lambda user: (
            _("Citizen feedback to answer by %(date)s: %(subject)s")
            % {"date": feedback.due_on.strftime("%d/%m/%Y"), "subject": feedback.subject},
            feedback.text[:300],
        ),
        url=feedback.get_absolute_url(),
        dedupe_key=f"feedback:{feedback.pk}",
    )
    return feedback


@transaction.atomic
def feedback_answer(*, actor: Any, feedback: Feedback, answer: str, publish: bool) -> Feedback:
    """The unit's answer (again: the answer changed, its first time kept), published or not.
    The caller has checked that the actor answers for the unit."""
    if not answer.strip():
        raise ValidationError({"answer": _(ANSWER_NEEDED_MESSAGE)})
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    before = snapshot(feedback, FEEDBACK_FIELDS)
    first = feedback.answered_at is None
    feedback.answer = answer.strip()
    feedback.status = Feedback.Status.ANSWERED
    feedback.is_answer_public = publish
    if first:
        feedback.answered_at = timezone.now()
    feedback.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    feedback.full_clean()
    feedback.save(
        update_fields=[
            "answer",
            "status",
            "is_answer_public",
            "answered_at",
            "answered_by",
            "updated_at",
        ]
    )
    before, after = changed_only(before, snapshot(feedback, FEEDBACK_FIELDS))
    audit_record(
        actor=actor,
        action="feedback.answer",
        target=feedback,
        before=before,
        after={**after, "on_time": feedback.answered_on_time},
    )
    return feedback
