"""manage.py backup PATH — the database's content and every file, consistent, in one ZIP."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cchc.core.backup import backup


class Command(BaseCommand):
    help = "Back up the database's content and every uploaded or issued file into one ZIP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .zip to write (replaced if it exists).")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = backup(Path(options["path"]))
        self.stdout.write(
            self.style.SUCCESS(
                # The content's digest: the one a restore checks and prints.
                f"{options['path']}: database {manifest['database']['content_sha256'][:16]}…, "
                f"{len(manifest['files'])} files {manifest['files_sha256'][:16]}…"
            )
        )
