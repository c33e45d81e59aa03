"""manage.py sweep_files [--older-than MINUTES] [--dry-run]

A file is written before its record is committed. If the process is killed between the two
(SIGKILL, power cut), the file stays without a record: nothing points at it and nobody can
download it. This command lists every file under MEDIA_ROOT that no record names and deletes
those older than the grace period (default 60 minutes, so that uploads in progress are left
alone). Run it daily beside `send_reminders`, and after any crash.
"""

import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import models


def referenced_files() -> set[str]:
    """Every file name a FileField of any model holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                names.update(
                    name
                    for name in model._default_manager.exclude(**{field.name: ""})
                    .values_list(field.name, flat=True)
                    .iterator()
                    if name
                )
    return names


def orphans(older_than_seconds: float) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    known = referenced_files()
    limit = time.time() - older_than_seconds
    transient = ("dossier-imports/progress/",)
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name in known or name.startswith(transient) or path.stat().st_mtime > limit:
            continue
        found.append(path)
    return sorted(found)


class Command(BaseCommand):
    help = "Delete uploaded files that no record names (left by a process killed mid-upload)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=float, default=60, help="Minutes (default 60).")
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = orphans(options["older_than"] * 60)
        for path in found:
            self.stdout.write(str(path))
            if not options["dry_run"]:
                path.unlink(missing_ok=True)
        verb = "found" if options["dry_run"] else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(found)} files without a record {verb}."))
