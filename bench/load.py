#!/usr/bin/env python
"""Landfall under load (issue 7): the production server, locust's crowd, the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_district \
    .venv/bin/python bench/load.py [--users 50] [--spawn-rate 5] [--duration 5m] [--json PATH]

On a database seeded by bench/seed_register.py and bench/seed_pipeline.py, it

1. gives the users the crowd signs in as (``bench``, ``wang.ming``, ``ma.chao``, whom the
   seed leaves without a usable password) a password for the run: random unless
   ``--password``; it is passed to locust in ``LANDFALL_BENCH_PASSWORD``;
2. serves the app as ``make serve`` does (serve.py: collectstatic, then gunicorn on
   ``config.wsgi`` with the production settings, DEBUG off, static files by whitenoise),
   web only, ``--workers`` (2) sync workers on a free port of 127.0.0.1, without
   migrating, with a throwaway SECRET_KEY and Celery's in-memory broker (serve.py asks
   for a broker; no page of the crowd's sends a task); ``--no-collectstatic`` starts its
   gunicorn command alone, on the static files an earlier run collected; then asks for
   the login page a few times at once, to warm each worker up;
3. runs ``locust --headless`` on bench/locustfile.py for ``--duration``, ramping up
   ``--spawn-rate`` users a second to ``--users``, with its CSV files in ``--out``;
4. stops the server and prints, per page and overall, the request count, failures,
   p50/p95/p99 and requests per second from locust's CSV (locust rounds times above
   100 ms to 10 ms), the pages' figures without the sign-in (from the locustfile), and
   writes them to ``--json``; and the workers' own time on the requests, from
   gunicorn's access log, to tell the server's time from the wait for a worker.

The server's log (one access line per request) is ``server.log`` in ``--out``. Locust
runs on the same 2 cores as gunicorn and PostgreSQL: its own share is in the load average
printed at the start and the end.

Budget: overall p95 ≤ 500 ms with no failed request. Exit status: 0 within budget; 1 over
it or a request failed; 2 the database is not seeded, or the server or locust did not run.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOGIN = "/accounts/login/"
USERNAMES = ("bench", "wang.ming", "ma.chao")  # bench/locustfile.py's officer, manager, analyst
SERVER_START_S = 300  # collectstatic compresses every file the first time
# gunicorn's access line, ending with the worker's time on the request in milliseconds.
ACCESS_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(M)s"
ACCESS_LINE = re.compile(r"\] (GET|POST) (\S+) (\d{3}) (\d+)$")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load-test Landfall with locust.")
    parser.add_argument("-u", "--users", type=int, default=50, help="simulated people")
    parser.add_argument("-r", "--spawn-rate", type=float, default=5, help="started per second")
    parser.add_argument("-t", "--duration", default="5m", help="locust's --run-time: 5m, 90s …")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="start gunicorn on the static files an earlier run collected (saves minutes)",
    )
    parser.add_argument(
        "--reset-stats",
        action="store_true",
        help="drop the ramp-up's figures (the sign-ins) once every user has started",
    )
    parser.add_argument("--password", help="the users' password (default: random for the run)")
    parser.add_argument(
        "--set-password-only",
        action="store_true",
        help="only set --password, to run locust by hand against a server of one's own",
    )
    parser.add_argument("--out", help="folder for locust's CSV and the server log")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--budget-ms", type=float, default=500.0, help="overall p95")
    return parser.parse_args()


def set_passwords(password: str) -> str | None:
    """Give the crowd's users the run's password; what is missing when not seeded."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import DatabaseError, connection

    from accounts.models import User
    from crm.models import Institution
    from pipeline.models import Project

    try:
        users = list(User.objects.filter(username__in=USERNAMES))
        if len(users) < len(USERNAMES) or not Institution.objects.exists():
            return "the register: bench/seed_register.py"
        if not Project.objects.exists():
            return "the pipeline: bench/seed_pipeline.py"
        for user in users:
            user.set_password(password)
            user.save(update_fields=["password"])
    except DatabaseError as error:  # not migrated, or not this project's database
        return f"a migrated database ({type(error).__name__}: {error})".strip()
    finally:
        connection.close()
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    port: int, workers: int, log: Path, collectstatic: bool = True
) -> subprocess.Popen[bytes]:
    """serve.py's web role on the production settings, its output in ``log``."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": str(workers),
        "CELERY_BROKER_URL": "memory://",
        "GUNICORN_CMD_ARGS": f"{os.environ.get('GUNICORN_CMD_ARGS', '')} "
        f"--access-logformat '{ACCESS_FORMAT}'",
    }
    bind = f"127.0.0.1:{port}"
    if collectstatic:
        command = [sys.executable, "serve.py", "--bind", bind, "--no-migrate", "web"]
    else:  # the gunicorn that serve.py starts, on the static files an earlier run collected
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", bind,
                   "--workers", str(workers), "--access-logfile", "-"]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def wait_until_up(server: subprocess.Popen[bytes], url: str) -> bool:
    """Whether /health/ answers 200, asked as nginx would ask it, before the deadline."""
    request = urllib.request.Request(url + "/health/", headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            return error.code == 200
        except OSError:  # not listening yet
            time.sleep(1)
    return False


def warm_up(url: str, workers: int) -> None:
    """The login page a few times at once, so that no worker's first request (templates,
    translations loaded) is among the figures."""
    request = urllib.request.Request(url + LOGIN, headers={"X-Forwarded-Proto": "https"})

    def get(_: int) -> None:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, range(4 * workers)))


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM: serve.py stops gunicorn itself."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def read_stats(path: Path) -> list[dict[str, object]]:
    """Locust's stats CSV: one row per request name, then "Aggregated"."""

    def ms(value: str) -> float | None:
        return None if value in ("", "N/A") else float(value)

    with path.open(newline="") as stats:
        return [
            {
                "method": row["Type"],
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": ms(row["50%"]),
                "p95_ms": ms(row["95%"]),
                "p99_ms": ms(row["99%"]),
                "max_ms": ms(row["Max Response Time"]),
                "rps": float(row["Requests/s"]),
            }
            for row in csv.DictReader(stats)
        ]


