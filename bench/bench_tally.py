#!/usr/bin/env python
"""Time the quarterly tally workbook at district scale (issue 5, "Speed": ≤ 10 s).

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/bench_tally.py

Runs against the bench database (bench/seed_register.py, then bench/seed_pipeline.py:
100k institutions, 50k projects, 300k stage changes, 35k milestones, 330k interactions),
as the analyst ``ma.chao``, who sees every team. It times
``spreadsheets.tally.tally_workbook`` (what the page and ``export_tally`` both call:
every query, the counting, and writing the .xlsx into memory) with ``time.perf_counter``:
one warm-up, then N (default 5) timed runs; the median is held to the budget. One more
run under CaptureQueriesContext counts the queries and sums their database time, and each
sheet is then built once on its own to say where the time goes.

Exit status: 0 within budget, 1 when the median is over it, 2 when the database is not
seeded. DEBUG is off unless ``--debug``.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the quarterly tally workbook.")
    parser.add_argument("-n", "--repeat", type=int, default=5, help="timed runs")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument("--plan", default="lujiazui-14th")
    parser.add_argument("--quarter", default="2025Q4")
    parser.add_argument("--lang", default="zh-hans")
    parser.add_argument("--user", default="ma.chao", help="whose view to tally")
    parser.add_argument("--budget-s", type=float, default=10.0)
    parser.add_argument("--save", metavar="PATH", help="also write the workbook there")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on")
    return parser.parse_args()


ARGS = _args()
os.environ["DEBUG"] = "True" if ARGS.debug else "False"

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from accounts.models import User  # noqa: E402
from crm.models import Institution, Interaction, Milestone  # noqa: E402
from pipeline.models import Project, StageChange  # noqa: E402
from plans.models import Plan  # noqa: E402
from spreadsheets.tally import SHEETS, Tally, parse_quarter_code, tally_workbook  # noqa: E402


def _sheets(plan: Plan, user: User, year: int, quarter: int) -> list[tuple[str, float, int, int]]:
    """(sheet, seconds, queries, lines) of each sheet built on its own, shared loads included
    in the first sheet that needs them."""
    found = []
    with translation.override(ARGS.lang):
        tally = Tally(plan=plan, user=user, year=year, quarter=quarter)
        for build in SHEETS:
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                sheet = build(tally)
                seconds = time.perf_counter() - start
            found.append((build.__name__, seconds, len(captured), len(sheet.lines)))
    return found


def main() -> int:
    try:
        plan = Plan.objects.filter(code=ARGS.plan).first()
        user = User.objects.filter(username=ARGS.user).first()
        seeded = Project.objects.exists()
    except DatabaseError as error:
        print(f"{type(error).__name__}: {error}".strip(), file=sys.stderr)
        plan = user = None
        seeded = False
    if not (plan and user and seeded):
        print(
            "Seed the database first: bench/seed_register.py, then bench/seed_pipeline.py",
            file=sys.stderr,
        )
        return 2
    year, quarter = parse_quarter_code(ARGS.quarter)
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
        f"Django {django.get_version()}; {os.cpu_count()} CPUs; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    print(f"tally of {plan.code} {ARGS.quarter} in {ARGS.lang} as {user.username}")

    def build() -> bytes:
        return tally_workbook(plan=plan, year=year, quarter=quarter, user=user, language=ARGS.lang)

    for _ in range(ARGS.warmup):
        build()
    runs, cpu = [], []
    for _ in range(ARGS.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        content = build()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        print(f"  run: {runs[-1]:.2f} s (CPU {cpu[-1]:.2f} s)", flush=True)
    with CaptureQueriesContext(connection) as captured:
        content = build()
    sql = sum(float(q["time"]) for q in captured.captured_queries)
    sheets = _sheets(plan, user, year, quarter)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    book = load_workbook(io.BytesIO(content), read_only=True)
    sizes = {ws.title: ws.max_row for ws in book.worksheets}
    if ARGS.save:
        Path(ARGS.save).write_bytes(content)
    median = statistics.median(runs)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print("\n| what | figure |\n| --- | ---: |")
    print(f"| median of {len(runs)} runs | **{median:.2f} s** |")
    print(f"| min / max | {min(runs):.2f} / {max(runs):.2f} s |")
    print(f"| Python CPU (median) | {statistics.median(cpu):.2f} s |")
    print(f"| queries | {len(captured)} |")
    print(f"| SQL time (one run) | {sql:.2f} s |")
    print(f"| file | {len(content) / 1024:.0f} KiB, {len(sizes)} sheets |")
    print(f"| peak RSS of the process | {peak_mb:.0f} MB |")
    print(
        "\n| sheet | s | queries | lines | rows in the file |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for (name, seconds, queries, lines), title in zip(sheets, sizes, strict=True):
        print(f"| {name} ({title}) | {seconds:.2f} | {queries} | {lines} | {sizes[title]} |")
    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps(
                {
                    "runs_s": [round(r, 3) for r in runs],
                    "cpu_s": [round(c, 3) for c in cpu],
                    "median_s": round(median, 3),
                    "queries": len(captured),
                    "sql_s": round(sql, 3),
                    "bytes": len(content),
                    "peak_rss_mb": round(peak_mb),
                    "sheets": [
                        {"sheet": n, "s": round(s, 3), "queries": q, "lines": li}
                        for n, s, q, li in sheets
                    ],
                },
                indent=2,
            )
        )
    if median > ARGS.budget_s:
        print(f"\nOVER BUDGET: median {median:.2f} s > {ARGS.budget_s:.0f} s")
        return 1
    print(f"\nWithin budget: median {median:.2f} s ≤ {ARGS.budget_s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
