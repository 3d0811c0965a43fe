#!/usr/bin/env python
"""Issue 7's runner: every page with a budget at district scale, in one table.

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_district \
    .venv/bin/python bench/bench_district.py [-n 30] [--heavy] [--json PATH]

Runs against a database seeded by bench/seed_register.py and bench/seed_pipeline.py. The
cases are those of bench_register_list.py and bench_pipeline.py that issue 7 budgets (the
institution list unfiltered, with three filters, searched in Chinese, in English and by
USCC prefix; the board, the funnel, target progress, the dashboard), with two of its own:
an institution page with about 200 interactions, and the Django admin's changelist of
institutions as the peer the list is compared with (same searches, signed in as a
superuser, ``bench.admin``, made when missing).

It borrows those scripts' cases and their ``run_case``: per case 3 warm-ups and N (default
30) timed ``client.get`` calls after one untimed pass over all cases, then one more under
CaptureQueriesContext for the query count. Users sign in with ``force_login``: ``bench``
(officer), ``wang.ming`` (manager), ``ma.chao`` (analyst). DEBUG is off unless ``--debug``.

Budgets (p95, server time): lists, searches and the institution page 150 ms and at most
12 queries; the board, funnel, progress and dashboard 300 ms. ``--heavy`` also runs
bench_import.py (100k rows, 30 s), bench_exports.py (100k rows, 15 s) and bench_tally.py
(10 s) as subprocesses, one after the other, and folds their ``--json`` figures in: each
is held by its median, as those scripts hold it.

Exit status: 0 every case within budget; 1 a case over budget or failed; 2 the database is
not seeded.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.queries import timing_options  # noqa: E402


def _early_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time issue 7's pages at district scale.")
    timing_options(parser, repeat=30, explain_ms=5.0)
    parser.add_argument(
        "--heavy", action="store_true", help="also time the import, the export and the tally"
    )
    # Read by bench_pipeline.cases(): which plan's progress page, which target, which past.
    parser.add_argument("--plan", default="lujiazui-14th", help=argparse.SUPPRESS)
    parser.add_argument("--target", default="financial-institutions", help=argparse.SUPPRESS)
    parser.add_argument("--past", default="2025-12-31", help=argparse.SUPPRESS)
    return parser.parse_args()


ARGS = _early_args()
os.environ["DEBUG"] = "True" if ARGS.debug else "False"


def _borrow(name: str) -> ModuleType:
    """Import another bench script, which parses its own options when it loads.

    It is given none of ours (only ``--debug``, which it also reads), and then reads
    ours: its ``cases()`` and ``run_case()`` take their options from its ``ARGS``.
    """
    argv = sys.argv
    sys.argv = [name, "--debug"] if ARGS.debug else [name]
    try:
        module = importlib.import_module(f"bench.{name}")
    finally:
        sys.argv = argv
    module.ARGS = ARGS
    return module


register = _borrow("bench_register_list")
pipeline = _borrow("bench_pipeline")  # it and the one above have set Django up

import django  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.db.models.functions import Abs  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.queries import p95  # noqa: E402
from crm.models import Institution, Interaction  # noqa: E402
from crm.selectors import interactions_visible_to  # noqa: E402
from pipeline.models import Project, StageChange  # noqa: E402

Case = pipeline.Case
MANAGER, OFFICER, ANALYST = pipeline.MANAGER, pipeline.OFFICER, pipeline.ANALYST
SUPERUSER = "bench.admin"
DETAIL_INTERACTIONS = 200  # the institution page is timed with about this many


@dataclass(frozen=True)
class Budget:
    ms: float
    queries: int | None = None
    on: str = "p95"  # the figure held to it: "p95", or "p50" for the heavy jobs

    def __str__(self) -> str:
        if self.ms >= 1000:
            return f"{self.on} ≤ {self.ms / 1000:.0f} s"
        queries = f", ≤ {self.queries} queries" if self.queries is not None else ""
        return f"{self.on} ≤ {self.ms:.0f} ms{queries}"


LIST = Budget(150, 12)  # lists, searches, the institution page
PAGE = Budget(300)  # the board, funnel, progress, dashboard
PEER = None  # the Django admin: timed to compare with, held to nothing
# The heavy jobs' scripts hold their median to these; so does this report.
IMPORT, EXPORT, TALLY = (Budget(s * 1000, on="p50") for s in (30, 15, 10))


@dataclass
class Row:
    """One line of the report: a page's figures, or a heavy job's."""

    key: str
    label: str
    budget: Budget | None
    url: str = ""
    username: str = ""
    queries: int | None = None
    sql_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    runs_ms: list[float] | None = None
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error:
            return "FAILED"
        if self.budget is None:
            return "peer"
        over = getattr(self, f"{self.budget.on}_ms") > self.budget.ms or (
            self.budget.queries is not None and self.queries > self.budget.queries
        )
        return "OVER" if over else "ok"


# ------------------------------------------------------------------ the pages


def _query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def list_cases() -> list[tuple[Case, Budget | None]]:
    """The register's list cases issue 7 budgets, taken from bench_register_list.cases()."""
    borrowed = {case.key: case for case in register.cases()}
    # The same three filters as the register's acceptance case, without its search.
    three = {k: v for k, v in _query_of(borrowed[register.REQUIRED].url).items() if k != "q"}
    uscc = _query_of(borrowed["three-q-uscc"].url)["q"]
    found = [
        Case("list-plain", "list, unfiltered", borrowed["plain"].url, OFFICER),
        Case("list-three", "list, 3 filters", register.list_url(**three), OFFICER),
        Case("list-three-q", "list, 3 filters + q=基金", borrowed[register.REQUIRED].url, OFFICER),
        Case("list-q-zh", "list, q=基金", borrowed["q-only-zh2"].url, OFFICER),
        Case("list-q-brand", "list, q=博远 (2-char brand)", borrowed["q-only-brand2"].url, OFFICER),
        Case("list-q-en", "list, q=boyuan (English)", register.list_url(q="boyuan"), OFFICER),
        Case("list-q-uscc", f"list, q={uscc} (USCC prefix)", register.list_url(q=uscc), OFFICER),
    ]
    return [(case, LIST) for case in found]


