"""How far a running dossier import has got, readable by the page while the import runs.

An all-or-nothing import writes its rows inside one transaction, so a count kept on the
DossierImport row would stay invisible to other connections until the very end. The progress
is therefore kept beside the upload, in a small file under MEDIA_ROOT (which the web servers
and the worker share already: the worker reads the upload from there), replaced atomically on
each batch and removed when the import ends.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import TypedDict

from django.conf import settings


class Progress(TypedDict):
    rows: int
    percent: int | None  # of the file's bytes read, when the size is known


def _path(pk: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "dossier-imports" / "progress" / f"{int(pk)}.json"


def write(pk: int, rows: int, fraction: float | None) -> None:
    path = _path(pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    percent = None if fraction is None else max(0, min(99, int(fraction * 100)))
    data = json.dumps({"rows": rows, "percent": percent})
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def read(pk: int) -> Progress | None:
    try:
        data = json.loads(_path(pk).read_text())
    except (OSError, ValueError):
        return None
    return Progress(rows=int(data.get("rows", 0)), percent=data.get("percent"))


def clear(pk: int) -> None:
    _path(pk).unlink(missing_ok=True)
