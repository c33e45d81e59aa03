"""The front page kept whole in the shared cache (cchc/portal/cache.py): a cached page costs no
query and one cache read, a conditional GET is a 304, and every kind of write the page shows
gives it a new version at once, so no reader ever gets the page as it was before the change.

The tests use the version in the cache (PORTAL_VERSION_IN_CACHE) with the process's own memory
as the cache: one process, so the same as Redis shared by hosts for what is tested here."""

import re
from decimal import Decimal

from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client, override_settings
from django.test.client import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cchc.assessments.models import Round
from cchc.assessments.services.results import ResultRow
from cchc.assessments.tests.factories import make_round
from cchc.core.testing import BaseTestCase
from cchc.portal import services
from cchc.portal.cache import VERSION_KEY, content_version
from cchc.portal.models import Article, PortalSettings, VisitDay, WebsiteLink
from cchc.portal.visitors import BUFFER


def published(title: str) -> Article:
    article = services.article_save(actor=None, article=None, data={"title": title})
    services.article_transition(actor=None, article=article, target=Article.Status.REVIEW)
    return services.article_transition(actor=None, article=article, target=Article.Status.PUBLISHED)


@override_settings(PORTAL_VERSION_IN_CACHE=True)
class KeptPageTests(BaseTestCase):
    def setUp(self) -> None:
        PortalSettings.current()  # made on first use: a write, which changes the version
        cache.clear()

    def test_a_kept_page_costs_no_query_and_a_conditional_get_is_a_304(self):
        article = published("Tin đầu tiên")
        first = self.client.get("/")
        assert first.status_code == 200 and article.title in first.content.decode()
        etag = first["ETag"]
        assert etag and "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
        with self.assertNumQueries(0):
            again = self.client.get("/")
        assert again.status_code == 200 and again["ETag"] == etag
        assert article.title in again.content.decode()
        with self.assertNumQueries(0):
            unchanged = self.client.get("/", HTTP_IF_NONE_MATCH=etag)
        assert unchanged.status_code == 304 and unchanged.content == b""
        # Another ETag (a page from before a change) is answered with the page.
        assert self.client.get("/", HTTP_IF_NONE_MATCH='"old"').status_code == 200

    def test_each_visitor_gets_their_own_csrf_token_and_the_language_switch_works(self):
        self.client.get("/")  # kept
        reader = Client(enforce_csrf_checks=True)
        page = reader.get("/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token and "\x00" not in page
        switched = reader.post(
            reverse("accounts:language_set"),
            {"csrfmiddlewaretoken": token.group(1), "language": "en", "next": "/"},
        )
        assert switched.status_code == 302  # a token from a kept page is the reader's own
        assert "News" in reader.get("/").content.decode()

    def test_the_page_is_kept_per_language(self):
        vietnamese = self.client.get("/").content.decode()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = self.client.get("/").content.decode()
        assert "Tin tức" in vietnamese and "News" in english and "Tin tức" not in english

    def test_an_article_published_or_withdrawn_shows_at_once(self):
        first = published("Tin thứ nhất")
        assert first.title in self.client.get("/").content.decode()
        second = published("Tin thứ hai")
        assert second.title in self.client.get("/").content.decode()
        services.article_transition(actor=None, article=second, target=Article.Status.UNPUBLISHED)
        assert second.title not in self.client.get("/").content.decode()
        services.article_save(actor=None, article=first, data={"title": "Tin đã sửa"})
        assert "Tin đã sửa" in self.client.get("/").content.decode()

    def test_a_round_published_shows_at_once(self):
        assert "home-ranking" not in self.client.get("/").content.decode()
        round_ = make_round(self.cast)
        row = ResultRow(
            org_unit_id=self.cast.ward_a.pk,
            unit_name="Phường công bố",
            unit_code=self.cast.ward_a.code,
            total=Decimal("10"),
            maximum=Decimal("12"),
            percent=Decimal("83.33"),
            self_points=Decimal("10"),
            self_max=Decimal("12"),
            gap=Decimal("0"),
            rank=1,
            band="",
            band_colour="",
        )
        # As round_advance publishes: the round saved with its frozen table.
        round_.status = Round.Status.PUBLISHED
        round_.published_at = timezone.now()
        round_.published_results = [row.as_json()]
        round_.save(update_fields=["status", "published_at", "published_results"])
        assert "Phường công bố" in self.client.get("/").content.decode()

    def test_the_site_name_and_the_links_show_at_once(self):
        self.client.get("/")
        link = services.link_create(actor=None, title="Cổng Chính phủ", url="https://chinhphu.vn")
        assert "Cổng Chính phủ" in self.client.get("/").content.decode()
        services.link_delete(actor=None, link=link)
        assert "Cổng Chính phủ" not in self.client.get("/").content.decode()
        settings_row = PortalSettings.current()
        settings_row.site_name = "Cổng thử nghiệm"
        settings_row.save(update_fields=["site_name"])
        assert "Cổng thử nghiệm" in self.client.get("/").content.decode()
        assert WebsiteLink.objects.count() == 0

    def test_a_write_changes_the_version_again_when_it_commits(self):
        before = content_version()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            published("Trong giao dịch")
            during = content_version()
        assert during != before and callbacks
        for callback in callbacks:
            callback()
        # A page built between the write and its commit read the rows before the commit.
        assert content_version() != during

    def test_a_lost_version_starts_a_new_one(self):
        self.client.get("/")
        cache.delete(VERSION_KEY)
        assert self.client.get("/").status_code == 200
        assert cache.get(VERSION_KEY)

    def test_a_visitor_with_a_message_waiting_gets_the_page_drawn_for_them(self):
        self.client.get("/")  # kept, without any message
        request = RequestFactory().get("/")
        storage = CookieStorage(request)
        storage.add(constants.SUCCESS, "Cảm ơn bạn đã góp ý")
        response = self.client.get("/")
        storage.update(response)
        self.client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
        page = self.client.get("/").content.decode()
        assert "Cảm ơn bạn đã góp ý" in page
        assert "Cảm ơn bạn đã góp ý" not in self.client.get("/").content.decode()

    def test_kept_pages_and_304s_are_counted_as_views(self):
        BUFFER.flush()
        VisitDay.objects.all().delete()
        etag = self.client.get("/")["ETag"]
        self.client.get("/")
        assert self.client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        BUFFER.flush()
        assert VisitDay.objects.get(path="").views == 3
        assert VisitDay.objects.get(path="home").views == 3