def detail_case(officer: User) -> tuple[Case, Budget] | None:
    """The institution whose interactions the officer sees number closest to 200."""
    closest = (
        interactions_visible_to(officer)
        .values("institution")
        .annotate(n=Count("id"))
        .order_by(Abs(F("n") - DETAIL_INTERACTIONS), "institution")
        .values_list("institution", "n")
        .first()
    )
    if closest is None:
        return None
    pk, n = closest
    url = reverse("crm:institution_detail", args=[pk])
    return Case("detail", f"institution page, {n} interactions", url, OFFICER), LIST


def pipeline_cases() -> list[tuple[Case, Budget]]:
    """The board, funnel, progress and dashboards, taken from bench_pipeline.cases()."""
    wanted = (
        "board-officer",
        "board-manager",
        "funnel",
        "progress",
        "dashboard-manager",
        "dashboard-officer",
        "dashboard-analyst",
    )
    borrowed = {case.key: case for case in pipeline.cases()}
    return [(borrowed[key], PAGE) for key in wanted]


def admin_cases() -> list[tuple[Case, None]]:
    """The Django admin's changelist of institutions, the list's peer, for the same searches."""
    changelist = reverse("admin:crm_institution_changelist")
    found = [
        Case("admin-plain", "admin changelist, unfiltered", changelist, SUPERUSER),
        Case("admin-q-zh", "admin changelist, q=基金", f"{changelist}?q=基金", SUPERUSER),
        Case("admin-q-en", "admin changelist, q=boyuan", f"{changelist}?q=boyuan", SUPERUSER),
    ]
    return [(case, PEER) for case in found]


# Our list against the admin's changelist: (ours, the admin's).
PEERS = (("list-plain", "admin-plain"), ("list-q-zh", "admin-q-zh"), ("list-q-en", "admin-q-en"))


