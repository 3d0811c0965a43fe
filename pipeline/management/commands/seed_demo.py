from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from pipeline.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


class Command(BaseCommand):
    help = "Create or refresh fictional demo data (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--institutions", type=int, default=300)

    def handle(self, *args: object, seed: int, institutions: int, **options: object) -> None:
        counts = seed_demo(seed=seed, institutions=institutions)
        self.stdout.write(
            f"Demo data (seed {seed}): {counts['teams']} teams, {counts['users']} users, "
            f"{counts['institutions']} institutions."
        )
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
