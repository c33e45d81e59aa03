"""Fill given Vietnamese translations into the catalogue (a maintainer's helper).

Usage: python scripts/po_fill.py translations.json — a JSON object msgid → msgstr. Entries
filled lose their fuzzy flag; the script then lists what is still empty or fuzzy."""

import json
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def main() -> int:
    translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    po = polib.pofile(str(CATALOGUE))
    for entry in po:
        if entry.obsolete or entry.msgid not in translations:
            continue
        value = translations[entry.msgid]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    po.save()
    left = [
        entry.msgid
        for entry in po
        if not entry.obsolete
        and ("fuzzy" in entry.flags or not (entry.msgstr or entry.msgstr_plural.get(0)))
    ]
    for msgid in left:
        print("still to translate:", msgid)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
