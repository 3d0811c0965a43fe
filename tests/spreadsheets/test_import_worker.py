"""Import jobs on a real Celery worker, against the Redis broker and PostgreSQL.

The worker is a separate process (``celery -A config worker``) on a queue of this test's
own, reading the test database and the test's media folder. CI runs these in its
PostgreSQL pass, where CELERY_BROKER_URL points at Redis; elsewhere they are skipped.
"""

from __future__ import annotations

import io
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook as OpenpyxlWorkbook

from config.celery import app as celery_app
from crm.models import Institution
from spreadsheets import jobs
from spreadsheets.models import ImportJob

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_BROKER_URL", "")
State = ImportJob.State

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER, reason="needs CELERY_BROKER_URL (Redis), as in CI"),
]


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("a worker shares the test database only on PostgreSQL")


def ledger(rows: int) -> bytes:
    book = OpenpyxlWorkbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["机构名称", "国别", "注册资本（万元）", "所属行业"])
    for n in range(rows):
        sheet.append([f"工人测试资产管理{n:06d}号有限公司", "新加坡", 500 + n % 900, "资产管理"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Worker:
    """A Celery worker process on a queue of its own, killed at the end."""

    def __init__(self, queue: str, media: Path) -> None:
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(media),
            "CELERY_BROKER_URL": BROKER,
            # What the worker queues itself (the search index merge after an import)
            # comes back to it.
            "CELERY_TASK_DEFAULT_QUEUE": queue,
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                   "-Q", queue, "-l", "warning", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", f"{queue}@%h"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def worker_queue(settings, tmp_path):
    """Send tasks to a queue of this test's own; start workers on it with ``start()``."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANDFALL_IMPORT_INLINE_ROWS = 0  # every run goes to the worker
    queue = f"landfall-test-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    started: list[Worker] = []

    def start() -> Worker:
        started.append(Worker(queue, settings.MEDIA_ROOT))
        return started[-1]

    yield start
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = before
    for worker in started:
        worker.kill()


def wait_for(job: ImportJob, condition, *, timeout: float = 180, every: float = 0.1):
    """Poll the job until ``condition(job)``; returns what was seen on the way."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append((job.state, job.phase, job.done, job.total, job.heartbeat_at))
        if condition(job):
            return seen
        time.sleep(every)
    raise AssertionError(f"job {job.pk} stuck: {seen[-1]}")


def a_job(user, rows: int) -> ImportJob:
    upload = SimpleUploadedFile("工人台账.xlsx", ledger(rows))
    return jobs.job_create(upload=upload, kind="institutions", user=user)


def imported() -> int:
    return Institution.objects.filter(name_zh__startswith="工人测试").count()


def test_a_worker_runs_the_dry_run_and_the_import_reporting_progress(
    on_postgres, worker_queue, user, plan
):
    worker_queue()
    # Large enough that even the dry run outlasts the reporter's second between two
    # progress writes.
    job = a_job(user, 60000)

    jobs.job_start(job=job, mode="check")
    checking = wait_for(job, lambda j: not j.active)
    assert job.state == State.CHECKED, job.message
    assert job.counts["create"] == 60000 and imported() == 0

    jobs.job_start(job=job, mode="commit")
    writing = wait_for(job, lambda j: not j.active)
    assert job.state == State.DONE and job.written, job.message
    assert imported() == 60000

    # The page saw the rows go by, and heard from the worker at least every 2 seconds.
    for seen in (checking, writing):
        running = [s for s in seen if s[0] == State.RUNNING and s[3]]
        assert any(0 < done < total for _state, _phase, done, total, _beat in running)
        beats = sorted({s[4] for s in seen if s[0] == State.RUNNING and s[4]})
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(beats)]
        assert max(gaps, default=0) <= 2


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_runs_again(
    on_postgres, worker_queue, user, plan, settings
):
    settings.LANDFALL_IMPORT_STALE_SECONDS = 3
    doomed = worker_queue()
    job = a_job(user, 30000)

    jobs.job_start(job=job, mode="commit")
    wait_for(job, lambda j: j.active and j.phase == "write" and 0 < j.done < j.total)
    doomed.kill()  # SIGKILL, in the middle of writing
    job.refresh_from_db()
    assert job.state == State.RUNNING  # it was killed, not finished

    assert imported() == 0  # nothing of the run's transaction is visible, or ever will be
    time.sleep(settings.LANDFALL_IMPORT_STALE_SECONDS + 1)
    job = jobs.job_refresh(job=job)
    assert job.state == State.FAILED
    assert imported() == 0

    worker_queue()
    jobs.job_start(job=job, mode="commit")
    wait_for(job, lambda j: not j.active)
    assert job.state == State.DONE and job.written, job.message
    assert job.counts["create"] == 30000
    assert imported() == 30000  # once each: no duplicate from the dead run


def pending_search_entries() -> int:
    """Entries the trigram search index holds in its pending list (pgstattuple)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pending_tuples FROM pgstatginindex('crm_institution_search_trgm')")
        return cursor.fetchone()[0]


def test_after_an_import_a_worker_merges_the_search_index(on_postgres, worker_queue, user, plan):
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
    worker_queue()
    job = a_job(user, 3000)

    jobs.job_start(job=job, mode="commit")
    wait_for(job, lambda j: not j.active)
    assert job.state == State.DONE and imported() == 3000, job.message

    # The import left the new rows' entries pending (crm.services.bulk_write_begin) and
    # its commit queued crm.flush_search_index, which the worker runs.
    deadline = time.monotonic() + 60
    while pending_search_entries() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pending_search_entries() == 0
    found = Institution.objects.filter(search_text__contains="工人测试资产管理002999")
    assert found.count() == 1
