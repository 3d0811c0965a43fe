from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from pipeline.progress import TargetProgress, target_progress
from plans.models import Plan


def _number(value: Decimal | None) -> int | float | None:
    """A JSON number: whole figures as integers, others as decimals."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _cell(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return str(_number(value))


class Command(BaseCommand):
    help = "Print each target of a plan with its value on a date (docs/progress.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", required=True, help="the plan's code, e.g. lujiazui-14th")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; today when left out")
        parser.add_argument("--format", dest="fmt", choices=["table", "json"], default="table")

    def handle(self, *args: object, plan: str, as_of: str | None, fmt: str, **options) -> None:
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(
                _("Not a date: %(value)s (write it as YYYY-MM-DD).") % {"value": as_of}
            ) from None
        found = Plan.objects.filter(code=plan).first()
        if found is None:
            raise CommandError(_("No plan has the code %(code)s.") % {"code": plan})
        try:
            rows = target_progress(plan=found, as_of=day)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if fmt == "json":
            self.stdout.write(json.dumps([self._json(row) for row in rows], ensure_ascii=False))
        else:
            self._table(rows)

    def _json(self, row: TargetProgress) -> dict[str, object]:
        return {
            "code": row.code,
            "baseline": _number(row.baseline),
            "value": _number(row.value),
            "target": _number(row.target),
            "percent": _number(row.percent),
        }

    def _table(self, rows: list[TargetProgress]) -> None:
        header = [_("code"), _("baseline"), _("value"), _("target"), _("percent")]
        lines = [
            [row.code, _cell(row.baseline), _cell(row.value), _cell(row.target), _cell(row.percent)]
            for row in rows
        ]
        widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(5)]
        for line in [header, *lines]:
            cells = [
                str(cell).ljust(widths[0]) if i == 0 else str(cell).rjust(widths[i])
                for i, cell in enumerate(line)
            ]
            self.stdout.write("  ".join(cells).rstrip())
