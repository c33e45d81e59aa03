"""The editorial board's writes go through the portal's services: each is one event of the audit
trail (who, and the values before and after), read in Vietnamese; the article's workflow is one
table the page and the service both ask, and a step it refuses writes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from cchc.core.audit import action_label, values_shown
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.portal import services
from cchc.portal.models import Article, ArticlePhoto, Comment, PortalSettings, WebsiteLink
from cchc.portal.tests.test_portal import jpeg


class OneEventPerWrite(BaseTestCase):
    def setUp(self):
        self.editor = self.login("portal_editor")

    def one_event(self, since: int, action: str) -> AuditEvent:
        """The one event written since `since`, by the editor, of this action."""
        events = list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))
        assert [event.action for event in events] == [action]
        assert events[0].actor == self.editor
        return events[0]

    def last(self) -> int:
        return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def draft(self, **data) -> Article:
        return services.article_save(
            actor=None, article=None, data={"title": "Tin nháp", "summary": "S", **data}
        )

    def test_an_article_created_then_changed(self):
        since = self.last()
        self.client.post(reverse("portal_editor:article_new"), {"title": "Tin mới", "tags": "a"})
        article = Article.objects.get(title="Tin mới")
        event = self.one_event(since, "article.create")
        assert event.before is None
        assert event.after["title"] == "Tin mới" and event.after["status"] == "draft"
        since = self.last()
        url = reverse("portal_editor:article_edit", args=[article.pk])
        data = {"title": "Tin mới", "tags": "a, b", "units": [self.cast.ward_a.pk]}
        self.client.post(url, data)
        event = self.one_event(since, "article.update")
        assert event.before == {"tags": "a", "units": []}
        assert event.after == {"tags": "a, b", "units": [self.cast.ward_a.name]}
        since = self.last()
        self.client.post(url, data)  # the same again: nothing changed, nothing recorded
        assert self.last() == since

    def test_each_step_of_the_workflow(self):
        article = self.draft()
        url = reverse("portal_editor:article_transition", args=[article.pk])
        for source, target in (("draft", "review"), ("review", "published")):
            since = self.last()
            self.client.post(url, {"target": target})
            event = self.one_event(since, "article.transition")
            assert event.before == {"status": source, "published_at": None}
            assert event.after["status"] == target
        assert Article.objects.get().published_at.isoformat() == event.after["published_at"]

    def test_a_photo_added_and_removed(self):
        article = self.draft()
        since = self.last()
        self.client.post(
            reverse("portal_editor:photo_add", args=[article.pk]),
            {"image": jpeg(), "caption": "Đoàn kiểm tra"},
        )
        photo = ArticlePhoto.objects.get()
        event = self.one_event(since, "article.photo_add")
        assert event.after == {"photo": photo.pk, "caption": "Đoàn kiểm tra"}
        storage, name = photo.image.storage, photo.image.name
        since = self.last()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("portal_editor:photo_delete", args=[photo.pk]))
        self.assertRedirects(response, reverse("portal_editor:article_edit", args=[article.pk]))
        event = self.one_event(since, "article.photo_delete")
        assert (event.object_id, event.before) == (
            str(article.pk),
            {"photo": photo.pk, "caption": "Đoàn kiểm tra"},
        )
        assert event.after is None
        assert not ArticlePhoto.objects.exists() and not storage.exists(name)

    def test_a_comment_shown_hidden_and_answered(self):
        article = self.draft()
        comment = Comment.objects.create(
            article=article, name="Dân", text="Ý kiến", status=Comment.Status.HIDDEN, reports=3
        )
        since = self.last()
        self.client.post(reverse("portal_editor:moderate", args=[comment.pk]), {"action": "show"})
        event = self.one_event(since, "comment.moderate")
        assert event.before == {"status": "hidden", "reports": 3}
        assert event.after == {"status": "visible", "reports": 0}
        since = self.last()
        self.client.post(reverse("portal_editor:moderate", args=[comment.pk]), {"action": "hide"})
        event = self.one_event(since, "comment.moderate")
        assert (event.before["status"], event.after["status"]) == ("visible", "hidden")
        # Replying shows the comment too: still one event, the comment's, with the reply.
        since = self.last()
        self.client.post(reverse("portal_editor:reply", args=[comment.pk]), {"text": "Cảm ơn."})
        event = self.one_event(since, "comment.reply")
        assert event.object_id == str(comment.pk)
        assert event.before == {"status": "hidden", "reports": 0}
        assert event.after == {"status": "visible", "reports": 0, "reply": "Cảm ơn."}
        reply = Comment.objects.get(is_official=True)
        assert (reply.reply_to, reply.moderated_by) == (comment, self.editor)

    def test_the_rules_changed_or_refused(self):
        PortalSettings.current()
        url = reverse("portal_editor:policy")
        since = self.last()
        self.client.post(url, {"moderation": "post", "feedback_days": "5"})
        event = self.one_event(since, "portal_settings.update")
        assert event.before == {"moderation": "pre", "feedback_days": 10}
        assert event.after == {"moderation": "post", "feedback_days": 5}
        since = self.last()
        for refused in ({"moderation": "post", "feedback_days": "61"}, {"moderation": "all"}):
            page = self.client.post(url, {"feedback_days": "5", **refused}, follow=True)
            assert "từ 1 đến 60" in page.content.decode()
        self.client.post(url, {"moderation": "post", "feedback_days": "5"})  # no change
        assert self.last() == since
        policy = PortalSettings.current()
        assert (policy.moderation, policy.feedback_days) == ("post", 5)

    def test_a_link_added_refused_and_removed(self):
        url = reverse("portal_editor:links")
        since = self.last()
        self.client.post(url, {"title": "Cổng Chính phủ", "url": "https://chinhphu.vn", "order": 1})
        link = WebsiteLink.objects.get()
        event = self.one_event(since, "link.create")
        assert event.after == {"title": "Cổng Chính phủ", "url": "https://chinhphu.vn", "order": 1}
        since = self.last()
        refused = self.client.post(url, {"title": "X", "url": "javascript:alert(1)", "order": 0})
        assert refused.status_code == 400 and self.last() == since
        with pytest.raises(ValidationError):
            services.link_create(actor=self.editor, title="X", url="javascript:alert(1)")
        assert self.last() == since
        self.client.post(reverse("portal_editor:link_delete", args=[link.pk]))
        event = self.one_event(since, "link.delete")
        assert event.before["url"] == "https://chinhphu.vn" and event.after is None
        assert not WebsiteLink.objects.exists()

    def test_feedback_answered_then_answered_again(self):
        feedback = services.feedback_submit(
            name="Dân",
            contact="",
            org_unit=self.cast.ward_a,
            subject="Phí chứng thực",
            text="Chưa niêm yết.",
            address="a" * 64,
        )
        officer = self.login("ward_officer")
        self.editor = officer
        since = self.last()
        self.client.post(feedback.get_absolute_url(), {"answer": "Đã niêm yết."})
        event = self.one_event(since, "feedback.answer")
        assert event.before == {"status": "received", "answer": "", "answered_at": None}
        assert event.after["status"] == "answered" and event.after["answer"] == "Đã niêm yết."
        assert event.after["on_time"] is True
        since = self.last()
        self.client.post(feedback.get_absolute_url(), {"answer": "Đã niêm yết.", "publish": "on"})
        event = self.one_event(since, "feedback.answer")
        assert event.before == {"is_answer_public": False}
        assert event.after == {"is_answer_public": True, "on_time": True}


class ArticleWorkflowTests(BaseTestCase):
    def setUp(self):
        self.article = services.article_save(actor=None, article=None, data={"title": "Tin"})

    def test_a_refused_step_writes_nothing(self):
        self.login("portal_editor")
        url = reverse("portal_editor:article_transition", args=[self.article.pk])
        before = AuditEvent.objects.count()
        for target in ("published", "unpublished", "draft", "bogus", ""):
            page = self.client.post(url, {"target": target}, follow=True).content.decode()
            assert "không thể chuyển" in page or "Hãy chọn việc cần làm" in page, target
        article = Article.objects.get()
        assert (article.status, article.published_at) == ("draft", None)
        assert AuditEvent.objects.count() == before

    def test_who_may_not_move_it_is_refused_by_the_service_too(self):
        before = AuditEvent.objects.count()
        for user in (self.ward_officer, self.home_affairs):
            with pytest.raises(PermissionDenied):
                services.article_transition(actor=user, article=self.article, target="review")
            assert services.article_steps(actor=user, article=self.article) == []
        assert Article.objects.get().status == "draft"
        assert AuditEvent.objects.count() == before

    def test_the_page_offers_exactly_the_steps_the_service_allows(self):
        self.login("portal_editor")
        page_url = reverse("portal_editor:article_edit", args=[self.article.pk])
        expected = {
            "draft": ["review"],
            "review": ["published", "draft"],
            "published": ["unpublished"],
            "unpublished": ["published", "draft"],
        }
        for status, path in (
            ("draft", []),
            ("review", ["review"]),
            ("published", ["published"]),
            ("unpublished", ["unpublished"]),
        ):
            for target in path:
                services.article_transition(actor=None, article=self.article, target=target)
            page = self.client.get(page_url).content.decode()
            shown = [
                step.target
                for step in services.ARTICLE_STEPS
                if f'data-testid="step-{step.target}"' in page and step.source == status
            ]
            assert shown == expected[status], status
            assert page.count('data-testid="step-') == len(expected[status])
            for target in expected[status]:
                refusal = services.article_transition_refusal(
                    actor=self.portal_editor, article=Article.objects.get(), target=target
                )
                assert refusal is None
            self.article.refresh_from_db()


class TrailInVietnameseTests(BaseTestCase):
    def test_the_portal_actions_and_their_values_read_in_vietnamese(self):
        with translation.override("vi"):
            assert action_label("link.create") == "liên kết website — đã tạo"
            assert action_label("link.delete") == "liên kết website — đã xóa"
            assert action_label("portal_settings.update") == "thiết lập cổng thông tin — đã sửa"
            assert action_label("article.photo_delete") == "bài viết — đã gỡ ảnh"
            assert action_label("comment.reply") == "bình luận — đã trả lời"
            comment = dict(
                values_shown(
                    "portal.comment", {"status": "visible", "reports": 0, "reply": "Cảm ơn."}
                )
            )
            assert comment == {
                "trạng thái": "Đang hiển thị",
                "số lượt báo vi phạm": "0",
                "trả lời chính thức": "Cảm ơn.",
            }
            photo = dict(values_shown("portal.article", {"photo": 3, "caption": "Ảnh"}))
            assert photo == {"ảnh": "3", "chú thích": "Ảnh"}
            policy = dict(values_shown("portal.portalsettings", {"moderation": "post"}))
            assert list(policy.values()) == ["Bình luận hiển thị ngay; người kiểm duyệt có thể ẩn"]

    def test_the_trail_page_shows_the_boards_changes(self):
        self.login("portal_editor")
        self.client.post(
            reverse("portal_editor:policy"), {"moderation": "post", "feedback_days": "7"}
        )
        self.client.post(
            reverse("portal_editor:links"),
            {"title": "Cổng Chính phủ", "url": "https://chinhphu.vn", "order": 1},
        )
        self.login("admin")
        page = self.client.get(reverse("core:audit_list")).content.decode()
        for shown in (
            "thiết lập cổng thông tin — đã sửa",
            "Bình luận hiển thị ngay; người kiểm duyệt có thể ẩn",
            "liên kết website — đã tạo",
            "https://chinhphu.vn",
        ):
            assert shown in page, shown
        for stored in ("portal_settings.update", "link.create", "feedback_days"):
            assert stored not in page, stored
