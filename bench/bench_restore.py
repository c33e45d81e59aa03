"""Restoring a backup against loading the same data (issue 22): the generator's data
(BENCH_SCALE=city|province|nation) backed up with `manage.py backup` into a temporary folder,
then `manage.py restore` of that ZIP into an empty installation (migrated, no data, an empty
media folder: what restore asks for) against `manage.py loaddata` of the backup's own data.json
into an empty installation of the same engine. Both are whole commands, started the same way;
the restore's extra is its checks (every file's digest, the content's digest, each table's rows
against the backup) and its progress. The empty installation is a migrated SQLite file copied
for each, or with DATABASE_URL the same throw-away database flushed before each."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import generate
from common import ROOT, report, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from cchc.core.backup import DATA  # noqa: E402


def manage(*arguments: str, environment: dict[str, str]) -> float:
    """Seconds of one `manage.py` command in its own process; stops the benchmark if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-4000:], sep="\n")
        raise SystemExit(f"manage.py {arguments[0]} failed ({result.returncode})")
    return elapsed


def main() -> int:
    data = generate.dataset()
    sqlite = connection.vendor == "sqlite"
    source = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    folder = Path(tempfile.mkdtemp(prefix="cchc-bench-restore-"))
    try:
        media = folder / "media"
        media.mkdir()
        here = {"SQLITE_PATH": source} if sqlite else {}
        archive = folder / "backup.zip"
        backup_seconds = manage(
            "backup", str(archive), environment={**here, "MEDIA_ROOT": str(media)}
        )
        with zipfile.ZipFile(archive) as opened:
            (folder / DATA).write_bytes(opened.read(DATA))
        if sqlite:
            empty = folder / "empty.sqlite3"
            manage("migrate", environment={"SQLITE_PATH": str(empty)})

        def empty_installation(name: str) -> dict[str, str]:
            (folder / f"media-{name}").mkdir()
            if sqlite:
                shutil.copyfile(empty, folder / f"{name}.sqlite3")
                target = {"SQLITE_PATH": str(folder / f"{name}.sqlite3")}
            else:
                target = {}
                manage("flush", "--no-input", environment={})
            return {**target, "MEDIA_ROOT": str(folder / f"media-{name}")}

        load_seconds = manage(
            "loaddata", str(folder / DATA), environment=empty_installation("load")
        )
        restore_seconds = manage("restore", str(archive), environment=empty_installation("restore"))
        figures = {
            "database": connection.vendor,
            "units": len(data.units),
            "backup_mb": archive.stat().st_size / 1e6,
            "objects": len(json.loads((folder / DATA).read_bytes())),
            "data_json_mb": (folder / DATA).stat().st_size / 1e6,
            "backup_s": backup_seconds,
            "loaddata_s": load_seconds,
            "restore_s": restore_seconds,
            "restore_vs_loaddata": restore_seconds / load_seconds,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(f"restore_{data.scale}_{connection.vendor}", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
