"""``manage.py import_workbook``: import a ledger from the shell, as the wizard would."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from spreadsheets.commands import acting_user
from spreadsheets.importing import (
    IMPORTERS,
    ImportCancelled,
    SheetRows,
    error_workbook,
    run_import,
)
from spreadsheets.reading import SpreadsheetRejected, open_workbook
from spreadsheets.values import CellError

KINDS = ("institutions", "interactions", "projects", "measurements")


class Command(BaseCommand):
    help = (
        "Import a workbook (.xlsx or .csv) into the register; prints what each row did and "
        "writes the failed rows, with their errors, next to the file (docs/spreadsheets-"
        "importing.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument("--as", dest="username", help="the user the import acts as")
        parser.add_argument("--sheet", help="the sheet's name (default: the first visible)")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="write the good rows even when some fail (default: all or nothing)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["kind"] not in IMPORTERS:
            raise CommandError(
                _("Importing %(kind)s is not yet supported.") % {"kind": options["kind"]}
            )
        user = self._user(options["username"])
        path = Path(str(options["path"]))
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            with open_workbook(path) as workbook:
                rows = list(workbook.rows(options["sheet"]))
                result = run_import(
                    kind=str(options["kind"]),
                    workbook=SheetRows(rows),
                    user=user,
                    dry_run=bool(options["dry_run"]),
                    all_or_nothing=not options["partial"],
                )
        except SpreadsheetRejected as error:
            raise CommandError(error.message) from error
        except CellError as error:
            raise CommandError(error.message) from error
        except ImportCancelled as error:
            raise CommandError(_("The import was cancelled; nothing was written.")) from error
        counts = result.counts
        self.stdout.write(
            _(
                "Created: %(create)s, updated: %(update)s, unchanged: %(unchanged)s, "
                "duplicates: %(duplicate)s, failed: %(failed)s"
            )
            % counts
        )
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        elif not result.written:
            self.stdout.write(_("Some rows failed, so nothing was written (all or nothing)."))
        if counts["failed"]:
            target = path.with_name(path.stem + "-errors.xlsx")
            target.write_bytes(error_workbook(rows, rows[result.header_row], result))
            self.stdout.write(_("The failed rows are in %(path)s") % {"path": target})
            raise CommandError(
                _("%(count)s rows failed.") % {"count": counts["failed"]}, returncode=1
            )

    def _user(self, username: object) -> User:
        return acting_user(
            username, nobody=_("No superuser or admin to import as; name one with --as.")
        )
