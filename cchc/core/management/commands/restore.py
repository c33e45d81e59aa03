"""manage.py restore PATH — into an empty installation (migrated, no data): checks every
file of the backup against its manifest first, then in one transaction loads the database's
content, puts the files back and compares the installation's digests with the backup's (in
the format the backup was written in)."""

import hashlib
import json
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cchc.core.backup import (
    DATA,
    FORMAT,
    FORMATS,
    MANIFEST,
    content_digests,
    data_digest,
    media_files,
)


def _holds_data() -> bool:
    """Whether any of CCHC's own tables has a row (core imports no app: it asks the registry)."""
    return any(
        model.objects.exists()  # type: ignore[attr-defined]
        for config in apps.get_app_configs()
        if config.name.startswith("cchc.")
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
    )


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup .zip.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if _holds_data():
            raise CommandError(
                "This installation is not empty: restore into a new database (migrated, no data)."
            )
        if media_files():
            raise CommandError(
                f"The media folder {settings.MEDIA_ROOT} is not empty: restore into an empty one."
            )
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            data_format = manifest["database"].get("format", "json")  # unnamed before
            if data_format not in FORMATS:
                raise CommandError(
                    f"The backup's database part is in an unknown format ({data_format}): "
                    "nothing was restored."
                )
            data = archive.read(DATA)
            if hashlib.sha256(data).hexdigest() != manifest["database"]["sha256"]:
                raise CommandError("The backup's database part is damaged: nothing was restored.")
            for name, expected in manifest["files"].items():
                if hashlib.sha256(archive.read(f"media/{name}")).hexdigest() != expected:
                    raise CommandError(
                        f"The backup's file {name} is damaged: nothing was restored."
                    )
            # The files are put back inside the database's transaction, and the content
            # compared there: if a file cannot be written or the content differs, the database
            # stays empty, the media folder is emptied again (it was empty: all in it now is
            # this restore's), and the restore can simply be run again.
            try:
                database, files = self._restore(archive, manifest, data, data_format)
            except BaseException:
                for leftover in sorted(Path(settings.MEDIA_ROOT).rglob("*"), reverse=True):
                    if leftover.is_dir():
                        leftover.rmdir()
                    else:
                        leftover.unlink()
                raise
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: database and {len(manifest['files'])} files identical "
                f"to the backup (digests {database[:16]}…, {files[:16]}…)."
            )
        )

    def _restore(
        self, archive: zipfile.ZipFile, manifest: dict[str, Any], data: bytes, data_format: str
    ) -> tuple[str, str]:
        """Load, put the files back, compare: one transaction; the digests compared."""
        root = Path(settings.MEDIA_ROOT).resolve()
        with tempfile.TemporaryDirectory() as folder, transaction.atomic():
            dump = Path(folder) / "data.json"
            dump.write_bytes(data)
            call_command("loaddata", str(dump), verbosity=0)
            for name in manifest["files"]:
                relative = PurePosixPath(name)
                target = (root / relative).resolve()
                if relative.is_absolute() or ".." in relative.parts or root not in target.parents:
                    raise CommandError(f"Refused a file outside the media folder: {name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(f"media/{name}"))
            # A backup in Django's json is compared with its own data, read the same way (its
            # empty milliseconds taken as none); the manifest's digest was taken without that.
            database, files = content_digests(data_format)
            expected = (
                manifest["database"]["content_sha256"]
                if data_format == FORMAT
                else data_digest(data, data_format)
            )
            if database != expected or files != manifest["files_sha256"]:
                raise CommandError(
                    "The restored content differs from the backup's digests: nothing was restored."
                )
        return database, files
