from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from plans.loader import PlanFileError
from plans.services import plan_load_file


class Command(BaseCommand):
    help = "Load or update a five-year plan from its YAML file (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="e.g. data/plans/lujiazui-14th.yaml")

    def handle(self, *args: object, path: str, **options: object) -> None:
        try:
            report = plan_load_file(path=path)
        except PlanFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("%(plan)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "plan": report.plan.code,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        )
        if report.not_in_file:
            self.stdout.write(
                self.style.WARNING(
                    _("Kept, but no longer in the file: %(codes)s")
                    % {"codes": ", ".join(report.not_in_file)}
                )
            )