def server_times(log: Path) -> list[float]:
    """The workers' time on each page request (not on /health/ or static files), sorted."""
    times = []
    for line in log.read_text(errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if match and not match.group(2).startswith(("/static/", "/health/")):
            times.append(float(match.group(4)))
    return sorted(times)


def nearest_rank(ordered: list[float], percent: float) -> float:
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def read_failures(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as failures:
        return list(csv.DictReader(failures))


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def main() -> int:
    args = arguments()
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL to the seeded database.", file=sys.stderr)
        return 2
    if args.set_password_only and not args.password:
        print("--set-password-only needs --password.", file=sys.stderr)
        return 2
    password = args.password or secrets.token_urlsafe(18)
    missing = set_passwords(password)
    if missing:
        print(f"Seed the database first: {missing}", file=sys.stderr)
        return 2
    if args.set_password_only:
        return 0
    started = datetime.datetime.now(datetime.UTC)
    out = Path(args.out or f"/tmp/landfall-load-{started:%Y%m%d-%H%M%S}")
    out.mkdir(parents=True, exist_ok=True)
    pages_file = out / "pages.json"  # written by the locustfile at the end
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    print(
        f"database {database}; {args.users} users, {args.spawn_rate:g}/s, {args.duration}; "
        f"gunicorn × {args.workers} on {url}; files in {out}",
        flush=True,
    )

    if args.no_collectstatic and not (ROOT / "staticfiles" / "staticfiles.json").exists():
        print("No collected static files yet: run once without --no-collectstatic.")
        return 2
    server = start_server(port, args.workers, out / "server.log", not args.no_collectstatic)
    try:
        if not wait_until_up(server, url):
            print(f"The server did not start: see {out / 'server.log'}", file=sys.stderr)
            return 2
        warm_up(url, args.workers)
        load_before = os.getloadavg()[0]
        print(f"server up; load average {load_before:.2f}; locust running …", flush=True)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", args.duration, "--host", url, "--csv", str(out / "locust"),
             "--only-summary", "--loglevel", "WARNING",
             *(["--reset-stats"] if args.reset_stats else [])],
            cwd=ROOT,
            env=os.environ
            | {"LANDFALL_BENCH_PASSWORD": password, "LANDFALL_LOAD_PAGES_JSON": str(pages_file)},
            check=False,
        )  # fmt: skip
        load_after = os.getloadavg()[0]
    finally:
        stop_server(server)

    stats_file = out / "locust_stats.csv"
    if not stats_file.exists():
        print(f"locust did not run (exit status {locust.returncode})", file=sys.stderr)
        return 2
    rows = read_stats(stats_file)
    overall = next(row for row in rows if row["name"] == "Aggregated")
    pages = [row for row in rows if row is not overall]
    failures = read_failures(out / "locust_failures.csv")
    error_rate = overall["failures"] / overall["requests"] if overall["requests"] else 1.0

    print(f"\nload average {load_before:.2f} at the start, {load_after:.2f} at the end\n")
    print("| request | count | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in [*pages, overall]:
        name = "**overall**" if row is overall else f"{row['method']} {row['name']}"
        print(
            f"| {name} | {row['requests']} | {row['failures']} | {_cell(row['p50_ms'])} | "
            f"{_cell(row['p95_ms'])} | {_cell(row['p99_ms'])} | {_cell(row['max_ms'])} | "
            f"{row['rps']:.1f} |"
        )
    without_sign_in = json.loads(pages_file.read_text()) if pages_file.exists() else None
    if without_sign_in:
        print(
            f"| pages, sign-in excluded | {without_sign_in['requests']} | "
            f"{without_sign_in['failures']} | {_cell(without_sign_in['p50_ms'])} | "
            f"{_cell(without_sign_in['p95_ms'])} | {_cell(without_sign_in['p99_ms'])} | | |"
        )
    for failure in failures:
        print(f"- failed {failure['Occurrences']}×: {failure['Name']}: {failure['Error'][:200]}")

    served = server_times(out / "server.log")
    worker = {f"p{p}_ms": nearest_rank(served, p) for p in (50, 95, 99)} if served else {}
    if served:
        print(
            f"\nthe workers' own time on {len(served)} requests (gunicorn's log; the rest of "
            "the time above is waiting for a worker, and the network): "
            + ", ".join(f"{key.removesuffix('_ms')} {ms:.0f} ms" for key, ms in worker.items())
        )
    p95 = overall["p95_ms"] or 0.0
    over = p95 > args.budget_ms or overall["failures"] > 0 or not overall["requests"]
    verdict = "OVER BUDGET" if over else "Within budget"
    print(
        f"\n{verdict}: overall p95 {p95:.0f} ms (budget {args.budget_ms:.0f} ms), "
        f"{overall['failures']} failed of {overall['requests']} requests "
        f"({error_rate:.2%}), {overall['rps']:.1f} requests/s"
    )
    slow = [row["name"] for row in pages if (row["p95_ms"] or 0) > args.budget_ms]
    if slow:
        print("p95 over the budget on: " + ", ".join(slow))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": database,
                    "started": started.isoformat(timespec="seconds"),
                    "users": args.users,
                    "spawn_rate": args.spawn_rate,
                    "duration": args.duration,
                    "workers": args.workers,
                    "load_average": [load_before, load_after],
                    "requests": pages,
                    "overall": overall,
                    "pages_without_sign_in": without_sign_in,
                    "worker_time": worker | {"requests": len(served)},
                    "error_rate": error_rate,
                    "failures": failures,
                    "budget_p95_ms": args.budget_ms,
                    "within_budget": not over,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
