#!/usr/bin/env python
"""The production run (``make serve``): gunicorn, a Celery worker and Celery beat.

    .venv/bin/python serve.py                     # all three on one machine
    .venv/bin/python serve.py web worker          # a machine added to scale out (no beat)
    .venv/bin/python serve.py --bind 0.0.0.0:8000 web

Before starting them it collects the static files (when it runs ``web``) and applies the
migrations, under a PostgreSQL lock so that machines started together migrate once. It
then watches the three: SIGTERM or SIGINT stops them all (SIGTERM to each, SIGKILL to any
still running after ``LANDFALL_STOP_TIMEOUT`` seconds), and when one of them exits the
others are stopped and the run exits with status 1, so that the service manager restarts
the lot. It is to production what ``manage.py`` is to development: settings default to
``config.settings.production``. Every variable it reads is in docs/deployment.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROLES = ("web", "worker", "beat")
MIGRATE_LOCK = 0x4C414E44  # the key of the advisory lock held while migrating ("LAND")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    unknown = [role for role in options.roles if role not in ROLES]
    if unknown:
        parser.error("unknown role %s: choose among %s" % (", ".join(unknown), ", ".join(ROLES)))
    roles = tuple(dict.fromkeys(options.roles)) or ROLES
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    if options.prepare_only:
        try:
            _prepare(roles, migrate=not options.no_migrate)
        except _Refused as refusal:
            print(f"Landfall configuration error: {refusal}", file=sys.stderr)
            return 2
        return 0
    # The preparation runs in a process of its own, so that this one, which only
    # watches, does not keep Django in memory for as long as the run lasts.
    prepare = [sys.executable, __file__, "--prepare-only", *roles]
    if options.no_migrate:
        prepare.append("--no-migrate")
    return Supervisor(prepare, [_command(role, options) for role in roles]).run()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="serve.py", description=__doc__)
    parser.add_argument(
        "roles",
        nargs="*",
        metavar="ROLE",
        help="web, worker and/or beat (default: all three; run beat on one machine only)",
    )
    parser.add_argument(
        "--bind",
        default="127.0.0.1:8000",
        help="the address gunicorn listens on (default: 127.0.0.1:8000, behind nginx)",
    )
    parser.add_argument(
        "--no-migrate", action="store_true", help="do not apply migrations before starting"
    )
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    return parser


class _Refused(Exception):
    """The environment does not allow a production run; the message says what to set."""


def _prepare(roles: Sequence[str], *, migrate: bool) -> None:
    """Check the settings, collect the static files and migrate, in this process."""
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.db import connection

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise _Refused(str(exc)) from exc
    if not settings.CELERY_BROKER_URL:
        raise _Refused(
            "set the environment variable CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0): "
            "a production run sends imports to Celery workers (docs/deployment.md)."
        )
    if "web" in roles:
        _say("collecting static files into %s" % settings.STATIC_ROOT)
        call_command("collectstatic", interactive=False, verbosity=0)
    if migrate:
        _say("applying migrations")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
            try:
                call_command("migrate", interactive=False, verbosity=1)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
        else:
            call_command("migrate", interactive=False, verbosity=1)
    connection.close()


def _command(role: str, options: argparse.Namespace) -> tuple[str, list[str]]:
    python = sys.executable
    if role == "web":
        workers = os.environ.get("WEB_CONCURRENCY") or str(min(2 * (os.cpu_count() or 1) + 1, 9))
        # Further gunicorn options (timeouts, log format) go in GUNICORN_CMD_ARGS.
        return role, [python, "-m", "gunicorn", "config.wsgi", "--bind", options.bind,
                      "--workers", workers, "--access-logfile", "-"]  # fmt: skip
    if role == "worker":
        command = [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        if os.environ.get("CELERY_CONCURRENCY"):
            command += ["--concurrency", os.environ["CELERY_CONCURRENCY"]]
        # Further worker options, e.g. --max-memory-per-child=800000 (docs/deployment.md).
        command += shlex.split(os.environ.get("CELERY_WORKER_OPTIONS", ""))
        return role, command
    schedule = os.environ.get("CELERY_BEAT_SCHEDULE_FILE") or str(
        Path(tempfile.gettempdir()) / "landfall-celerybeat-schedule"
    )
    return role, [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                  "--schedule", schedule]  # fmt: skip


class Supervisor:
    """Prepares, starts the processes, and stops them all when asked to or when one ends."""

    def __init__(self, prepare: list[str], commands: Sequence[tuple[str, list[str]]]) -> None:
        self.prepare = prepare
        self.commands = commands
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_signal: int | None = None
        self.stop_timeout = float(os.environ.get("LANDFALL_STOP_TIMEOUT", "30"))

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._ask_to_stop)
        self.processes["prepare"] = subprocess.Popen(self.prepare)
        while self.processes["prepare"].poll() is None and self.stop_signal is None:
            time.sleep(0.2)
        if self.stop_signal is not None:
            self._stop_all()
            return 0
        prepared = self.processes.pop("prepare").returncode
        if prepared:
            return prepared
        for role, command in self.commands:
            self.processes[role] = subprocess.Popen(command)
            _say("started %s (pid %s)" % (role, self.processes[role].pid))
        ended = None
        while self.stop_signal is None and ended is None:
            ended = next((r for r, p in self.processes.items() if p.poll() is not None), None)
            time.sleep(0.2)
        if ended is not None:
            code = self.processes[ended].returncode
            _say("%s exited with status %s; stopping the others" % (ended, code))
        else:
            _say("%s received; stopping" % signal.Signals(self.stop_signal).name)
        self._stop_all()
        return 0 if ended is None else 1

    def _ask_to_stop(self, signum: int, _frame: object) -> None:
        self.stop_signal = signum

    def _stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for role, process in self.processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say("%s did not stop within %ss; killing it" % (role, self.stop_timeout))
                process.kill()
                process.wait()


def _say(message: str) -> None:
    print(f"[landfall serve] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
