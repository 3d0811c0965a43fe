#!/usr/bin/env python
"""Wall time and peak memory of the list exports at size (issue 5).

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/bench_exports.py [--all] [--compare]

The acceptance point: *export a 100k-row list in at most 15 s with a peak RSS of at most
300 MB*. Runs against the register of bench/seed_register.py (100,000 institutions, and
bench/seed_pipeline.py's 50,000 projects for ``--all``). Signs in the analyst "ma.chao"
(who sees every team) with ``django.test.Client.force_login`` and downloads each export
through the view, whole request and all (middleware, selectors, queries, the workbook,
the streamed response read to its end), timed with ``time.perf_counter``.

Memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is the process's peak resident set
size since it started, Django and all. The cases run smallest first, so that the peak
after each shows whether memory grows with the rows (it should not: rows are read in
batches and written out as they come).

``--compare`` also times the writing alone, on the same 100k rows held in memory: this
module's writer against openpyxl's ``write_only`` mode (the figures behind the choice
described in spreadsheets/exports.py); it runs after the budgeted cases, since holding
the rows takes memory of its own.

Exit status: 0 within budget; 1 the full institution export over 15 s (median) or the
peak RSS over 300 MB; 2 the database is not seeded or an export failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def _early_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the list exports at size.")
    parser.add_argument("-n", "--repeat", type=int, default=3, help="timed runs per case")
    parser.add_argument("--user", default="ma.chao", help="who exports (an analyst)")
    parser.add_argument("--all", action="store_true", help="also contacts, interactions, projects")
    parser.add_argument("--compare", action="store_true", help="time openpyxl's writer too")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--budget-s", type=float, default=15.0)
    parser.add_argument("--budget-mb", type=float, default=300.0)
    return parser.parse_args()


ARGS = _early_args()
os.environ["DEBUG"] = "False"  # the local settings default it on; the product runs without

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402

from accounts.models import User  # noqa: E402
from crm.models import Institution  # noqa: E402
from spreadsheets import exports  # noqa: E402

HOST = "127.0.0.1"  # in the default ALLOWED_HOSTS; "testserver" is not, with DEBUG off
REQUIRED = "institutions"


@dataclass
class Figures:
    key: str
    url: str
    rows: int = 0
    bytes: int = 0
    runs_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    error: str = ""

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s) if self.runs_s else float("nan")


class RowCount(logging.Handler):
    """Reads the number of rows from the view's log line."""

    rows = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.rows = record.args[2]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def export_url(kind: str, **params: str) -> str:
    url = reverse("spreadsheets:list_export", args=[kind])
    return url + ("?" + urlencode(params) if params else "")


def cases() -> list[tuple[str, str]]:
    found = [
        ("institutions, q=基金 (about 12k)", export_url("institutions", q="基金")),
        (REQUIRED, export_url("institutions")),
    ]
    if ARGS.all:
        found += [
            ("contacts (all)", export_url("contacts")),
            ("projects (all)", export_url("projects")),
            ("interactions (all)", export_url("interactions")),
        ]
    return found


