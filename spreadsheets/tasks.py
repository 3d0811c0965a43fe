"""Celery tasks of the spreadsheet app. Thin: the work is in ``jobs.execute``."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task(name="spreadsheets.run_import_job", acks_late=True)
def run_import_job(job_id: int, run: int) -> None:
    """Run an import job's run number ``run`` (a dry run or the import)."""
    jobs.execute(job_id, run)


@shared_task(name="spreadsheets.refresh_stale_imports")
def refresh_stale_imports() -> int:
    """Mark import runs whose worker has gone quiet as failed (Celery beat, every minute)."""
    return jobs.jobs_refresh_stale()
