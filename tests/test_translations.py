"""No untranslated string reaches a Vietnamese page."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_vietnamese_entry_is_translated():
    catalogue = polib.pofile(str(PO_PATH))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(PO_PATH))
    for entry in catalogue.translated_entries():
        for placeholder in ("%(", "{value}", "{columns}", "{code}", "{row}", "{choices}"):
            source_count = entry.msgid.count(placeholder)
            translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
            for translation in translations:
                assert translation.count(placeholder) == source_count, entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogue_holds_every_string_in_the_source(tmp_path):
    """Extract the strings again into a scratch copy and compare with the committed catalogue."""
    scratch = tmp_path / "project"
    shutil.copytree(
        ROOT,
        scratch,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "staticfiles", "node_modules", "*.mo"
        ),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "vi",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=scratch,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "SQLITE_PATH": str(tmp_path / "db.sqlite3")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    fresh = {entry.msgid for entry in polib.pofile(str(scratch / PO_PATH.relative_to(ROOT)))}
    committed = {entry.msgid for entry in polib.pofile(str(PO_PATH))}
    assert fresh <= committed, f"run `make messages` and translate: {sorted(fresh - committed)}"
