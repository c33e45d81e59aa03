"""manage.py api_client_create NAME --unit CODE --role ROLE --scopes a:read,b:write [--days N]

The same service as the administrator's page (Hệ thống → Ứng dụng tích hợp): a client with its
service user, one role in one unit, its API scopes; prints the token once. For the server's
operator (scripts, first set-up); the audit trail records it without a person."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cchc.api.models import ApiScope
from cchc.api.services import client_create
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit


class Command(BaseCommand):
    help = "Create an integration client of the API and print its token (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the client is, e.g. 'Một cửa điện tử'.")
        parser.add_argument("--unit", required=True, help="The code of the unit it acts for.")
        parser.add_argument(
            "--role", required=True, choices=[role.value for role in Role], help="Its role there."
        )
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated API scopes: {', '.join(ApiScope.values)}.",
        )
        parser.add_argument("--days", type=int, default=None, help="Expires after N days.")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = OrgUnit.objects.filter(code=options["unit"].strip()).first()
        if unit is None:
            raise CommandError(f"No unit has the code {options['unit']!r}.")
        days = options["days"]
        expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        try:
            created = client_create(
                actor=None,
                name=options["name"],
                org_unit=unit,
                role=options["role"],
                scopes=scopes,
                expires_at=expires_at,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(created.token)
