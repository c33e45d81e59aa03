"""Backup and restore of a whole installation: the database's content and every uploaded or
issued file, in one ZIP with a manifest of SHA-256 digests.

The database is dumped as JSON whose times keep their microseconds (`cchc.core.exact_json`;
Django's own JSON keeps milliseconds) inside one transaction that sees one moment
(PostgreSQL: REPEATABLE READ; SQLite: the transaction holds the database), with natural keys
for content types so it loads into any empty installation of the same version. Files are
copied after the dump: files are written before their records and never changed (evidence,
documents, photos), so every file a record of the dump names is there; a file uploaded
during the backup may be there too, harmlessly. What is left out is transient: sessions,
verification codes, the task queue, who is online, the day's address salts.
"""

import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "captcha",
    "django_tasks_database",
    "portal.onlinevisitor",
    "portal.dailysalt",
]
DATA = "data.json"
MANIFEST = "manifest.json"
# The serialization of data.json, named in the manifest; backups made before it was named
# used Django's "json" (times to the millisecond), and are checked in that format.
FORMAT = "exact-json"
FORMATS = ("exact-json", "json")


def dump_database(data_format: str = FORMAT) -> bytes:
    """The database's content as JSON, from one consistent moment."""
    buffer = io.StringIO()
    outermost = not connection.in_atomic_block  # inside a restore: its own transaction
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            format=data_format,
            exclude=EXCLUDED,
            natural_foreign=True,
            indent=None,
            stdout=buffer,
        )
    return buffer.getvalue().encode()


# Django's "json" writes a time of 1-999 microseconds as "…:01.000Z", which loads back as
# "…:01Z": compared in that format, both are taken as the same time.
EMPTY_MILLISECONDS = re.compile(r"(?<=T\d\d:\d\d:\d\d)\.000(?=Z|[+-]\d\d:\d\d|$)")


def data_digest(data: bytes, data_format: str = FORMAT) -> str:
    """The digest of the database's content, the same for the same content whatever order the
    database returned it in (many-to-many lists come in no fixed order)."""
    return data_summary(data, data_format)[0]


def data_summary(data: bytes, data_format: str = FORMAT) -> tuple[str, Counter[str]]:
    """(the digest of data_digest, the number of objects of each model: "app.model")."""
    objects = json.loads(data or b"[]")
    counts = Counter(item.get("model", "") for item in objects)
    for item in objects:
        for name, value in item.get("fields", {}).items():
            if isinstance(value, list) and all(not isinstance(v, dict) for v in value):
                item["fields"][name] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
            elif data_format == "json" and isinstance(value, str):
                item["fields"][name] = EMPTY_MILLISECONDS.sub("", value)
    objects.sort(key=lambda item: (item.get("model", ""), json.dumps(item.get("pk"))))
    canonical = json.dumps(objects, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest(), counts


def media_files() -> dict[str, Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".progress-")
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def files_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


def backup(destination: Path) -> dict[str, Any]:
    """Write the backup ZIP; return its manifest."""
    data = dump_database()
    files = media_files()
    hashes = {name: sha256_of(path) for name, path in files.items()}
    manifest = {
        "created": timezone.now().isoformat(),
        "database": {
            "vendor": connection.vendor,
            "format": FORMAT,
            "sha256": hashlib.sha256(data).hexdigest(),  # of data.json, as written
            "content_sha256": data_digest(data),  # of its content, in any order
        },
        "files": hashes,
        "files_sha256": files_digest(hashes),
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with zipfile.ZipFile(
        partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
    ) as archive:
        archive.writestr(DATA, data)
        for name, path in files.items():
            archive.write(path, f"media/{name}")
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
    partial.replace(destination)  # a backup cut short is never taken for a whole one
    return manifest


def content_digests(data_format: str = FORMAT) -> tuple[str, str]:
    """(database, files) digests of this installation, as a backup of it in that format would
    record them."""
    data = dump_database(data_format)
    hashes = {name: sha256_of(path) for name, path in media_files().items()}
    return data_digest(data, data_format), files_digest(hashes)
