"""What the bench scripts share: timing a page, and printing its queries (--show-sql, --explain)."""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence


def timing_options(parser: argparse.ArgumentParser, *, repeat: int, explain_ms: float) -> None:
    """The options every page-timing script takes: runs, warm-ups, which cases, the
    queries shown, JSON out, DEBUG."""
    parser.add_argument("-n", "--repeat", type=int, default=repeat, help="timed runs per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per case first")
    parser.add_argument(
        "--only", action="append", default=[], help="run only cases whose key contains this"
    )
    parser.add_argument("--show-sql", action="store_true", help="print every query of each case")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slow queries of each case"
    )
    parser.add_argument(
        "--explain-ms", type=float, default=explain_ms, help="…those taking at least this many ms"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on (local default)")


def p95(ordered: Sequence[float]) -> float:
    """The 95th percentile of sorted timings, by nearest rank."""
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def print_queries(
    queries: Sequence[dict], *, heading: str, show_sql: bool, explain: bool, explain_ms: float
) -> None:
    """Print each query (``show_sql``) and EXPLAIN ANALYZE the slow SELECTs (``explain``)."""
    from django.db import connection

    if not (show_sql or explain):
        return
    print(f"\n### {heading}\n")
    for i, query in enumerate(queries, 1):
        ms = float(query["time"]) * 1000
        if show_sql:
            print(f"-- [{i}] {ms:.1f} ms\n{query['sql']}\n")
        if explain and ms >= explain_ms and query["sql"].lstrip().upper().startswith("SELECT"):
            if not show_sql:
                print(f"-- [{i}] {ms:.1f} ms\n{query['sql']}\n")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()) + "\n")


def timed_runs(get: Callable[[], object], *, warmup: int, repeat: int) -> tuple[list, list]:
    """Call ``get`` ``warmup`` times untimed, then ``repeat`` times: wall and CPU ms each."""
    for _ in range(warmup):
        get()
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        get()
        runs.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return runs, cpu
