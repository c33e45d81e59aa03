"""The public portal: articles of the editorial board, citizens' ratings and comments, the
website links in the footer, the visit counts and the portal's settings."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cchc.core.models import BaseModel
from cchc.orgunits.models import OrgUnit


class PortalSettings(models.Model):
    """One row: the policy the editors set (policy as data)."""

    class Moderation(models.TextChoices):
        PRE = "pre", _("Comments appear after a moderator approves them")
        POST = "post", _("Comments appear at once; moderators may hide them")

    site_name = models.CharField(
        _("portal name"), max_length=200, default="Cổng thông tin cải cách hành chính"
    )
    moderation = models.CharField(
        _("comment moderation"), max_length=8, choices=Moderation.choices, default=Moderation.PRE
    )
    reports_to_hide = models.PositiveSmallIntegerField(
        _("reports that hide a comment until a moderator looks"), default=3
    )
    feedback_days = models.PositiveSmallIntegerField(
        _("days a unit has to answer citizens' feedback"), default=10
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return self.site_name

    @classmethod
    def current(cls) -> "PortalSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class Article(BaseModel):
    """A news article. The body is safe rich text: sanitised when saved and when shown."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        # An article is posted ("Đã đăng"), a framework issued ("Đã ban hành").
        PUBLISHED = "published", pgettext_lazy("article", "Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("address"), max_length=120, unique=True, allow_unicode=False)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Leave empty to publish at once.")
    )
    published_at = models.DateTimeField(
        pgettext_lazy("article", "published at"), null=True, blank=True
    )
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Comma-separated."))
    units = models.ManyToManyField(OrgUnit, verbose_name=_("units"), blank=True, related_name="+")
    inspections = models.ManyToManyField(
        "inspections.Inspection", verbose_name=_("inspections"), blank=True, related_name="+"
    )
    rounds = models.ManyToManyField(
        "assessments.Round", verbose_name=_("scoring rounds"), blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["status", "published_at"], name="article_public")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:article", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


def photo_path(instance: "ArticlePhoto", filename: str) -> str:
    return f"portal/articles/{instance.article_id}/{filename}"


class ArticlePhoto(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class Rating(models.Model):
    """One visitor's 1–5 stars on an article or a unit's page. The visitor is a cookie and a
    salted hash of the address (the salt changes every day): no address is kept."""

    class Target(models.TextChoices):
        ARTICLE = "article", _("Article")
        UNIT = "unit", _("Unit")

    target = models.CharField(max_length=8, choices=Target.choices)
    target_id = models.PositiveIntegerField()
    visitor = models.CharField(max_length=64)  # hash of the visitor's cookie
    address = models.CharField(max_length=64, blank=True)  # hash of the address, salted daily
    stars = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "target_id", "visitor"], name="rating_once_per_visitor"
            ),
            models.UniqueConstraint(
                fields=["target", "target_id", "address"],
                condition=~models.Q(address=""),
                name="rating_once_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="rating_one_to_five"
            ),
        ]
        indexes = [models.Index(fields=["target", "target_id"], name="rating_target")]

    def __str__(self) -> str:
        return f"{self.target} {self.target_id}: {self.stars}"


class Comment(BaseModel):
    """A citizen's comment (plain text), or an official reply from the editorial board."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail (not shown)"), blank=True)
    text = models.TextField(_("comment"), max_length=3000)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    reports = models.PositiveSmallIntegerField(_("reports"), default=0)
    is_official = models.BooleanField(_("official reply"), default=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    visitor = models.CharField(max_length=64, blank=True)  # salted hash, for rate limits
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["article", "status"], name="comment_article_status")]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class CommentReport(models.Model):
    """One visitor's report of a comment (a visitor reports a comment once)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=64)
    address = models.CharField(max_length=64, blank=True)  # hash, salted daily
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "visitor"], name="report_once_per_visitor"),
            models.UniqueConstraint(
                fields=["comment", "address"],
                condition=~models.Q(address=""),
                name="report_once_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} by {self.visitor[:8]}"


class Feedback(BaseModel):
    """A citizen's feedback or recommendation on an administrative regulation (phản ánh, kiến
    nghị), routed to the responsible unit, which answers by `due_on`. The citizen follows it
    with its tracking code; the answer may be published."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, being handled")
        ANSWERED = "answered", _("Answered")

    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("phone or e-mail (not shown)"), max_length=120, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("content"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    due_on = models.DateField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_answer_public = models.BooleanField(_("answer published"), default=False)
    visitor = models.CharField(max_length=64, blank=True)  # salted hash, for rate limits

    class Meta:
        verbose_name = _("citizen feedback")
        verbose_name_plural = _("citizen feedback")
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["org_unit", "due_on"], name="feedback_unit_due")]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:detail", args=[self.pk])

    def is_overdue(self, today: object) -> bool:
        return self.status == self.Status.RECEIVED and self.due_on < today  # type: ignore[operator]

    @property
    def answered_on_time(self) -> bool:
        return self.answered_at is not None and timezone.localdate(self.answered_at) <= self.due_on


class WebsiteLink(models.Model):
    """A link in the footer (Liên kết website)."""

    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("address"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("website link")
        verbose_name_plural = _("website links")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class VisitDay(models.Model):
    """Page views per day and path group, added from each server's buffer (never a write per
    view)."""

    day = models.DateField()
    path = models.CharField(max_length=200, default="")  # "" for the whole site
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "path"], name="visit_day_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.path}: {self.views}"


class DailySalt(models.Model):
    """The random value today's address hashes are made with. Deleted after two days: from
    then on, nobody (not even with the database and the secret key) can tell which address a
    stored hash came from."""

    day = models.DateField(unique=True)
    value = models.CharField(max_length=64)

    def __str__(self) -> str:
        return str(self.day)


class CountedRequest(models.Model):
    """A request that writes nothing else but counts against its address's limit, as messages
    do (`services.request_count`): a new verification code, a feedback lookup. Kept only for
    the limit's window."""

    class Kind(models.TextChoices):
        CODE = "code", "code"
        LOOKUP = "lookup", "lookup"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    visitor = models.CharField(max_length=64)  # today's salted hash of the address
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "visitor", "created_at"], name="counted_request_window")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%H:%M:%S}"


class OnlineVisitor(models.Model):
    """Who was here in the last minutes: a salted hash, refreshed at most once a minute."""

    visitor = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.visitor
