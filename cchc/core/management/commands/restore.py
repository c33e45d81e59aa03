"""manage.py restore PATH — into an empty installation (migrated, no data): checks every
file of the backup against its manifest first, and the database part's content against the
manifest's content digest (in the format the backup was written in); then, in one
transaction, loads the database's content, counting each object as it is saved, and puts the
files back. The load is checked without dumping the database again: every object of the
backup was saved once, and each table holds as many rows as the backup has of its model, no
more; each file put back is read and its digest compared. Progress goes to standard output
(verbosity 1 and up)."""

import hashlib
import json
import tempfile
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save

from cchc.core.backup import (
    DATA,
    FORMAT,
    FORMATS,
    MANIFEST,
    data_summary,
    files_digest,
    media_files,
    sha256_of,
)

# Progress is written about this many times in a load (and at least every PROGRESS_MAX).
PROGRESS_STEPS = 20
PROGRESS_MAX = 10_000


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
        self.verbosity = options["verbosity"]
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
                f"Restored {path}: database and {len(manifest['files'])} files checked "
                f"against the backup (digests {database[:16]}…, {files[:16]}…)."
            )
        )

    def _restore(
        self, archive: zipfile.ZipFile, manifest: dict[str, Any], data: bytes, data_format: str
    ) -> tuple[str, str]:
        """Check the content, load it counting, put the files back: one transaction."""
        root = Path(settings.MEDIA_ROOT).resolve()
        database, expected = data_summary(data, data_format)
        # A backup in Django's json was digested before its empty milliseconds were taken as
        # none: its own data, read the same way, is what it holds.
        if data_format == FORMAT and database != manifest["database"]["content_sha256"]:
            raise CommandError(
                "The backup's database part differs from its digest: nothing was restored."
            )
        expected.update(relations(data))
        total = sum(expected[label] for label in expected if ":" not in label)
        saves = 0  # an object whose forward references were filled in later is saved twice
        every = steps(total)

        def count(sender: type[Model], raw: bool = False, **kwargs: Any) -> None:
            nonlocal saves
            if raw:
                saves += 1
                if saves % every == 0 and saves < total:
                    self.progress(f"Database: {saves:,} of {total:,} objects")

        self.progress(f"Database: 0 of {total:,} objects")
        with tempfile.TemporaryDirectory() as folder, transaction.atomic():
            dump = Path(folder) / "data.json"
            dump.write_bytes(data)
            post_save.connect(count, weak=False, dispatch_uid="cchc-restore-count")
            try:
                call_command("loaddata", str(dump), verbosity=0)
            finally:
                post_save.disconnect(dispatch_uid="cchc-restore-count")
            # loaddata saved every object or raised; its keys being unique, a table holding as
            # many rows as the backup has objects of its model holds each of them.
            held = {label: table_rows(label) for label in expected}
            if held != dict(expected):
                raise CommandError(
                    "The restored database differs from the backup "
                    f"({difference(expected, held)}): nothing was restored."
                )
            self.progress(f"Database: {total:,} of {total:,} objects")
            names = list(manifest["files"])
            every = steps(len(names))
            hashes: dict[str, str] = {}
            for number, name in enumerate(names, start=1):
                relative = PurePosixPath(name)
                target = (root / relative).resolve()
                if relative.is_absolute() or ".." in relative.parts or root not in target.parents:
                    raise CommandError(f"Refused a file outside the media folder: {name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(f"media/{name}"))
                hashes[name] = sha256_of(target)  # as the installation now holds it
                if number % every == 0 or number == len(names):
                    self.progress(f"Files: {number:,} of {len(names):,}")
            files = files_digest(hashes)
            if files != manifest["files_sha256"] or set(media_files()) != set(names):
                raise CommandError(
                    "The restored files differ from the backup's digests: nothing was restored."
                )
        return database, files

    def progress(self, line: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(line)
            self.stdout.flush()


def relations(data: bytes) -> Counter[str]:
    """The many-to-many links of a dump, by "app.model:field" (an automatic through table)."""
    counts: Counter[str] = Counter()
    for item in json.loads(data or b"[]"):
        model = apps.get_model(item["model"])
        for field in model._meta.many_to_many:
            if field.remote_field.through._meta.auto_created:  # type: ignore[union-attr]
                counts[f"{item['model']}:{field.name}"] += len(item["fields"].get(field.name, []))
    return counts


def table_rows(label: str) -> int:
    """Rows of a model ("app.model"), or of a many-to-many field's table ("app.model:field")."""
    name, _, field = label.partition(":")
    model = apps.get_model(name)
    if field:
        model = model._meta.get_field(field).remote_field.through  # type: ignore[union-attr]
    return model._base_manager.count()


def steps(total: int) -> int:
    return max(1, min(PROGRESS_MAX, total // PROGRESS_STEPS))


def difference(expected: Counter[str], held: dict[str, int]) -> str:
    """The first models whose rows differ from the backup's objects, for the message."""
    wrong = [
        f"{label}: {expected[label]:,} in the backup, {held[label]:,} restored"
        for label in sorted(expected)
        if expected[label] != held[label]
    ]
    return "; ".join(wrong[:3])
