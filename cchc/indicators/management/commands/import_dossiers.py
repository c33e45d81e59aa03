"""manage.py import_dossiers PATH [--valid-only] [--language vi]

The same import, checks and messages as the import page (format: docs/formats/dossiers.md).
All or nothing by default: exits non-zero and writes nothing if any row is wrong. With
--valid-only the valid rows are written and the rejected ones saved with their reasons.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.indicators.importers import import_dossiers
from cchc.indicators.models import DossierImport

PROGRESS_EVERY = 50_000
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import dossiers from an export of the public-service software (.csv or .xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .csv or .xlsx file.")
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="Import the valid rows and save the rejected ones (default: all or nothing).",
        )
        parser.add_argument("--language", default="vi", help="Language of the messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self.run(options)

    def run(self, options: dict[str, Any]) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        mode = (
            DossierImport.Mode.VALID_ONLY
            if options["valid_only"]
            else DossierImport.Mode.ALL_OR_NOTHING
        )
        shown = 0

        def progress(rows_read: int, fraction: float | None) -> None:
            nonlocal shown
            if rows_read // PROGRESS_EVERY > shown // PROGRESS_EVERY:
                if fraction is None:
                    self.stdout.write(_("%(count)s rows read…") % {"count": rows_read})
                else:
                    self.stdout.write(
                        _("%(count)s rows read (%(percent)s%% of the file)…")
                        % {"count": rows_read, "percent": int(fraction * 100)}
                    )
            shown = rows_read

        try:
            with path.open("rb") as stream:
                result = import_dossiers(
                    actor=None, stream=stream, file_name=path.name, mode=mode, progress=progress
                )
        except ImportFailed as failure:
            total = getattr(failure, "total", len(failure.errors))
            for error in failure.errors[:ERRORS_SHOWN]:
                self.stderr.write(str(error))
            if total > ERRORS_SHOWN:
                self.stderr.write(_("… and %(count)s more.") % {"count": total - ERRORS_SHOWN})
            raise CommandError(
                _("%(file)s: %(count)s problems; nothing was imported.")
                % {"file": path.name, "count": total}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(file)s: %(rows)s rows read, %(created)s dossiers added, "
                    "%(updated)s updated, %(rejected)s rows rejected."
                )
                % {
                    "file": path.name,
                    "rows": result.rows_read,
                    "created": result.created,
                    "updated": result.updated,
                    "rejected": result.rejected,
                }
            )
        )
        if result.ignored:
            self.stdout.write(ignored_columns_message(result.ignored))
        if result.rejected:
            shown_errors = result.errors[:ERRORS_SHOWN]
            for error in shown_errors:
                self.stderr.write(str(error))
            rows_shown = len({error.row for error in shown_errors})
            if result.rejected > rows_shown:
                self.stderr.write(
                    _("… and %(count)s more rows.") % {"count": result.rejected - rows_shown}
                )
            if result.record.rejected_file:
                self.stdout.write(
                    _("The rejected rows, with the reason for each: %(path)s")
                    % {"path": _stored_path(result.record)}
                )


def _stored_path(record: DossierImport) -> str:
    try:
        return record.rejected_file.path
    except NotImplementedError:  # a storage without local paths (object storage)
        return record.rejected_file.name or ""
