"""The read replica's policy and bookkeeping, without a replica (config/routers.py). The real
replica is tests/test_replica.py (PostgreSQL pass)."""

from django.urls import URLPattern, URLResolver, get_resolver

from config import routers


def view_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= view_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_name_in_the_policy_is_a_view_so_a_rename_does_not_drop_a_page_silently():
    names = view_names(get_resolver())
    for pattern in routers.REPLICA_READ_VIEWS:
        assert any(
            routers.replica_view(name) and name.startswith(pattern.rstrip("*")) for name in names
        ), pattern
    assert routers.replica_view("analytics:overview")
    assert routers.replica_view("portal:home")
    assert not routers.replica_view("portal:feedback")  # a form: what it wrote is read back
    assert not routers.replica_view("portal:captcha")  # the code it makes is checked next
    assert not routers.replica_view("core:home")
    assert not routers.replica_view(None)


def test_writes_and_migrations_go_to_the_primary_and_pin_the_request():
    router = routers.ReplicaRouter()
    token = routers.CURRENT.set(routers.Route(replica_ok=True))
    try:
        assert router.db_for_write(object) == "default"
        assert routers.CURRENT.get().pinned
    finally:
        routers.CURRENT.reset(token)
    assert router.allow_migrate("default", "assessments")
    assert not router.allow_migrate("replica", "assessments")


def test_outside_a_request_everything_reads_the_primary(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    assert routers.CURRENT.get() is None
    assert routers.read_alias() == "default"


def test_the_replica_is_checked_at_most_once_in_the_window(settings, monkeypatch):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    health = routers.ReplicaHealth()
    answers = iter([True, False])
    calls = []
    monkeypatch.setattr(health, "check", lambda: calls.append(1) or next(answers))
    assert health.available() and health.available() and health.available()
    assert len(calls) == 1
    health.mark_away()  # a page failed on it: skipped until the next check
    assert not health.available()
    health.forget()
    assert not health.available()
    assert len(calls) == 2


def test_without_a_replica_a_post_sets_no_pin_cookie(client):
    response = client.post("/accounts/language/", {"language": "en"})
    assert response.status_code == 302
    assert routers.PIN_COOKIE not in response.cookies
