"""``manage.py export_tally``: the quarterly tally workbook, written to a file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from plans.models import Plan
from spreadsheets.commands import acting_user
from spreadsheets.tally import check_quarter, parse_quarter_code, tally_workbook

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class Command(BaseCommand):
    help = (
        "Write the quarterly tally workbook (季度统计表) of a plan as an .xlsx file "
        "(docs/spreadsheets-tally.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", required=True, help="the plan's code, e.g. lujiazui-14th")
        parser.add_argument("--quarter", required=True, help="e.g. 2025Q4")
        parser.add_argument(
            "--lang",
            default=settings.LANGUAGE_CODE,
            help="the workbook's language: %s (default %s)"
            % (" or ".join(LANGUAGES), settings.LANGUAGE_CODE),
        )
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="whose view of the records to tally (default: the first superuser or admin)",
        )

    def handle(self, *args, plan, quarter, lang, output, as_user, **options) -> None:
        found = Plan.objects.filter(code=plan).first()
        if found is None:
            raise CommandError(_("No plan has the code %(code)s.") % {"code": plan})
        try:
            year, number = parse_quarter_code(quarter)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if lang not in LANGUAGES:
            raise CommandError(
                _("Unknown language %(language)s; choose one of %(languages)s.")
                % {"language": lang, "languages": ", ".join(LANGUAGES)}
            )
        try:
            check_quarter(plan=found, year=year, quarter=number)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user = self._user(as_user)
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(_("No such folder: %(folder)s") % {"folder": path.parent})
        try:
            content = tally_workbook(
                plan=found, year=year, quarter=number, user=user, language=lang
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from None
        self.stdout.write(
            _("Wrote %(path)s (%(size)s bytes) as %(user)s.")
            % {"path": path, "size": len(content), "user": user.username}
        )

    def _user(self, username: str | None) -> User:
        return acting_user(
            username, nobody=_("There is no superuser or admin to tally as; name a user with --as.")
        )
