from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pipeline.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


class Command(BaseCommand):
    help = "Create or refresh fictional demo data (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--institutions", type=int, default=300)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo login has a published password).",
        )

    def handle(
        self, *args: object, seed: int, institutions: int, force: bool, **options: object
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo creates a superuser with a published password; it runs only "
                    "with DEBUG on. Use --force on a throw-away machine."
                )
            )
        counts = seed_demo(seed=seed, institutions=institutions)
        self.stdout.write(
            f"Demo data (seed {seed}): {counts['teams']} teams, {counts['users']} users, "
            f"{counts['buildings']} buildings, {counts['institutions']} institutions "
            f"({counts['aliases']} aliases), {counts['contacts']} contacts, "
            f"{counts['interactions']} interactions, {counts['follow_ups']} follow-ups, "
            f"{counts['projects']} projects."
        )
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