def superuser() -> User:
    """The bench's superuser, for the admin: made once, with no usable password."""
    user, created = User.objects.get_or_create(
        username=SUPERUSER,
        defaults={
            "display_name": "基准测试管理员",
            "email": f"{SUPERUSER}@landfall.example",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def page_row(case: Case, budget: Budget | None, client: Client) -> Row:
    figures = pipeline.run_case(client, case)
    row = Row(case.key, case.label, budget, case.url, case.username, error=figures.error)
    if not figures.error:
        row.queries, row.sql_ms = figures.queries, figures.sql_ms
        row.p50_ms, row.p95_ms = figures.median_ms, figures.p95_ms
        row.min_ms, row.max_ms, row.runs_ms = figures.min_ms, figures.max_ms, figures.runs_ms
    return row


# ------------------------------------------------------------------ the heavy jobs


def _heavy_rows(name: str, figures: object) -> list[Row]:
    """The budgeted figure in a heavy script's --json output, as a row of the report."""
    if name == "bench_import.py":
        runs = [r["wall_s"] for r in figures if r["case"] == "import" and "error" not in r]
        if not runs:
            return [Row("import", "import 100k rows", IMPORT, error="no import ran")]
        return [_seconds_row("import", "import 100k rows", IMPORT, runs)]
    if name == "bench_exports.py":
        full = next(c for c in figures["cases"] if c["key"] == "institutions")
        if full["error"]:
            return [Row("export", "export 100k rows", EXPORT, error=full["error"])]
        return [_seconds_row("export", f"export {full['rows']:,} rows", EXPORT, full["runs_s"])]
    return [_seconds_row("tally", "tally workbook", TALLY, figures["runs_s"])]


def _seconds_row(key: str, label: str, budget: Budget, seconds: list[float]) -> Row:
    ordered = sorted(s * 1000 for s in seconds)
    return Row(
        key,
        label,
        budget,
        p50_ms=statistics.median(ordered),
        p95_ms=p95(ordered),
        min_ms=ordered[0],
        max_ms=ordered[-1],
        runs_ms=[round(ms, 1) for ms in ordered],
    )


def heavy() -> tuple[list[Row], dict[str, object]]:
    """Run the import, export and tally benchmarks in turn; their rows and raw figures."""
    database = urlsplit(os.environ.get("DATABASE_URL", ""))
    jobs = [
        # It imports into a database of its own, on the same server, from a template it keeps.
        ["bench_import.py", "--no-compare"]
        + ([f"--server={database.scheme}://{database.netloc}"] if database.netloc else []),
        ["bench_exports.py"],
        ["bench_tally.py"],
    ]
    rows, raw = [], {}
    with tempfile.TemporaryDirectory(prefix="landfall-district-") as folder:
        for name, *options in jobs:
            output = Path(folder) / f"{name}.json"
            command = [sys.executable, str(ROOT / "bench" / name), *options, "--json", str(output)]
            print(f"\n## {' '.join(command[1:])}\n", flush=True)
            done = subprocess.run(command, cwd=ROOT, check=False)
            if not output.exists():
                key = name.removeprefix("bench_").removesuffix(".py")
                rows.append(Row(key, name, None, error=f"exit status {done.returncode}, no JSON"))
                continue
            raw[name] = json.loads(output.read_text())
            rows.extend(_heavy_rows(name, raw[name]))
    return rows, raw


# ------------------------------------------------------------------ the report


def _cell(value: float | int | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def print_report(rows: list[Row]) -> list[dict[str, object]]:
    """The markdown table, our list against the admin's, and the ratios as data."""
    print("\n| case | user | queries | p50 ms | p95 ms | budget | verdict |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        if row.error:
            print(f"| {row.label} | {row.username} | failed: {row.error[:80]} | | | | FAILED |")
            continue
        budget = row.budget or "–"
        verdict = "**OVER**" if row.verdict == "OVER" else row.verdict
        print(
            f"| {row.label} | {row.username or '–'} | {_cell(row.queries)} | {_cell(row.p50_ms)} | "
            f"{_cell(row.p95_ms)} | {budget} | {verdict} |"
        )
    by_key = {row.key: row for row in rows if not row.error}
    ratios = []
    for ours, theirs in PEERS:
        if ours in by_key and theirs in by_key:
            a, b = by_key[ours], by_key[theirs]
            ratios.append(
                {
                    "ours": ours,
                    "admin": theirs,
                    "p50_ratio": a.p50_ms / b.p50_ms,
                    "p95_ratio": a.p95_ms / b.p95_ms,
                    "queries": [a.queries, b.queries],
                }
            )
    if ratios:
        print("\n| our list vs the admin changelist | p50 ms | p95 ms | queries | p50 ratio |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for ratio in ratios:
            a, b = by_key[ratio["ours"]], by_key[ratio["admin"]]
            print(
                f"| {a.label} / {b.label} | {a.p50_ms:.1f} / {b.p50_ms:.1f} | "
                f"{a.p95_ms:.1f} / {b.p95_ms:.1f} | {a.queries} / {b.queries} | "
                f"{ratio['p50_ratio']:.2f}× |"
            )
    print()
    for row in rows:
        if row.url:
            print(f"- `{row.key}`: `{row.url}` as {row.username}")
    return ratios


def main() -> int:
    try:
        users = {
            u.username: u for u in User.objects.filter(username__in=[MANAGER, OFFICER, ANALYST])
        }
        seeded = len(users) == 3 and Institution.objects.exists() and Project.objects.exists()
    except DatabaseError as error:  # not migrated, or not this project's database
        print(f"{type(error).__name__}: {error}".strip(), file=sys.stderr)
        seeded = False
    if not seeded:
        print(
            "Seed the database first: bench/seed_register.py, then bench/seed_pipeline.py",
            file=sys.stderr,
        )
        return 2
    users[SUPERUSER] = superuser()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # failures are reported

    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
    print(
        f"database {connection.vendor} {server} {connection.settings_dict['NAME']}: "
        f"{Institution.objects.count()} institutions, {Interaction.objects.count()} "
        f"interactions, {Project.objects.count()} projects, {StageChange.objects.count()} "
        f"stage changes; Python {sys.version.split()[0]}, Django {django.get_version()}; "
        f"DEBUG={'on' if ARGS.debug else 'off'}; {ARGS.warmup} warm-ups + {ARGS.repeat} runs "
        f"per case; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average at start {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    found = list_cases()
    detail = detail_case(users[OFFICER])
    if detail is not None:
        found.append(detail)
    found += pipeline_cases() + admin_cases()
    selected = [(c, b) for c, b in found if not ARGS.only or any(o in c.key for o in ARGS.only)]
    clients: dict[str, Client] = {}
    for username in {case.username for case, _ in selected}:
        clients[username] = Client(HTTP_HOST=pipeline.HOST)
        clients[username].force_login(users[username])

    # One untimed pass over every case first, so that the first case measured does not pay
    # for the process's first requests (template loading, caches, connection).
    for case, _ in selected:
        pipeline.run_case(clients[case.username], case, timed=False)
    rows = []
    for case, budget in selected:
        rows.append(page_row(case, budget, clients[case.username]))
        state = rows[-1].error or f"p50 {rows[-1].p50_ms:.1f} ms, p95 {rows[-1].p95_ms:.1f} ms"
        print(f"  {case.key}: {state}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.2f}")

    raw: dict[str, object] = {}
    if ARGS.heavy:
        heavy_rows, raw = heavy()
        rows += heavy_rows
    ratios = print_report(rows)

    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps(
                {
                    "database": connection.settings_dict["NAME"],
                    "repeat": ARGS.repeat,
                    "warmup": ARGS.warmup,
                    "rows": [
                        asdict(row) | {"budget": str(row.budget or ""), "verdict": row.verdict}
                        for row in rows
                    ],
                    "admin_ratios": ratios,
                    "heavy": raw,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    missed = [row for row in rows if row.verdict in ("OVER", "FAILED")]
    for row in missed:
        print(f"{row.verdict}: {row.label}" + (f": {row.error}" if row.error else ""))
    if not missed:
        print("Within budget: every case.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
