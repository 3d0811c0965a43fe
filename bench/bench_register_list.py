#!/usr/bin/env python
"""Server time and query count of the register list (and the institution page) at size.

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/bench_register_list.py

Runs against a database that is migrated and seeded (bench/seed_register.py). Signs in
the seeded user "bench" with django.test.Client.force_login and, for each case, times
``client.get`` (the whole request through middleware, view, queries and template) with
``time.perf_counter``: one untimed pass over all cases, then per case 3 warm-ups and N
(default 20) timed runs; reports the median and the 95th percentile (nearest rank). One
more run under CaptureQueriesContext counts the queries and sums their database time.

The acceptance point: the "required" case (three filters and a search) answers in under
150 ms median with at most 12 queries. The script exits 1 when it does not, so it can be
used as a check; it is deliberately not part of the test suite.

DEBUG is off unless ``--debug`` (local settings default it on, which is not how the
product is served). setup_test_environment() is not called: it instruments template
rendering, which would add to the times measured.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
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
    parser = argparse.ArgumentParser(description="Time the register list at size.")
    timing_options(parser, repeat=20, explain_ms=1.0)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    parser.add_argument("--budget-queries", type=int, default=12)
    return parser.parse_args()


ARGS = _early_args()
os.environ["DEBUG"] = "True" if ARGS.debug else "False"

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.queries import p95, print_queries, timed_runs  # noqa: E402
from crm.models import Institution, Interaction  # noqa: E402
from plans.models import Category  # noqa: E402

HOST = "127.0.0.1"  # in the default ALLOWED_HOSTS; "testserver" is not, with DEBUG off
BENCH_USERNAME = "bench"
REQUIRED = "required"


@dataclass
class Case:
    key: str
    label: str
    url: str
    required: bool = False
    htmx: bool = False  # as the filter sidebar asks: HX-Request, results fragment only


@dataclass
class Figures:
    key: str
    label: str
    url: str
    required: bool
    status: int
    results: str
    queries: int
    sql_ms: float
    median_ms: float
    cpu_ms: float  # median CPU time of this (the Django) process, the database's excluded
    p95_ms: float
    min_ms: float
    max_ms: float
    runs_ms: list[float] = field(default_factory=list)


def list_url(**params) -> str:
    base = reverse("crm:institution_list")
    return base + ("?" + urlencode(params, doseq=True) if params else "")


def cases() -> list[Case]:
    asset_management = Category.objects.get(code="asset-management", plan__code="lujiazui-14th")
    three = {
        "institution_type": "public-fund",
        "status": "prospect",
        "category": asset_management.pk,
    }
    # A USCC prefix that exists among the institutions the three filters keep.
    uscc = (
        Institution.objects.filter(
            institution_type="public-fund",
            status="prospect",
            categories=asset_management,
            uscc__isnull=False,
        )
        .order_by("pk")
        .values_list("uscc", flat=True)
        .first()
    ) or "91310115MA1"
    busiest = (
        Interaction.objects.values("institution")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("institution", "n")
        .first()
    )
    owner = (
        User.objects.get(username="wang.ming")
        if User.objects.filter(username="wang.ming").exists()
        else None
    )
    found = [
        Case(REQUIRED, "3 filters + q=基金 (required)", list_url(**three, q="基金"), required=True),
        Case(
            "required-htmx",
            "3 filters + q=基金, htmx fragment",
            list_url(**three, q="基金"),
            htmx=True,
        ),
        Case("three-q-brand2", "3 filters + q=博远 (2-char zh)", list_url(**three, q="博远")),
        Case("three-q-zh4", "3 filters + q=基金管理 (4-char zh)", list_url(**three, q="基金管理")),
        Case("three-q-latin", "3 filters + q=boyuan (Latin)", list_url(**three, q="boyuan")),
        Case(
            "three-q-fullwidth",
            "3 filters + q=ＢＯＹＵＡＮ (full-width)",
            list_url(**three, q="ＢＯＹＵＡＮ"),
        ),
        Case(
            "three-q-two-terms",
            "3 filters + q=Boyuan 基金 (2 terms)",
            list_url(**three, q="Boyuan 基金"),
        ),
        Case(
            "three-q-uscc",
            f"3 filters + q={uscc[:10]} (USCC prefix)",
            list_url(**three, q=uscc[:10]),
        ),
        Case("three-q-nohit", "3 filters + q=zzqx (no match)", list_url(**three, q="zzqx")),
        Case("q-only-zh2", "q=基金 alone", list_url(q="基金")),
        Case("q-only-brand2", "q=博远 alone", list_url(q="博远")),
        Case("q-only-brand2-htmx", "q=博远 alone, htmx fragment", list_url(q="博远"), htmx=True),
        Case("plain", "plain first page", list_url()),
        Case("deep", "page=500", list_url(page=500)),
        Case("sort-contacted", "sort=-contacted", list_url(sort="-contacted")),
        Case("overdue", "overdue=true", list_url(overdue="true")),
    ]
    if owner is not None:
        found.append(
            Case(
                "owner-stale",
                "owner + contacted_before + sort=contacted",
                list_url(owner=owner.pk, contacted_before="2025-01-01", sort="contacted"),
            )
        )
    if busiest:
        pk, n = busiest
        found.append(
            Case(
                "detail-busy",
                f"institution page, {n} interactions",
                reverse("crm:institution_detail", args=[pk]),
            )
        )
    return found


class CaseFailed(Exception):
    pass


RESULT_COUNT = re.compile(r'data-testid="result-count">\s*([^<]*?)\s*<')


def run_case(client: Client, case: Case, timed: bool = True) -> Figures | None:
    headers = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}

    def get():
        try:
            response = client.get(case.url, **headers)
        except Exception as error:  # the view raised: say which case, not the whole trace
            raise CaseFailed(f"{case.key}: {case.url}: {type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise CaseFailed(f"{case.key}: {case.url}: HTTP {response.status_code}")
        return response

    if not timed:
        get()
        return None
    runs, cpu = timed_runs(get, warmup=ARGS.warmup, repeat=ARGS.repeat)
    with CaptureQueriesContext(connection) as captured:
        response = get()
    match = RESULT_COUNT.search(response.content.decode())
    results = re.sub(r"[^\d,]", "", match.group(1)) if match else ""
    ordered = sorted(runs)
    figures = Figures(
        key=case.key,
        label=case.label,
        url=case.url,
        required=case.required,
        status=response.status_code,
        results=results,
        queries=len(captured.captured_queries),
        sql_ms=sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        median_ms=statistics.median(runs),
        cpu_ms=statistics.median(cpu),
        p95_ms=p95(ordered),
        min_ms=ordered[0],
        max_ms=ordered[-1],
        runs_ms=[round(r, 2) for r in runs],
    )
    print_queries(
        captured.captured_queries,
        heading=f"{case.key}: {case.url}",
        show_sql=ARGS.show_sql,
        explain=ARGS.explain,
        explain_ms=ARGS.explain_ms,
    )
    return figures


def main() -> int:
    try:
        user = User.objects.filter(username=BENCH_USERNAME).first()
        seeded = user is not None and Institution.objects.exists()
    except DatabaseError as error:  # not migrated, or not this project's database
        print(f"{type(error).__name__}: {error}".strip(), file=sys.stderr)
        seeded = False
    if not seeded:
        print(
            "Seed the database first: bench/seed_register.py --institutions 100000", file=sys.stderr
        )
        return 2
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)

    total = Institution.objects.count()
    interactions = Interaction.objects.count()
    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
    print(
        f"database {connection.vendor} {server} {connection.settings_dict['NAME']}, "
        f"{total} institutions, {interactions} interactions; Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}; DEBUG={'on' if ARGS.debug else 'off'}"
        "; "
        f"{ARGS.warmup} warm-ups + {ARGS.repeat} runs per case; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    selected = [c for c in cases() if not ARGS.only or any(o in c.key for o in ARGS.only)]
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # CaseFailed says it
    try:
        # One untimed pass over every case first, so that the first case measured does not
        # pay for the process's first requests (template loading, caches, connection).
        for case in selected:
            run_case(client, case, timed=False)
        all_figures = [run_case(client, case) for case in selected]
    except CaseFailed as failure:
        print(
            f"FAILED {failure}\n(is the bench database migrated? manage.py migrate)",
            file=sys.stderr,
        )
        return 2

    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print("\n| case | results | queries | SQL ms | Python CPU ms | median ms | p95 ms | min ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for f in all_figures:
        label = f"**{f.label}**" if f.required else f.label
        print(
            f"| {label} | {f.results or '–'} | {f.queries} | {f.sql_ms:.1f} | {f.cpu_ms:.1f} | "
            f"{f.median_ms:.1f} | {f.p95_ms:.1f} | {f.min_ms:.1f} |"
        )
    print()
    for f, case in zip(all_figures, selected, strict=True):
        print(f"- `{f.key}`: `{f.url}`" + (" (with `HX-Request: true`)" if case.htmx else ""))

    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps([asdict(f) for f in all_figures], ensure_ascii=False, indent=2)
        )

    required = [f for f in all_figures if f.required]
    failed = False
    for f in required:
        over = []
        if f.median_ms >= ARGS.budget_ms:
            over.append(f"median {f.median_ms:.1f} ms ≥ {ARGS.budget_ms:.0f} ms")
        if f.queries > ARGS.budget_queries:
            over.append(f"{f.queries} queries > {ARGS.budget_queries}")
        if over:
            failed = True
            print(f"\nOVER BUDGET: {f.label}: " + "; ".join(over))
        else:
            print(
                f"\nWithin budget: {f.label}: median {f.median_ms:.1f} ms < {ARGS.budget_ms:.0f} ms, "
                f"{f.queries} queries ≤ {ARGS.budget_queries}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
