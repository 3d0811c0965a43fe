#!/usr/bin/env python
"""Server time and query count of the pipeline's pages at size (issue 4, "Speed").

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/bench_pipeline.py

Runs against the bench database with the register (seed_register.py) and the pipeline
(seed_pipeline.py): 100k institutions, 50k projects, 300k stage changes. The acceptance
point: the funnel, progress and dashboard pages answer in under 300 ms server time.

Each case signs in its user with ``Client.force_login`` and times ``client.get`` (the
whole request: middleware, view, queries, template) with ``time.perf_counter``: one
untimed pass over all cases, then per case 3 warm-ups and N (default 20) timed runs;
the median and the 95th percentile (nearest rank). One more run under
CaptureQueriesContext counts the queries and sums their database time.

A page that fails (an exception, or a status other than 200) is reported as failed and
the others still run. Exit status: 0 when every page answered within the budget (median
under 300 ms); 1 when a page is over it; 2 when the database is not seeded; 3 when no page
is over budget but some failed.

DEBUG is off unless ``--debug`` (local settings default it on, which is not how the product
is served); setup_test_environment() is not called: it instruments template rendering.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.queries import timing_options  # noqa: E402


def _early_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the pipeline's pages at size.")
    timing_options(parser, repeat=20, explain_ms=5.0)
    parser.add_argument("--budget-ms", type=float, default=300.0)
    parser.add_argument("--plan", default="lujiazui-14th")
    parser.add_argument(
        "--target", default="financial-institutions", help="the count target to drill into"
    )
    parser.add_argument(
        "--past", default="2025-12-31", help="a past quarter end for the progress page"
    )
    return parser.parse_args()


ARGS = _early_args()
os.environ["DEBUG"] = "True" if ARGS.debug else "False"

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Membership, Role, User  # noqa: E402
from bench.queries import p95, print_queries, timed_runs  # noqa: E402
from crm.models import Institution, Interaction, Milestone  # noqa: E402
from pipeline.models import Project, StageChange  # noqa: E402

HOST = "127.0.0.1"  # in the default ALLOWED_HOSTS; "testserver" is not, with DEBUG off
# Who the cases sign in as (users of bench/seed_register.py): team A's manager and one of
# its officers, and the analyst, who sees every team.
MANAGER, OFFICER, ANALYST = "wang.ming", "bench", "ma.chao"


@dataclass
class Case:
    key: str
    label: str
    url: str
    username: str


@dataclass
class Figures:
    key: str
    label: str
    url: str
    username: str
    status: int | None = None
    error: str = ""
    queries: int | None = None
    sql_ms: float | None = None
    median_ms: float | None = None
    cpu_ms: float | None = None  # median CPU time of this (the Django) process
    p95_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    runs_ms: list[float] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.median_ms is not None and self.median_ms >= ARGS.budget_ms


def cases() -> list[Case]:
    team = (
        Membership.objects.filter(user__username=MANAGER, role=Role.MANAGER)
        .values_list("team_id", flat=True)
        .first()
    )
    funnel = reverse("pipeline:funnel")
    progress = reverse("pipeline:progress", args=[ARGS.plan])
    found = [
        Case("funnel", "funnel, default period", funnel, MANAGER),
        Case("funnel-team", "funnel, one team", f"{funnel}?{urlencode({'team': team})}", MANAGER),
        Case(
            "funnel-drill",
            "funnel drill-down, reached negotiating",
            reverse("pipeline:funnel_projects") + "?" + urlencode({"show": "reached:negotiating"}),
            MANAGER,
        ),
        Case("progress", "progress, as of today", progress, ANALYST),
        Case(
            "progress-past",
            f"progress, as of {ARGS.past}",
            f"{progress}?{urlencode({'as_of': ARGS.past})}",
            ANALYST,
        ),
        Case(
            "progress-target",
            f"progress drill-down, {ARGS.target}",
            reverse("pipeline:progress_target", args=[ARGS.plan, ARGS.target]),
            ANALYST,
        ),
    ]
    for role, username in (("manager", MANAGER), ("officer", OFFICER), ("analyst", ANALYST)):
        found.append(Case(f"dashboard-{role}", f"dashboard, {role}", reverse("home"), username))
    for role, username in (("manager", MANAGER), ("officer", OFFICER), ("analyst", ANALYST)):
        found.append(Case(f"board-{role}", f"board, {role}", reverse("pipeline:board"), username))
    return found


class CaseFailed(Exception):
    pass


def run_case(client: Client, case: Case, timed: bool = True) -> Figures:
    figures = Figures(case.key, case.label, case.url, case.username)

    def get():
        try:
            response = client.get(case.url)
        except Exception as error:  # the view raised: say which case, not the whole trace
            raise CaseFailed(f"{type(error).__name__}: {error}".strip()) from None
        figures.status = response.status_code
        if response.status_code != 200:
            raise CaseFailed(f"HTTP {response.status_code}")
        return response

    try:
        if not timed:
            get()
            return figures
        runs, cpu = timed_runs(get, warmup=ARGS.warmup, repeat=ARGS.repeat)
        with CaptureQueriesContext(connection) as captured:
            get()
    except CaseFailed as failure:
        figures.error = str(failure)[:300]
        return figures
    ordered = sorted(runs)
    figures.queries = len(captured.captured_queries)
    figures.sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    figures.median_ms = statistics.median(runs)
    figures.cpu_ms = statistics.median(cpu)
    figures.p95_ms = p95(ordered)
    figures.min_ms, figures.max_ms = ordered[0], ordered[-1]
    figures.runs_ms = [round(r, 2) for r in runs]
    print_queries(
        captured.captured_queries,
        heading=f"{case.key}: {case.url} ({case.username})",
        show_sql=ARGS.show_sql,
        explain=ARGS.explain,
        explain_ms=ARGS.explain_ms,
    )
    return figures


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def main() -> int:
    try:
        seeded = Project.objects.exists()
        users = {
            u.username: u for u in User.objects.filter(username__in=[MANAGER, OFFICER, ANALYST])
        }
    except DatabaseError as error:  # not migrated, or not this project's database
        print(f"{type(error).__name__}: {error}".strip(), file=sys.stderr)
        seeded, users = False, {}
    if not seeded or len(users) < 3:
        print(
            "Seed the database first: bench/seed_register.py, then bench/seed_pipeline.py",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # failures are reported

    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
    print(
        f"database {connection.vendor} {server} {connection.settings_dict['NAME']}: "
        f"{Institution.objects.count()} institutions, {Project.objects.count()} projects, "
        f"{StageChange.objects.count()} stage changes, {Milestone.objects.count()} milestones, "
        f"{Interaction.objects.count()} interactions; Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}; DEBUG={'on' if ARGS.debug else 'off'}; "
        f"{ARGS.warmup} warm-ups + {ARGS.repeat} runs per case; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    selected = [c for c in cases() if not ARGS.only or any(o in c.key for o in ARGS.only)]
    clients: dict[str, Client] = {}
    for username, user in users.items():
        clients[username] = Client(HTTP_HOST=HOST)
        clients[username].force_login(user)

    # One untimed pass over every case first, so that the first case measured does not pay
    # for the process's first requests (template loading, caches, connection).
    for case in selected:
        run_case(clients[case.username], case, timed=False)
    all_figures = []
    for case in selected:
        figures = run_case(clients[case.username], case)
        state = f"FAILED ({figures.error})" if figures.error else f"{figures.median_ms:.1f} ms"
        print(f"  {case.key}: {state}", flush=True)
        all_figures.append(figures)

    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print("\n| page | user | queries | SQL ms | Python CPU ms | median ms | p95 ms | min ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for f in all_figures:
        if f.error:
            print(f"| {f.label} | {f.username} | failed: {f.error[:80]} | | | | | |")
            continue
        median = f"**{f.median_ms:.1f}**" if f.over else f"{f.median_ms:.1f}"
        print(
            f"| {f.label} | {f.username} | {f.queries} | {_cell(f.sql_ms)} | {_cell(f.cpu_ms)} | "
            f"{median} | {_cell(f.p95_ms)} | {_cell(f.min_ms)} |"
        )
    print()
    for f in all_figures:
        print(f"- `{f.key}`: `{f.url}` as {f.username}")

    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps([asdict(f) for f in all_figures], ensure_ascii=False, indent=2)
        )

    over = [f for f in all_figures if f.over]
    failed = [f for f in all_figures if f.error]
    for f in over:
        print(f"\nOVER BUDGET: {f.label}: median {f.median_ms:.1f} ms ≥ {ARGS.budget_ms:.0f} ms")
    for f in failed:
        print(f"\nFAILED: {f.label}: {f.error}")
    if not over and not failed:
        print(f"\nWithin budget: every page's median is under {ARGS.budget_ms:.0f} ms.")
    return 1 if over else 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