def measure(client: Client, key: str, url: str, counter: RowCount) -> Figures:
    figures = Figures(key, url)
    for _ in range(ARGS.repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        if response.status_code != 200:
            figures.error = "HTTP %s" % response.status_code
            return figures
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        figures.runs_s.append(time.perf_counter() - started)
        figures.cpu_s.append(time.process_time() - cpu)
        figures.bytes = size
        figures.rows = counter.rows
    figures.peak_rss_mb = peak_rss_mb()
    return figures


def compare(user: User) -> dict[str, float]:
    """Seconds to write the same 100k rows: this module's writer, openpyxl's write_only."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    with translation.override(user.language or "zh-hans"):
        exporter = exports.InstitutionExporter(user=user, params={})
        started = time.perf_counter()
        rows = list(exporter.rows())
        read_s = time.perf_counter() - started
        heading = exporter.columns

        class Held(exports.ListExporter):
            """The same rows, held in memory: the writing alone is timed."""

            identifier = "held"
            verbose_name = exporter.verbose_name
            columns = heading

            def rows(self):
                return iter(rows)

        held = Held(user=user, params={})
        with tempfile.TemporaryFile() as target:
            started = time.perf_counter()
            exports.write_workbook(held, target)
            ours_s = time.perf_counter() - started

        formats = {
            exports.DATE: "yyyy-mm-dd",
            exports.AMOUNT: "#,##0.00",
            exports.INTEGER: "#,##0",
            exports.PERCENT: "0%",
        }
        with tempfile.TemporaryFile() as target:
            started = time.perf_counter()
            book = Workbook(write_only=True)
            sheet = book.create_sheet(str(exporter.verbose_name))
            sheet.append([str(column.header) for column in heading])
            kinds = [column.kind for column in heading]
            for row in rows:
                values = []
                for kind, value in zip(kinds, row, strict=True):
                    if kind in formats and value is not None:
                        cell = WriteOnlyCell(sheet, value)
                        cell.number_format = formats[kind]
                        value = cell
                    values.append(value)
                sheet.append(values)
            book.save(target)
            openpyxl_s = time.perf_counter() - started
    return {"read_rows_s": read_s, "landfall_writer_s": ours_s, "openpyxl_write_only_s": openpyxl_s}


def main() -> int:
    count = Institution.objects.count()
    if count < 100_000:
        print(f"The register has {count} institutions; run bench/seed_register.py first.")
        return 2
    user = User.objects.get(username=ARGS.user)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    counter = RowCount()
    logging.getLogger("landfall.exports").addHandler(counter)
    logging.getLogger("landfall.exports").propagate = False

    # A warm-up: code paths loaded, connections open, an empty workbook written.
    warm = client.get(export_url("institutions", q="zzqx-no-match"))
    b"".join(warm.streaming_content)
    baseline = peak_rss_mb()
    print(
        f"{count} institutions; user {user.username}; {ARGS.repeat} runs per case; "
        f"load average at start {os.getloadavg()[0]:.2f}; peak RSS after warm-up {baseline:.0f} MB"
    )
    results = [measure(client, key, url, counter) for key, url in cases()]
    print(f"load average at end {os.getloadavg()[0]:.2f}\n")
    print("| export | rows | file MB | median s | runs s | CPU s (median) | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    for f in results:
        if f.error:
            print(f"| {f.key} | failed: {f.error} | | | | | |")
            continue
        runs = " / ".join("%.1f" % s for s in f.runs_s)
        print(
            f"| {f.key} | {f.rows:,} | {f.bytes / 1e6:.1f} | **{f.median_s:.1f}** | {runs} | "
            f"{statistics.median(f.cpu_s):.1f} | {f.peak_rss_mb:.0f} |"
        )
    comparison = compare(user) if ARGS.compare else {}
    if comparison:
        print(
            "\nwriting the same 100k rows: read %(read_rows_s).1f s; Landfall's writer "
            "%(landfall_writer_s).1f s; openpyxl write_only %(openpyxl_write_only_s).1f s"
            % comparison
        )
    if ARGS.json:
        Path(ARGS.json).write_text(
            json.dumps(
                {
                    "baseline_rss_mb": baseline,
                    "cases": [asdict(f) | {"median_s": f.median_s} for f in results],
                    "comparison": comparison,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    if any(f.error for f in results):
        return 2
    required = next(f for f in results if f.key == REQUIRED)
    peak = max(f.peak_rss_mb for f in results)
    over = required.median_s > ARGS.budget_s or peak > ARGS.budget_mb
    verdict = "OVER BUDGET" if over else "within budget"
    print(
        f"\n{verdict}: {required.rows:,} institutions in {required.median_s:.1f} s "
        f"(budget {ARGS.budget_s:.0f} s), peak RSS {peak:.0f} MB (budget {ARGS.budget_mb:.0f} MB)"
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
