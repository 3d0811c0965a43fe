#!/usr/bin/env python
"""Build a whole district at the size of issue 7: the register and the pipeline, in one go.

    dropdb -h 127.0.0.1 -U postgres landfall_district
    createdb -h 127.0.0.1 -U postgres landfall_district
    export DJANGO_SETTINGS_MODULE=config.settings.local
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_district
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/seed_district.py            # about 3 minutes on 2 cores

What it makes by default (issue 7 §1), with seed_register.py's and seed_pipeline.py's own
generators:

- 8 teams, 60 users: seed_register.PEOPLE (``bench``, ``wang.ming``, ``ma.chao`` … in
  their teams), then invented colleagues; the 14th plan; 500 buildings;
- 100,000 institutions with Chinese and English names and aliases, the types, origin
  countries and plan categories of seed_register.py; fewer of them landed than there
  (``--milestones``, below);
- about 300,000 contacts, for about 80% of the institutions;
- about 1,000,000 interactions since the plan's history begins (2021), officers of the
  institution's team present, contacts present for about half of those where the
  institution has contacts, linked to the project alive on their day; ten institutions
  with about 200 each (the "institution page with 200 interactions" case); about one
  follow-up per four;
- 50,000 projects with about 300,000 stage changes, as seed_pipeline.py draws them;
- about 20,000 milestones: each landed project's registration, registrations found on
  registry lists, licences, recognitions, exits. Landings count through these, so the
  number is reached by how many institutions are landed and how many projects land
  (MILESTONES_PER_LANDED, LANDING_SHARE);
- every institution's ``last_contacted_on`` the day of its latest interaction.

The order makes the load cheap: everything is drawn in memory first (so that the last
contact and the project links are known before a row is written), then written with COPY
in one transaction, with the plain indexes built once at the end and the foreign keys
checked in bulk (seed_register.bulk_load); then VACUUM ANALYZE. It prints the time of each
phase, the row counts and an institution with about 200 interactions; ``--json PATH``
keeps the same as JSON.

It refuses a database that has institutions already; ``--reset`` empties the register and
the pipeline first (only on a database whose name has "district" or "bench" in it, unless
``--force``). Deterministic for a ``--seed``; dates are relative to today.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import seed_pipeline  # noqa: E402
import seed_register  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from seed_register import Size  # noqa: E402

from crm.models import Contact, Institution, Interaction  # noqa: E402
from pipeline.demo import HISTORY_START  # noqa: E402

DISTRICT = Size(
    institutions=100_000,
    busy=10,
    busy_interactions=(195, 205),
    interactions=1_000_000,
    contacts=300_000,
    buildings=500,
    teams=8,
    users=60,
    history_days=(timezone.localdate() - HISTORY_START).days,
)
# Milestones per institution landed with a USCC (its registration, and the licences,
# recognitions and exits that follow), as seed_pipeline.draw_milestones draws them; the
# share of landed institutions that have a USCC (seed_register); the share of those whose
# landing is a project of the pipeline (the others are found on registry lists).
MILESTONES_PER_LANDED = 1.22
USCC_SHARE = 0.9
LANDING_SHARE = 0.7


class Clock:
    """Times the phases of the run, each from the end of the one before."""

    def __init__(self, log) -> None:
        self.log = log
        self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = now - self.last
        self.last = now
        self.log(f"== {phase}: {self.phases[phase]:.1f} s")


def row_counts() -> dict[str, int]:
    """The rows of each table the district fills, and a few shares worth knowing."""
    queries = {
        "teams": "SELECT count(*) FROM accounts_team",
        "users": "SELECT count(*) FROM accounts_user",
        "buildings": "SELECT count(*) FROM crm_building",
        "institutions": "SELECT count(*) FROM crm_institution",
        "aliases": "SELECT count(*) FROM crm_institutionalias",
        "institution categories": "SELECT count(*) FROM crm_institution_categories",
        "contacts": "SELECT count(*) FROM crm_contact",
        "interactions": "SELECT count(*) FROM crm_interaction",
        "interactions on a project": (
            "SELECT count(*) FROM crm_interaction WHERE project_id IS NOT NULL"
        ),
        "officers present": "SELECT count(*) FROM crm_interaction_officers",
        "contacts present": "SELECT count(*) FROM crm_interaction_contacts",
        "follow-ups": "SELECT count(*) FROM crm_followup",
        "projects": "SELECT count(*) FROM pipeline_project",
        "stage changes": "SELECT count(*) FROM pipeline_stagechange",
        "project categories": "SELECT count(*) FROM pipeline_project_categories",
        "milestones": "SELECT count(*) FROM crm_milestone",
        "target measurements": "SELECT count(*) FROM plans_targetmeasurement",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT kind, count(*) FROM crm_milestone GROUP BY kind ORDER BY kind")
        counts.update({f"milestones {kind}": n for kind, n in cursor.fetchall()})
    return counts


def consistency() -> dict[str, int]:
    """What must be zero: a last contact that is not the latest interaction, a landed
    project without its registration."""
    checks = {
        "institutions whose last contact is not their latest interaction": """
            SELECT count(*) FROM crm_institution i
            LEFT JOIN (SELECT institution_id, max(date) AS latest FROM crm_interaction
                       GROUP BY institution_id) x ON x.institution_id = i.id
            WHERE i.last_contacted_on IS DISTINCT FROM x.latest""",
        "landed projects without a registered milestone": """
            SELECT count(*) FROM pipeline_project p
            JOIN pipeline_stage s ON s.id = p.stage_id AND s.kind = 'won'
            WHERE NOT EXISTS (SELECT 1 FROM crm_milestone m
                              WHERE m.project_id = p.id AND m.kind = 'registered')""",
    }
    found = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            found[name] = cursor.fetchone()[0]
    return found


def busy_page(busy_ids: list[int], aim: float) -> dict:
    """The busy institution whose interactions come nearest ``aim``, and the busiest."""
    counted = dict(
        Interaction.objects.filter(institution_id__in=busy_ids)
        .values("institution_id")
        .annotate(n=Count("id"))
        .values_list("institution_id", "n")
    )
    pk = min(counted, key=lambda p: (abs(counted[p] - aim), p))
    institution = Institution.objects.get(pk=pk)
    busiest = (
        Interaction.objects.values("institution_id")
        .annotate(n=Count("id"))
        .order_by("-n", "institution_id")
        .values_list("institution_id", "n")
        .first()
    )
    return {
        "id": pk,
        "name": institution.name_zh,
        "interactions": counted[pk],
        "url": reverse("crm:institution_detail", args=[pk]),
        "busy institutions": sorted(counted.values()),
        "busiest": {"id": busiest[0], "interactions": busiest[1]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    seed_register.add_size_arguments(parser, DISTRICT)
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=300_000, help="stage changes, about")
    parser.add_argument(
        "--milestones",
        type=int,
        default=20_000,
        help="about how many; sets how many institutions are landed and projects land",
    )
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--reset", action="store_true", help="empty register and pipeline first")
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow --reset on a database whose name has neither 'district' nor 'bench'",
    )
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE at the end")
    parser.add_argument("--json", metavar="PATH", help="write the phases and counts as JSON")
    args = parser.parse_args(argv)
    if not seed_register.SECTORS <= args.teams <= len(seed_register.TEAMS):
        parser.error(f"--teams goes from {seed_register.SECTORS} to {len(seed_register.TEAMS)}")
    if args.users < len(seed_register.PEOPLE):
        parser.error(f"--users is {len(seed_register.PEOPLE)} or more")

    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    db_name = str(connection.settings_dict["NAME"])
    log(f"database {connection.vendor}:{db_name}")
    if args.reset:
        if not any(word in db_name for word in ("district", "bench")) and not args.force:
            print(f"Refusing to empty {db_name!r} (use --force).", file=sys.stderr)
            return 2
        seed_pipeline.empty_pipeline()
        seed_register.reset()
        log("register and pipeline emptied")
    elif Institution.objects.exists():
        print(
            "The database has institutions already; run with --reset to start again.",
            file=sys.stderr,
        )
        return 2

    landed = args.milestones / MILESTONES_PER_LANDED  # institutions landed with a USCC
    landings = min(round(LANDING_SHARE * landed), args.projects)
    register_interactions = args.interactions - seed_pipeline.activity_estimate(
        projects=args.projects, changes=args.changes, landings=landings
    )
    size = dataclasses.replace(
        seed_register.size_from(
            args, landed_share=min(landed / USCC_SHARE / args.institutions, 1.0)
        ),
        interactions=max(register_interactions, 0),
    )
    log(
        f"aiming at {args.milestones} milestones: {size.landed_share:.1%} of the institutions "
        f"landed, {landings} landings; {size.interactions} interactions in the register"
    )

    clock = Clock(log)
    call_command("load_plan", str(seed_register.PLAN_FILE), verbosity=0)
    seeder = seed_register.RegisterSeeder(size=size, seed_value=args.seed)
    clock.mark("plan, people, buildings")

    batches = list(seeder.batches())
    by_pk = {inst.pk: inst for batch in batches for inst in batch.institutions}
    clock.mark("register drawn")

    drawn = seed_pipeline.draw(
        register=seed_pipeline.Register(by_pk.values()),
        projects=args.projects,
        changes=args.changes,
        landings=landings,
        seed_value=args.seed,
        log=log,
    )
    for pk, _project, day, *_rest in drawn.rows.activity:
        institution = by_pk[pk]
        if institution.last_contacted_on is None or day > institution.last_contacted_on:
            institution.last_contacted_on = day
    clock.mark("pipeline drawn")

    models = [*seed_register.REGISTER_MODELS, *seed_pipeline.PIPELINE_MODELS]
    with transaction.atomic():
        with seed_register.bulk_load(models, log):
            clock.mark("indexes dropped")
            for batch in batches:
                seeder.write_institutions(batch)
            seed_register.reset_sequences(Institution, Contact)
            clock.mark("institutions, aliases, categories, contacts written")
            seed_pipeline.write_pipeline(
                drawn,
                seed_value=args.seed,
                log=log,
                link_register=False,
                keep_last_contact=False,
            )
            clock.mark("pipeline written")
            link = partial(seed_pipeline.project_on, drawn.rows.spans)
            for n, batch in enumerate(batches, 1):
                seeder.write_activity(batch, link)
                if n % 5 == 0 or n == len(batches):
                    log(f"  {seeder.counts['interactions']:>8} register interactions")
            seed_register.reset_sequences(Interaction)
            clock.mark("interactions, officers, contacts present, follow-ups written")
        clock.mark("indexes built, foreign keys checked")
    clock.mark("committed")

    if connection.vendor == "postgresql" and not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        clock.mark("VACUUM ANALYZE")
    total = sum(clock.phases.values())

    counts = row_counts()
    checks = consistency()
    aim = sum(size.busy_interactions) / 2
    page = busy_page(seeder.busy_ids, aim) if seeder.busy_ids else None
    print()
    print("| phase | s |")
    print("| --- | ---: |")
    for phase, seconds in clock.phases.items():
        print(f"| {phase} | {seconds:.1f} |")
    print(f"| **total** | **{total:.1f}** |")
    print()
    print("| table | rows |")
    print("| --- | ---: |")
    for name, n in counts.items():
        print(f"| {name} | {n:,} |")
    print()
    for name, n in checks.items():
        print(f"{name}: {n}")
    if page:
        print(
            f"institution page with about {aim:.0f} interactions: {page['url']} "
            f"(id {page['id']}, {page['name']}, {page['interactions']} interactions); "
            f"the busy ones have {page['busy institutions']}; the busiest is id "
            f"{page['busiest']['id']} with {page['busiest']['interactions']}"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": db_name,
                    "seed": args.seed,
                    "phases_s": {k: round(v, 2) for k, v in clock.phases.items()},
                    "total_s": round(total, 2),
                    "counts": counts,
                    "checks": checks,
                    "busy_page": page,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        log(f"written to {args.json}")
    return 1 if any(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
