"""manage.py import_framework PATH --issuer CODE [--name --year --kinds ward,commune] [--publish]

The same checks and messages as the import page; exits non-zero and writes nothing on failure.
"""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.frameworks.importers import KIND_WORDS, read_framework_file
from cchc.frameworks.services import framework_import, framework_publish
from cchc.orgunits.models import OrgUnit


class Command(BaseCommand):
    help = "Import a criteria framework from an .xlsx or .csv file as a draft (or published)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .xlsx or .csv file.")
        parser.add_argument("--issuer", required=True, help="Code of the issuing unit, e.g. 436.")
        parser.add_argument("--name", default="", help="Name (else from the file's info sheet).")
        parser.add_argument("--year", type=int, default=None, help="Year (else from the file).")
        parser.add_argument("--kinds", default="", help="Unit kinds, e.g. ward,commune.")
        parser.add_argument("--decision", default="", help="Decision number.")
        parser.add_argument("--illustrative", action="store_true", help="Mark as illustrative.")
        parser.add_argument("--publish", action="store_true", help="Publish after importing.")
        parser.add_argument("--language", default="vi", help="Language of the messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self.run(options)

    def run(self, options: dict[str, Any]) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        issuer = OrgUnit.objects.filter(code=options["issuer"]).first()
        if issuer is None:
            raise CommandError(_("No unit has the code “%(code)s”.") % {"code": options["issuer"]})
        try:
            content, agencies = read_framework_file(data=path.read_bytes(), file_name=path.name)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(file)s: %(count)s problems; nothing was imported.")
                % {"file": path.name, "count": len(failure.errors)}
            ) from None
        if content.ignored:
            self.stdout.write(ignored_columns_message(content.ignored))
        info = dict(content.info)
        if options["name"]:
            info["name"] = options["name"]
        if options["year"]:
            info["year"] = options["year"]
        if options["kinds"]:
            info["unit_kinds"] = [
                KIND_WORDS.get(kind.strip().lower(), kind.strip())
                for kind in options["kinds"].split(",")
            ]
        if not info.get("name") or not info.get("year") or not info.get("unit_kinds"):
            raise CommandError(
                _("Give --name, --year and --kinds (or fill the file's info sheet).")
            )
        try:
            with transaction.atomic():
                framework = framework_import(
                    actor=None,
                    issuer=issuer,
                    content=content,
                    agencies=agencies,
                    name=info["name"],
                    year=info["year"],
                    unit_kinds=info["unit_kinds"],
                    decision_number=options["decision"] or info.get("decision_number", ""),
                    decision_date=info.get("decision_date"),
                    description=info.get("description", ""),
                    is_illustrative=options["illustrative"],
                    source=path.name,
                )
                if options["publish"]:
                    framework_publish(actor=None, framework=framework)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError(_("The framework was not imported.")) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(framework)s: %(count)s criteria, %(status)s (id %(id)s).")
                % {
                    "framework": framework,
                    "count": len(content.criteria),
                    "status": framework.get_status_display(),
                    "id": framework.pk,
                }
            )
        )
