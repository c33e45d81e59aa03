"""Office files are zips: before a library inflates one, refuse a zip that would unpack to
far more than it weighs (a "zip bomb": a few kilobytes becoming gigabytes). The sizes read
here are the ones zipfile will inflate to at most."""

import zipfile
from typing import IO

MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100  # real Office files compress 5–20 times
RATIO_CHECKED_FROM = 1024 * 1024


def zip_problem(
    stream: IO[bytes], *, required: str, max_unpacked: int = MAX_UNPACKED
) -> str | None:
    """None when the zip is sound; else "not_zip" (not a zip, or lacking `required`),
    "too_large" or "bomb". The stream is rewound."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "not_zip"
    finally:
        stream.seek(0)
    if not any(member.filename == required for member in members):
        return "not_zip"
    if sum(member.file_size for member in members) > max_unpacked:
        return "too_large"
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            return "bomb"
    return None
