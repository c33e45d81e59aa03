"""The public portal: what the public may read, ratings and comments (verification code,
honeypot, limits, moderation, reports, official replies), the editors' workflow, photos
checked by content, visit counts without a write per view, and script made inert."""

import datetime
import io
import re

import time_machine
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cchc.core.testing import BaseTestCase
from cchc.portal import services
from cchc.portal.models import (
    Article,
    Comment,
    OnlineVisitor,
    PortalSettings,
    Rating,
    VisitDay,
)
from cchc.portal.visitors import BUFFER

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">bấm</a>',
    "<svg onload=alert(4)>",
    '"><script>alert(5)</script>',
    "{{ 7*7 }}{% now 'Y' %}",
    "<iframe src=//evil.example></iframe>",
    '<p style="background:url(javascript:alert(6))">x</p>',
]


def jpeg(name: str = "anh.jpg") -> SimpleUploadedFile:
    """A JPEG carrying EXIF, as a phone's photo would (a GPS tag among them)."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại"  # make
    exif[0x8825] = {1: "N", 2: (18.0, 20.0, 30.0)}  # GPS
    Image.new("RGB", (40, 30), (20, 60, 120)).save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def published(title: str = "Kiểm tra hợp nhất tại phường", **data) -> Article:
    article = services.article_save(
        actor=None, article=None, data={"title": title, "summary": "Tóm tắt", **data}
    )
    services.article_transition(actor=None, article=article, target=Article.Status.REVIEW)
    return services.article_transition(actor=None, article=article, target=Article.Status.PUBLISHED)


def code_of(page: str) -> tuple[str, str]:
    """The verification code the page shows (a page shows one once the reader starts writing:
    `?ma=1`): its key, and the answer a person would read."""
    found = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page)
    assert found, "the page shows no verification code"
    key = found.group(1)
    return key, CaptchaStore.objects.get(hashkey=key).response


class PublicPagesTests(BaseTestCase):
    def test_only_published_articles_reach_the_public(self):
        article = published()
        draft = services.article_save(actor=None, article=None, data={"title": "Bản nháp"})
        assert self.client.get(article.get_absolute_url()).status_code == 200
        assert self.client.get(draft.get_absolute_url()).status_code == 404
        home = self.client.get("/").content.decode()
        assert article.title in home and "Bản nháp" not in home
        services.article_transition(actor=None, article=article, target=Article.Status.UNPUBLISHED)
        assert self.client.get(article.get_absolute_url()).status_code == 404

    def test_the_cached_front_page_changes_as_soon_as_something_is_published(self):
        first = published("Tin thứ nhất")
        assert first.title in self.client.get("/").content.decode()
        # The content's version (3), then the footer: settings, links, visits, online (4).
        with self.assertNumQueries(7):
            self.client.get("/")
        second = published("Tin thứ hai")
        page = self.client.get("/").content.decode()
        assert second.title in page and first.title in page
        services.article_transition(actor=None, article=second, target=Article.Status.UNPUBLISHED)
        assert second.title not in self.client.get("/").content.decode()

    def test_a_scheduled_article_appears_at_its_time(self):
        when = timezone.now() + datetime.timedelta(hours=2)
        article = services.article_save(
            actor=None, article=None, data={"title": "Hẹn giờ", "publish_at": when}
        )
        services.article_transition(actor=None, article=article, target=Article.Status.REVIEW)
        services.article_transition(actor=None, article=article, target=Article.Status.PUBLISHED)
        assert self.client.get(article.get_absolute_url()).status_code == 404
        with time_machine.travel(when + datetime.timedelta(minutes=1)):
            assert self.client.get(article.get_absolute_url()).status_code == 200

    def test_the_workflow_refuses_skipping_review(self):
        article = services.article_save(actor=None, article=None, data={"title": "Thử"})
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            services.article_transition(actor=None, article=article, target="published")

    def test_script_in_every_field_is_inert(self):
        body = "".join(f"<p>{payload}</p>" for payload in XSS) + "<h2>Giữ</h2><ul><li>mục</li></ul>"
        article = published(title=XSS[0] + " tiêu đề", body=body, tags=XSS[1])
        assert "<script" not in article.body and "onerror" not in article.body
        assert "javascript:" not in article.body and "<iframe" not in article.body
        Comment.objects.create(
            article=article, name=XSS[4], text=XSS[2] + XSS[3], status=Comment.Status.VISIBLE
        )
        page = self.client.get(article.get_absolute_url()).content.decode()
        # Each payload is either removed or shown as text (escaped): never live markup.
        for live in (
            "<script>alert",
            "<img src=x onerror",
            "<svg onload",
            'href="javascript:',
            "<iframe",
        ):
            assert live not in page, live
        assert "<h2>Giữ</h2>" in page and "<li>mục</li>" in page  # the safe part stays
        assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page  # a name shown as text
        assert "{{ 7*7 }}{% now 'Y' %}" in page  # template syntax shown as text, never run

    def test_the_published_ranking_and_a_units_page(self):
        self.login("home_affairs")
        self.client.logout()
        response = self.client.get(reverse("portal:ranking"))
        assert response.status_code == 200
        unit = self.client.get(reverse("portal:unit", args=[self.cast.ward_a.code]))
        assert unit.status_code == 200
        assert self.cast.ward_a.name in unit.content.decode()
        assert self.client.get(reverse("portal:unit", args=["NOPE"])).status_code == 404


class RatingTests(BaseTestCase):
    def test_once_per_visitor_and_within_one_to_five(self):
        article = published()
        url = reverse("portal:rate", args=["article", article.pk])
        self.client.post(url, {"stars": "4"})
        assert Rating.objects.get().stars == 4
        again = self.client.post(url, {"stars": "5"}, follow=True).content.decode()
        assert "Bạn đã đánh giá" in again and Rating.objects.count() == 1
        # Without the cookie, the same address the same day is still the same visitor.
        self.client.cookies.clear()
        self.client.post(url, {"stars": "5"})
        assert Rating.objects.count() == 1
        other = self.client_class(REMOTE_ADDR="10.0.0.9")
        wrong = other.post(url, {"stars": "9"}, follow=True).content.decode()
        assert "từ 1 đến 5" in wrong and Rating.objects.count() == 1
        other.post(url, {"stars": "2"})
        page = self.client.get(article.get_absolute_url()).content.decode()
        assert "2 lượt đánh giá, trung bình 3,0" in page
        assert not Rating.objects.filter(address__contains="10.0.0.9").exists()  # only hashes


class CommentTests(BaseTestCase):
    def post_comment(self, article, page=None, **fields):
        page = page or self.client.get(article.get_absolute_url(), {"ma": "1"}).content.decode()
        key, answer = code_of(page)
        data = {"name": "Lê Văn C", "text": "Ý kiến của tôi", "captcha_0": key, "captcha_1": answer}
        data.update(fields)
        return self.client.post(reverse("portal:comment", args=[article.slug]), data)

    def test_a_comment_an_editor_hid_is_found_again_and_shown(self):
        """Hidden by an editor, a comment was on no list: it could not be shown again."""
        article = published()
        self.post_comment(article, text="Ý kiến bị ẩn nhầm")
        comment = Comment.objects.get()
        self.login("portal_editor")
        moderate = reverse("portal_editor:moderate", args=[comment.pk])
        self.client.post(moderate, {"action": "hide"})
        queue = self.client.get(reverse("portal_editor:moderation")).content.decode()
        hidden = queue.split('data-testid="hidden-comments"')[1].split("</ul>")[0]
        assert "Ý kiến bị ẩn nhầm" in hidden and moderate in hidden
        self.client.post(moderate, {"action": "show"})
        comment.refresh_from_db()
        assert comment.status == Comment.Status.VISIBLE

    def test_a_right_code_waits_for_moderation_then_shows(self):
        article = published()
        response = self.post_comment(article)
        assert response.status_code == 302
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.PENDING
        assert "Ý kiến của tôi" not in self.client.get(article.get_absolute_url()).content.decode()
        self.login("portal_editor")
        queue = self.client.get(reverse("portal_editor:moderation")).content.decode()
        assert "Ý kiến của tôi" in queue
        self.client.post(reverse("portal_editor:moderate", args=[comment.pk]), {"action": "show"})
        self.client.post(reverse("portal_editor:reply", args=[comment.pk]), {"text": "Cảm ơn anh."})
        self.client.logout()
        page = self.client.get(article.get_absolute_url()).content.decode()
        assert "Ý kiến của tôi" in page and "Cảm ơn anh." in page and "Trả lời chính thức" in page

    def test_a_code_that_expired_while_writing_says_so_not_wrong(self):
        """A code lasts 10 minutes from the first keystroke: a long comment outlived it and was
        told the right code was wrong (a citizen walk)."""
        from captcha.models import CaptchaStore

        article = published()
        page = self.client.get(article.get_absolute_url(), {"ma": "1"}).content.decode()
        key, answer = code_of(page)
        CaptchaStore.objects.filter(hashkey=key).update(
            expiration=timezone.now() - datetime.timedelta(minutes=1)
        )
        response = self.post_comment(article, page=page, text="Một ý kiến dài")
        text = response.content.decode()
        assert response.status_code == 400 and "Mã xác thực đã hết hạn" in text
        assert "Một ý kiến dài" in text and not Comment.objects.exists()

    def test_a_wrong_code_is_refused_and_nothing_typed_is_lost(self):
        article = published()
        response = self.post_comment(article, captcha_1="sai", text="Nội dung dài tôi đã gõ")
        assert response.status_code == 400
        page = response.content.decode()
        assert "Mã xác thực không đúng." in page
        assert "Nội dung dài tôi đã gõ" in page and "Lê Văn C" in page
        assert not Comment.objects.exists()
        # The page comes back at its top: the focus (and so the view) goes to the code to type
        # again, beside its reason, not below the fold.
        assert re.search(r'<input[^>]*id="id_captcha_1"[^>]*autofocus', page)

    def test_a_refused_comment_focuses_the_first_field_to_correct(self):
        article = published()
        response = self.post_comment(article, name="", captcha_1="sai")
        page = response.content.decode()
        assert re.search(r'<input[^>]*name="name"[^>]*autofocus', page) or re.search(
            r'<input[^>]*autofocus[^>]*name="name"', page
        )
        assert not re.search(r'id="id_captcha_1"[^>]*autofocus', page)

    def test_a_code_used_once_cannot_be_used_again(self):
        article = published()
        page = self.client.get(article.get_absolute_url(), {"ma": "1"}).content.decode()
        key, answer = code_of(page)
        data = {"name": "A", "text": "Một", "captcha_0": key, "captcha_1": answer}
        url = reverse("portal:comment", args=[article.slug])
        assert self.client.post(url, data).status_code == 302
        assert self.client.post(url, {**data, "text": "Hai"}).status_code == 400
        assert Comment.objects.count() == 1

    def test_robots_filling_the_hidden_field_are_refused(self):
        article = published()
        assert self.post_comment(article, website="http://spam.example").status_code == 400
        assert not Comment.objects.exists()

    def test_reading_an_article_writes_no_verification_code(self):
        article = published()
        self.client.get(article.get_absolute_url())
        assert not CaptchaStore.objects.exists()
        assert (
            'data-captcha-lazy="/ma-xac-thuc/"'
            in self.client.get(article.get_absolute_url()).content.decode()
        )

    def test_an_oversized_comment_is_refused_and_kept(self):
        article = published()
        response = self.post_comment(article, text="á" * 3001)
        assert response.status_code == 400
        assert "3000" in response.content.decode()
        assert not Comment.objects.exists()

    def test_a_flood_from_one_address_is_stopped(self):
        article = published()
        for n in range(3):
            assert self.post_comment(article, text=f"Lần {n}").status_code == 302
        response = self.post_comment(article, text="Lần nữa")
        # Refused as too many (429, and when to try again), not as a wrong form (400).
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert "thử lại sau 10 phút" in response.content.decode()
        assert Comment.objects.count() == 3

    def test_post_moderation_shows_at_once_and_three_reports_hide(self):
        policy = PortalSettings.current()
        policy.moderation = PortalSettings.Moderation.POST
        policy.save()
        article = published()
        self.post_comment(article, text="Hiện ngay")
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.VISIBLE
        url = reverse("portal:report", args=[comment.pk])
        for _n in range(3):
            # One address without a cookie, again and again: one report.
            self.client_class(REMOTE_ADDR="10.0.2.1").post(url)
        comment.refresh_from_db()
        assert comment.reports == 1
        for n in range(2):
            visitor = self.client_class(REMOTE_ADDR=f"10.0.1.{n}")
            visitor.post(url)
            visitor.post(url)  # the same visitor twice counts once
        comment.refresh_from_db()
        assert comment.reports == 3 and comment.status == Comment.Status.HIDDEN
        assert "Hiện ngay" not in self.client.get(article.get_absolute_url()).content.decode()

    def test_a_comment_reported_fewer_times_than_hides_it_is_shown_to_the_editors(self):
        # Found walking the demo: the reader was told "Ban biên tập sẽ xem xét bình luận
        # này", and the comment stayed among "Mới hiển thị" with no sign of the report.
        policy = PortalSettings.current()
        policy.moderation = PortalSettings.Moderation.POST
        policy.save()
        article = published()
        self.post_comment(article, text="Bị báo cáo một lần")
        comment = Comment.objects.get()
        self.client_class(REMOTE_ADDR="10.0.3.1").post(reverse("portal:report", args=[comment.pk]))
        self.login("portal_editor")
        page = self.client.get(reverse("portal_editor:moderation")).content.decode()
        reported = page.split('data-testid="reported-comments"')[1].split("</ul>")[0]
        assert "Bị báo cáo một lần" in reported and "1 lượt báo cáo" in reported
        self.client.post(reverse("portal_editor:moderate", args=[comment.pk]), {"action": "show"})
        page = self.client.get(reverse("portal_editor:moderation")).content.decode()
        assert 'data-testid="reported-comments"' not in page
        comment.refresh_from_db()
        assert (comment.status, comment.reports) == (Comment.Status.VISIBLE, 0)

    def test_a_comment_moderated_no_longer_waits_in_the_editors_inboxes(self):
        # Found walking the demo: the editor's home still said "Có bình luận chờ kiểm duyệt"
        # for a comment already answered and shown.
        from cchc.notifications.models import Notification

        article = published()
        self.post_comment(article, text="Chờ kiểm duyệt")
        comment = Comment.objects.get()
        waiting = Notification.objects.filter(kind="comment_waiting", read_at__isnull=True)
        assert waiting.filter(user=self.portal_editor).exists()
        self.login("portal_editor")
        self.client.post(
            reverse("portal_editor:reply", args=[comment.pk]), {"text": "Cảm ơn ý kiến"}
        )
        comment.refresh_from_db()
        assert comment.status == Comment.Status.VISIBLE
        assert not waiting.exists()

    def test_the_fallback_question_works_too(self):
        article = published()
        html = self.client.get(reverse("portal:captcha"), {"text": "1"}).content.decode()
        # The same kind of code as the image, its letters named one by one: no sum.
        assert "captcha-question" in html and "Các chữ cái của mã, lần lượt" in html
        assert not re.search(r"\d", html.split("captcha-question")[1].split("</p>")[0])
        response = self.post_comment(article, page=html)
        assert response.status_code == 302


class MessagePlacementTests(BaseTestCase):
    """Issue 17, item 16: the thank-you for a rating, a comment or a report was at the top of
    the page while the redirect scrolled to the form. It is shown next to the form it answers,
    at the anchor the redirect targets, and not at the top."""

    def followed(self, url, data=None, client=None):
        response = (client or self.client).post(url, data or {}, follow=True)
        assert response.status_code == 200
        anchor = response.redirect_chain[-1][0].split("#", 1)[1]
        return anchor, response.content.decode()

    def assert_shown_at(self, page, anchor, message, end):
        at = page.index(f'id="{anchor}"')
        top = page.index('<main id="main"')
        assert message in page[at : page.index(end, at)], f"{message!r} is not at #{anchor}"
        assert message not in page[top:at], f"{message!r} is also above #{anchor}"

    def test_a_rating_is_thanked_in_the_rating_box_and_a_second_one_refused_there(self):
        article = published()
        url = reverse("portal:rate", args=["article", article.pk])
        anchor, page = self.followed(url, {"stars": "4"})
        assert anchor == "rating"
        self.assert_shown_at(page, anchor, "Cảm ơn", "</section>")
        anchor, page = self.followed(url, {"stars": "5"})
        self.assert_shown_at(page, anchor, "Bạn đã đánh giá", "</section>")
        # The next page shows the message no more.
        assert "Bạn đã đánh giá" not in self.client.get(article.get_absolute_url()).content.decode()

    def test_the_visitors_own_rating_is_shown_on_their_next_visit_instead_of_the_form(self):
        """After a reload the box offered the five stars again as if nothing had been given,
        and a second rating was only refused: the visitor sees the stars they gave (known by
        their cookie); another visitor still gets the form."""
        article = published()
        unit = self.cast.ward_a
        for url, page_url in (
            (reverse("portal:rate", args=["article", article.pk]), article.get_absolute_url()),
            (
                reverse("portal:rate", args=["unit", unit.pk]),
                reverse("portal:unit", args=[unit.code]),
            ),
        ):
            self.client.post(url, {"stars": "4"})
            page = self.client.get(page_url).content.decode()
            assert "Bạn đã chấm 4 trên 5 sao" in page, page_url
            assert "★★★★☆" in page
            assert 'data-testid="rating-form"' not in page
            stranger = self.client_class().get(page_url).content.decode()
            assert 'data-testid="rating-form"' in stranger
            assert 'data-testid="own-rating"' not in stranger

    def test_a_comment_is_thanked_above_the_comment_form(self):
        article = published()
        page = self.client.get(article.get_absolute_url(), {"ma": "1"}).content.decode()
        key, answer = code_of(page)
        data = {"name": "Lê Văn C", "text": "Ý kiến", "captcha_0": key, "captcha_1": answer}
        anchor, page = self.followed(reverse("portal:comment", args=[article.slug]), data)
        assert anchor == "your-comment"
        self.assert_shown_at(page, anchor, "Cảm ơn", 'data-testid="comment-form"')

    def test_a_report_is_answered_under_the_comment_reported(self):
        policy = PortalSettings.current()
        policy.moderation = PortalSettings.Moderation.POST
        policy.save()
        article = published()
        comment = services.comment_post(
            article=article, name="A", email="", text="Hiện ngay", address="x"
        )
        url = reverse("portal:report", args=[comment.pk])
        anchor, page = self.followed(url)
        assert anchor == f"comment-{comment.pk}"
        self.assert_shown_at(page, anchor, "Cảm ơn", 'id="your-comment"')
        anchor, page = self.followed(url)
        self.assert_shown_at(page, anchor, "Bạn đã báo cáo", 'id="your-comment"')
        # The report that hides the comment is answered above the comments.
        for n in range(2):
            anchor, page = self.followed(url, client=self.client_class(REMOTE_ADDR=f"10.0.3.{n}"))
        assert anchor == "comments" and "Hiện ngay" not in page
        self.assert_shown_at(page, anchor, "Cảm ơn", 'id="your-comment"')


class EditorTests(BaseTestCase):
    def test_the_editor_writes_reviews_publishes_with_photos(self):
        self.login("portal_editor")
        response = self.client.post(
            reverse("portal_editor:article_new"),
            {"title": "Tin mới", "summary": "S", "body": "<p>Nội dung<script>x</script></p>"},
        )
        article = Article.objects.get()
        self.assertRedirects(response, reverse("portal_editor:article_edit", args=[article.pk]))
        assert article.body == "<p>Nội dung</p>"
        photo_url = reverse("portal_editor:photo_add", args=[article.pk])
        self.client.post(photo_url, {"image": jpeg(), "caption": "Đoàn kiểm tra"})
        fake = SimpleUploadedFile(
            "virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg"
        )
        refused = self.client.post(photo_url, {"image": fake}, follow=True).content.decode()
        assert "JPEG, PNG hoặc WebP" in refused
        assert article.photos.count() == 1
        photo = article.photos.get()
        assert not photo.image.name.endswith("virus.jpg")
        with Image.open(photo.image.open("rb")) as stored:
            assert not stored.getexif()  # re-encoded: no EXIF, no GPS position
        self.client.logout()
        assert self.client.get(reverse("portal:photo", args=[photo.pk])).status_code == 404
        self.login("portal_editor")
        for target in ("review", "published"):
            self.client.post(
                reverse("portal_editor:article_transition", args=[article.pk]), {"target": target}
            )
        # Taking it off the portal asks first, as the other steps citizens see at once do
        # (it went in one click; found by a new-user walk).
        edit = self.client.get(reverse("portal_editor:article_edit", args=[article.pk]))
        step = (
            edit.content.decode().split('data-testid="step-unpublished"')[0].rsplit("<form", 1)[1]
        )
        assert 'data-confirm="Gỡ bài viết khỏi cổng thông tin?' in step, step
        self.client.logout()
        page = self.client.get(Article.objects.get().get_absolute_url()).content.decode()
        assert "Đoàn kiểm tra" in page
        image = self.client.get(reverse("portal:photo", args=[photo.pk]))
        assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"

    def test_the_board_sets_the_rules(self):
        self.login("portal_editor")
        url = reverse("portal_editor:policy")
        self.client.post(url, {"moderation": "post", "feedback_days": "5"})
        policy = PortalSettings.current()
        assert (policy.moderation, policy.feedback_days) == ("post", 5)
        refused = self.client.post(url, {"moderation": "post", "feedback_days": "0"}, follow=True)
        assert "từ 1 đến 60" in refused.content.decode()
        assert PortalSettings.current().feedback_days == 5

    def test_a_ward_officer_cannot_edit_the_portal(self):
        self.login("ward_officer")
        assert self.client.get(reverse("portal_editor:articles")).status_code == 403


class ScopeTests(BaseTestCase):
    def test_the_coordinator_of_another_province_sees_none_of_this_feedback(self):
        from cchc.accounts.services import membership_add
        from cchc.core.roles import Role
        from cchc.orgunits.services import org_unit_create
        from cchc.portal.models import Feedback

        Feedback.objects.create(
            code="PA-SCOPE001",
            name="A",
            org_unit=self.cast.ward_a,
            subject="S",
            text="T",
            due_on=datetime.date(2026, 12, 31),
        )
        elsewhere = org_unit_create(actor=None, code="T99", name="Tỉnh khác", kind="province")
        membership_add(actor=None, user=self.outsider, role=Role.HOME_AFFAIRS, org_unit=elsewhere)
        self.login("outsider")
        page = self.client.get(reverse("feedback:list")).content.decode()
        assert "PA-SCOPE001" not in page


class WhoAnswersTests(BaseTestCase):
    def test_a_follower_is_told_which_unit_answers_and_the_unit_gets_the_form(self):
        # Found walking the demo: the coordinator and the editor read "Đơn vị chưa trả lời."
        # under a list saying "Trả lời từng phản ánh đúng hạn", with no form and no hint.
        from cchc.portal.models import Feedback

        feedback = Feedback.objects.create(
            code="PA-WHO00001",
            name="A",
            org_unit=self.cast.ward_a,
            subject="Đèn đường",
            text="T",
            due_on=datetime.date(2026, 12, 31),
        )
        url = reverse("feedback:detail", args=[feedback.pk])
        self.login("home_affairs")
        page = self.client.get(url).content.decode()
        assert 'data-testid="answer-form"' not in page
        assert f"{self.cast.ward_a.name} trả lời phản ánh này" in page
        listing = self.client.get(reverse("feedback:list")).content.decode()
        assert "Mỗi đơn vị trả lời phản ánh của mình" in listing
        self.login("ward_officer")
        assert 'data-testid="answer-form"' in self.client.get(url).content.decode()
        listing = self.client.get(reverse("feedback:list")).content.decode()
        assert "Trả lời từng phản ánh đúng hạn" in listing


class VisitTests(BaseTestCase):
    def test_views_are_counted_in_memory_and_added_up_at_the_flush(self):
        BUFFER.flush()
        VisitDay.objects.all().delete()
        article = published()
        with CaptureQueriesContext(connection) as queries:
            for _n in range(3):
                self.client.get(article.get_absolute_url())
        written = [
            q["sql"] for q in queries if "portal_visitday" in q["sql"] and "SELECT" not in q["sql"]
        ]
        assert written == []  # nothing written in the request
        assert not VisitDay.objects.exists()
        BUFFER.flush()
        total = VisitDay.objects.get(path="").views
        assert total == 3
        assert VisitDay.objects.get(path=f"article:{article.slug}").views == 3
        assert OnlineVisitor.objects.count() == 1
        # The footer of the next page counts what was flushed (this view is counted after it).
        footer = self.client.get("/").content.decode()
        assert re.search(r"Lượt truy cập: 3 — Đang trực tuyến: 1", footer), footer[-600:]

    def test_no_address_is_kept_and_old_hashes_cannot_be_traced(self):
        import hashlib

        from cchc.portal.models import DailySalt

        article = published()
        self.client_class(REMOTE_ADDR="203.0.113.7").post(
            reverse("portal:rate", args=["article", article.pk]), {"stars": "5"}
        )
        rating = Rating.objects.get()
        assert "203.0.113.7" not in rating.address
        # Without today's random salt the address cannot be found from the hash.
        from django.conf import settings

        day = timezone.localdate().isoformat()
        for guess in (
            f"{settings.SECRET_KEY}|{day}|203.0.113.7",
            f"{day}|203.0.113.7",
            "203.0.113.7",
        ):
            assert hashlib.sha256(guess.encode()).hexdigest() != rating.address
        with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
            BUFFER.purged = None
            BUFFER.count("home", "someone")
            BUFFER.flush()
        assert not DailySalt.objects.filter(day__lt=timezone.localdate()).exists()
        assert Rating.objects.get().address == ""

    @override_settings(TRUSTED_PROXY_HOPS=1)
    def test_behind_one_proxy_the_forwarded_address_counts_not_a_forged_one(self):
        from django.test import RequestFactory

        from cchc.portal.visitors import client_address

        request = RequestFactory().get(
            "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4", REMOTE_ADDR="10.0.0.1"
        )
        assert client_address(request) == "198.51.100.4"

    def test_a_database_refusing_the_counts_keeps_them_for_later(self):
        from unittest import mock

        from django.db import DatabaseError

        BUFFER.flush()
        VisitDay.objects.all().delete()
        BUFFER.count("home", "v1")
        with mock.patch.object(BUFFER, "_write", side_effect=DatabaseError("locked")):
            BUFFER.flush()
        BUFFER.flush()
        assert VisitDay.objects.get(path="").views == 1


class FeedbackTests(BaseTestCase):
    def send(self, **fields):
        page = self.client.get(reverse("portal:feedback"), {"ma": "1"}).content.decode()
        key, answer = code_of(page)
        data = {
            "name": "Hoàng Văn D",
            "org_unit": self.cast.ward_a.pk,
            "subject": "Thủ tục chứng thực",
            "text": "Niêm yết chưa rõ phí chứng thực.",
            "captcha_0": key,
            "captcha_1": answer,
        }
        data.update(fields)
        return self.client.post(reverse("portal:feedback"), data)

    def test_two_units_of_one_name_are_told_apart_by_the_unit_above(self):
        # Found walking the demo: "Phường Trần Phú" twice in the list (the city's and the
        # province's new ward of the same name), a citizen could not tell which was which.
        from cchc.orgunits.services import org_unit_create

        org_unit_create(
            actor=None,
            code="X18100",
            name="Phường Trần Phú",
            kind="ward",
            parent=self.cast.province,
        )
        page = self.client.get(reverse("portal:feedback")).content.decode()
        assert "Phường Trần Phú — Thành phố Hà Tĩnh" in page
        assert "Phường Trần Phú — Tỉnh Hà Tĩnh" in page
        assert ">Phường Nam Hà<" in page  # a name no other unit has stays as it is

    def test_the_editors_pickers_tell_apart_units_and_rounds_of_one_name(self):
        # Found walking the demo: the article form listed "Phường Trần Phú" three times and
        # "Đợt đánh giá năm 2025" twice (the city's and the province's), alike.
        import datetime as dt

        from cchc.assessments.models import Round
        from cchc.assessments.tests.factories import make_round
        from cchc.orgunits.models import OrgUnit
        from cchc.orgunits.services import org_unit_create

        org_unit_create(
            actor=None,
            code="X18100",
            name="Phường Trần Phú",
            kind="ward",
            parent=self.cast.province,
        )
        former = org_unit_create(
            actor=None, code="X18009", name="Phường Trần Phú", kind="ward", parent=self.cast.city
        )
        OrgUnit.objects.filter(pk=former.pk).update(active_to=dt.date(2019, 12, 31))
        for n, organiser in enumerate((self.cast.city, self.cast.province)):
            round_ = make_round(self.cast, open_it=False, name=f"Bộ chỉ số {n}")
            Round.objects.filter(pk=round_.pk).update(organiser=organiser, status="published")
        self.login("portal_editor")
        page = self.client.get(reverse("portal_editor:article_new")).content.decode()
        assert ">Phường Trần Phú — Thành phố Hà Tĩnh<" in page
        assert "(đến 31/12/2019)" not in page  # a unit a reorganisation ended is not offered
        article = published("Bài cũ")
        article.units.set([former])
        edit = self.client.get(reverse("portal_editor:article_edit", args=[article.pk]))
        assert "Phường Trần Phú — Thành phố Hà Tĩnh (đến 31/12/2019)</option>" in (
            edit.content.decode()
        )  # but an article already linked to it keeps it
        assert ">Phường Trần Phú — Tỉnh Hà Tĩnh<" in page
        rounds = page.split('name="rounds"')[1].split("</select>")[0]
        assert "— Thành phố Hà Tĩnh<" in rounds and "— Tỉnh Hà Tĩnh<" in rounds
        # Each parent's units together (they came interleaved, by each one's own order), in
        # the editor's list and in the citizens' feedback form alike.
        OrgUnit.objects.filter(pk=self.cast.ward_a.pk).update(sort_order=1)
        OrgUnit.objects.filter(code="X18100").update(sort_order=2)
        OrgUnit.objects.filter(pk=self.cast.ward_b.pk).update(sort_order=3)
        page = self.client.get(reverse("portal_editor:article_new")).content.decode()
        for listing in (
            page.split('name="units"')[1].split("</select>")[0],
            self.client.get(reverse("portal:feedback"))
            .content.decode()
            .split('name="org_unit"')[1]
            .split("</select>")[0],
        ):
            province_at = listing.index("Phường Trần Phú — Tỉnh Hà Tĩnh")
            city = [listing.index(f">{unit.name}") for unit in (self.cast.ward_b,)]
            city.append(listing.index("Phường Trần Phú — Thành phố Hà Tĩnh"))
            assert province_at < min(city) or province_at > max(city), listing

    @time_machine.travel(datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC), tick=False)
    def test_sent_followed_answered_in_time_and_published(self):
        from cchc.indicators.selectors import figures_for_units
        from cchc.notifications.models import Notification
        from cchc.portal.models import Feedback

        response = self.send()
        feedback = Feedback.objects.get()
        self.assertRedirects(
            response,
            reverse("portal:feedback_lookup") + f"?code={feedback.code}",
            fetch_redirect_response=False,
        )
        assert re.fullmatch(r"PA-[A-HJ-NP-Z2-9]{8}", feedback.code)
        # Friday 27 November + 10 working days = Friday 11 December.
        assert feedback.due_on == datetime.date(2026, 12, 11)
        assert Notification.objects.filter(
            user=self.ward_officer, kind="feedback_received"
        ).exists()
        # The thanks write the code with a hyphen a phone does not break the line at ("PA-" /
        # "BCL3UUZ4"); copied from there, it is found as well.
        thanks = self.client.get(response.url).content.decode()
        unbroken = feedback.code.replace("-", "\u2011")
        assert unbroken in thanks
        status = self.client.get(reverse("portal:feedback_lookup"), {"code": feedback.code})
        assert "Đã tiếp nhận, đang xử lý" in status.content.decode()
        copied = self.client.get(reverse("portal:feedback_lookup"), {"code": unbroken})
        assert "Đã tiếp nhận, đang xử lý" in copied.content.decode()
        # Not found, whatever the code: one answer.
        for code in ("PA-ZZZZZZZZ", "<script>", ""):
            page = self.client.get(
                reverse("portal:feedback_lookup"), {"code": code}
            ).content.decode()
            assert "<script>" not in page.split("</head>")[1].replace("&lt;script&gt;", "")
        none = self.client.get(reverse("portal:feedback_lookup"), {"code": "PA-ZZZZZZZZ"})
        assert "Không có phản ánh nào với mã này" in none.content.decode()
        # The ward answers; another ward cannot even see it; the board reads but cannot answer.
        self.login("outsider")
        assert self.client.get(feedback.get_absolute_url()).status_code == 404
        self.login("portal_editor")
        assert self.client.get(feedback.get_absolute_url()).status_code == 200
        assert self.client.post(feedback.get_absolute_url(), {"answer": "x"}).status_code == 403
        self.login("ward_officer")
        self.client.post(
            feedback.get_absolute_url(), {"answer": "Đã niêm yết bổ sung.", "publish": "on"}
        )
        self.client.logout()
        page = self.client.get(
            reverse("portal:feedback_lookup"), {"code": feedback.code}
        ).content.decode()
        assert "Đã niêm yết bổ sung." in page
        assert (
            "Đã niêm yết bổ sung."
            in self.client.get(reverse("portal:feedback_answers")).content.decode()
        )
        # It feeds the criterion on handling feedback: 1 due in the year, 1 on time.
        figures = figures_for_units([self.cast.ward_a.pk], 2026, "annual")[self.cast.ward_a.pk]
        assert (figures.feedback_due, figures.feedback_on_time) == (1, 1)

    def test_a_wrong_code_keeps_the_text_and_sends_nothing(self):
        from cchc.portal.models import Feedback

        response = self.send(captcha_1="sai", text="Nội dung rất dài của tôi")
        assert response.status_code == 400
        page = response.content.decode()
        assert "Mã xác thực không đúng." in page and "Nội dung rất dài của tôi" in page
        assert not Feedback.objects.exists()

    def test_a_fourth_feedback_in_ten_minutes_is_refused_as_feedback_and_says_when(self):
        from cchc.portal.models import Feedback

        for n in range(3):
            assert self.send(subject=f"Lần {n}").status_code == 302
        response = self.send(subject="Lần nữa", text="Nội dung giữ lại")
        page = response.content.decode()
        # It spoke of comments, said "a few minutes" and sent no Retry-After (a citizen walk).
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert "nhiều phản ánh, kiến nghị" in page and "thử lại sau 10 phút" in page
        assert "bình luận" not in page.split("<main")[-1].split("</main>")[0]
        assert "Nội dung giữ lại" in page and Feedback.objects.count() == 3

    def test_a_subject_cannot_reverse_its_direction(self):
        from cchc.portal.models import Feedback

        self.send(name="Lê\u202eVăn", subject="Ảnh \u202egnp.exe\u202c", text="a\u2066b\u2069")
        feedback = Feedback.objects.get()
        assert (feedback.name, feedback.subject, feedback.text) == ("LêVăn", "Ảnh gnp.exe", "ab")
        # A subject of marks alone is no subject: refused as one left empty (it was saved "").
        response = self.send(subject="\u202e\u202c ")
        assert response.status_code == 400 and Feedback.objects.count() == 1

    def test_script_in_feedback_is_shown_as_text_to_the_unit(self):
        from cchc.portal.models import Feedback

        self.send(subject=XSS[0], text=XSS[1])
        feedback = Feedback.objects.get()
        self.login("ward_officer")
        page = self.client.get(feedback.get_absolute_url()).content.decode()
        assert "<script>alert(1)</script>" not in page and "<img src=x onerror" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_code_uses_no_letter_a_visitor_reads_as_a_digit():
    """A is drawn like a 4 by the image's font (a visitor typed HC4SE for HCASE), O like a 0,
    I and L like a 1: none is in a code."""
    from cchc.portal.codes import ALPHABET, challenge

    assert not set("AOILQJ") & set(ALPHABET)
    for _n in range(50):
        letters, answer = challenge()
        assert set(letters) <= set(ALPHABET) and answer == letters.lower()


class RescheduleTests(BaseTestCase):
    def test_a_published_article_given_a_later_time_waits_for_it_and_says_so(self):
        """The side panel said "scheduled for 01/06/2027" while the article stayed public
        under its first date (a citizen walk); the editor's list said "Đã đăng"."""
        article = published("Lịch tiếp công dân")
        assert self.client.get(article.get_absolute_url()).status_code == 200
        later = timezone.now() + datetime.timedelta(days=30)
        services.article_save(
            actor=None, article=article, data={"title": article.title, "publish_at": later}
        )
        article.refresh_from_db()
        assert article.published_at == later and not article.is_public
        assert self.client.get(article.get_absolute_url()).status_code == 404
        self.login("portal_editor")
        listing = self.client.get(reverse("portal_editor:articles")).content.decode()
        row = next(part for part in listing.split("<tr>") if "Lịch tiếp công dân" in part)
        assert "Hẹn đăng" in row and "Đã đăng" not in row


def test_an_article_keeps_only_the_sites_own_images():
    """A picture from another site was kept, and the portal's content policy then showed it
    broken to citizens (a citizen walk): its src goes, its alt text stays."""
    from cchc.portal.richtext import clean

    body = clean(
        '<p><img src="https://anh.example/a.png" alt="Ảnh ngoài">'
        '<img src="//anh.example/b.png" alt="b"><img src="/\\anh.example/c.png" alt="c">'
        '<img src="/cong/anh/3/" alt="Ảnh bài"></p>'
    )
    assert "anh.example" not in body and 'alt="Ảnh ngoài"' in body
    assert '<img src="/cong/anh/3/" alt="Ảnh bài">' in body
