"""Several app hosts sharing one Redis count the portal's visits as one: a view counted on any
host is in the total read on every host, is written to the database once, and survives the
host that counted it (the counts are in the cache, not in a process's memory)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from cchc.core.testing import BaseTestCase
from cchc.portal.models import OnlineVisitor, VisitDay
from cchc.portal.visitors import Buffer

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def hosts(host_caches, request):
    request.cls.make_host = lambda self: Buffer(host_caches())


@pytest.mark.usefixtures("hosts")
class TwoHostsTests(BaseTestCase):
    def setUp(self):
        self.a, self.b = self.make_host(), self.make_host()
        self.a.store.clear()
        VisitDay.objects.all().delete()

    def test_views_counted_on_two_hosts_add_up_on_both_and_are_written_once(self):
        for _n in range(3):
            self.a.count("home", "visitor-1")
        for _n in range(2):
            self.b.count("home", "visitor-2")
        self.b.count("about", "visitor-2")
        assert self.a.pending() == self.b.pending() == 6
        self.a.flush()  # takes host b's views of the pages host a counted too
        self.b.flush()  # and b then writes only what a did not take (its "about")
        self.a.flush()
        assert VisitDay.objects.get(path="").views == 6
        assert VisitDay.objects.get(path="home").views == 5
        assert VisitDay.objects.get(path="about").views == 1
        assert self.a.pending() == self.b.pending() == 0
        assert set(OnlineVisitor.objects.values_list("visitor", flat=True)) == {
            "visitor-1",
            "visitor-2",
        }

    def test_a_visitor_seen_on_both_hosts_is_marked_online_once_a_minute(self):
        self.a.count("home", "visitor-1")
        self.b.count("home", "visitor-1")
        assert list(self.a.due) == ["visitor-1"]
        assert self.b.due == {}

    def test_one_flush_at_a_time(self):
        self.a.count("home", "visitor-1")
        self.b.store.add("portal:visits:flushing", 1, timeout=60)  # b is flushing
        self.a.flush()
        assert not VisitDay.objects.exists()
        assert self.b.pending() == 1
        self.b.store.delete("portal:visits:flushing")
        self.a.flush()
        assert VisitDay.objects.get(path="").views == 1

    def test_views_counted_by_another_process_that_then_died_are_written(self):
        """Another host, a real process: it counts 4 views and exits without flushing."""
        script = (
            "import django; django.setup()\n"
            "from django.core.cache.backends.redis import RedisCache\n"
            "from cchc.portal.visitors import Buffer\n"
            "import os\n"
            "store = RedisCache(os.environ['REDIS_TEST_URL'], {'KEY_PREFIX': os.environ['P']})\n"
            "host = Buffer(store)\n"
            "for n in range(4): host.count('home', f'far-{n}')\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "REDIS_TEST_URL": os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0"),
            "P": self.a.store.key_prefix,
        }
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)
        assert self.a.pending() == 4
        self.a.count("home", "near")
        self.a.flush()
        assert VisitDay.objects.get(path="home").views == 5
        assert OnlineVisitor.objects.filter(visitor="near").exists()


def settings_cache(**env: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_cache_is_redis_when_an_address_is_given_and_memory_otherwise():
    assert settings_cache().stdout.strip().endswith("LocMemCache")
    redis = settings_cache(REDIS_URL="redis://127.0.0.1:6379/3")
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache", redis.stderr
    wrong = settings_cache(CACHE_URL="memcached://127.0.0.1:11211")
    assert wrong.returncode != 0
    assert "is not a redis:// address" in wrong.stderr


def settings_value(expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_media_go_to_a_mounted_folder_or_an_s3_store_named_in_the_environment(tmp_path):
    shared = settings_value("settings.MEDIA_ROOT", MEDIA_ROOT=str(tmp_path / "nfs" / "media"))
    assert shared.stdout.strip() == str(tmp_path / "nfs" / "media"), shared.stderr
    s3 = settings_value(
        "settings.STORAGES['default']",
        FILE_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        FILE_STORAGE_OPTIONS='{"bucket_name": "cchc-media", "endpoint_url": "https://s3.example.vn"}',
    )
    assert s3.stdout.strip() == str(
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "cchc-media", "endpoint_url": "https://s3.example.vn"},
        }
    ), s3.stderr
    wrong = settings_value("1", FILE_STORAGE_OPTIONS='["cchc-media"]')
    assert wrong.returncode != 0
    assert "FILE_STORAGE_OPTIONS must be a JSON object" in wrong.stderr
