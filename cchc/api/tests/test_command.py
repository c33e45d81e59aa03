import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from cchc.api.models import IntegrationClient
from cchc.core.testing import BaseTestCase


class ClientCommandTests(BaseTestCase):
    def test_the_operator_creates_a_client_whose_token_works(self):
        cache.clear()
        out = io.StringIO()
        call_command(
            "api_client_create",
            "Một cửa điện tử",
            unit="H436",
            role="home_affairs",
            scopes="dossiers:write,units:read",
            days=30,
            stdout=out,
        )
        token = out.getvalue().strip()
        client = IntegrationClient.objects.get()
        assert sorted(client.scopes) == ["dossiers:write", "units:read"]
        assert client.expires_at is not None
        answer = self.client.get("/api/v1/units/H436", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        assert answer.json()["code"] == "H436"
        assert "Thành phố Hà Tĩnh".encode() in answer.content  # UTF-8 text, not \u escapes

    def test_an_unknown_unit_or_scope_is_refused(self):
        with pytest.raises(CommandError):
            call_command(
                "api_client_create", "X", unit="NOPE", role="home_affairs", scopes="units:read"
            )
        with pytest.raises(CommandError):
            call_command(
                "api_client_create", "X", unit="H436", role="home_affairs", scopes="all:write"
            )
        assert not IntegrationClient.objects.exists()
