"""Import jobs: create one from an upload, set its mapping, run it, cancel it, see it die.

The life of a job (docs/spreadsheets-importing.md, "Jobs"):

1. :func:`job_create` keeps the upload in Django's default storage, reads the sheets once
   (names, hidden or not, a sample of their first rows) and guesses the header row and the
   mapping of the first visible sheet.
2. :func:`job_configure` records the user's sheet, header row, mapping and all-or-nothing.
3. :func:`job_start` queues a run — a dry run (``check``) or the import (``commit``). A
   file of at most ``LANDFALL_IMPORT_INLINE_ROWS`` data rows runs at once, in the request;
   a larger one runs as the Celery task ``spreadsheets.run_import_job``.
4. :func:`execute` is the run itself, in whichever process takes it: it reads the stored
   file, calls :func:`~spreadsheets.importing.run_import` with a progress reporter that
   writes rows done / total to the job at least every ``PROGRESS_EVERY`` seconds, and
   records the counts, the rows with problems and the error workbook.
5. :func:`job_cancel` asks a run to stop; the run rolls back everything it wrote.
6. :func:`job_refresh` marks a run whose worker has not been heard from for
   ``LANDFALL_IMPORT_STALE_SECONDS`` as failed: its transaction died with it, so nothing
   it wrote remains, and it can be run again (matching makes a re-run create no duplicate).

Progress is written through a connection of its own on PostgreSQL: the run's writes sit in
one transaction until it ends, and the progress must be seen before then.
"""

from __future__ import annotations

import datetime
import logging
import time
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User

from .headers import auto_map, find_header_row
from .importing import (
    IMPORTERS,
    ImportCancelled,
    ImportResult,
    SheetRows,
    UnsupportedKind,
    error_workbook,
    run_import,
)
from .models import ImportJob
from .reading import SpreadsheetRejected, open_workbook
from .values import CellError

log = logging.getLogger("landfall.imports")

SAMPLE_ROWS = 40  # rows of each sheet kept for the mapping page
SAMPLE_WIDTH = 80  # characters of a sample cell
PREVIEW_ROWS = 200  # rows that would change, shown on the preview
MAX_PROBLEMS = 20_000  # rows with problems kept on the job (the error workbook has all)
PROGRESS_EVERY = 1.0  # seconds between progress writes (the page polls every second)

State, Mode, Phase = ImportJob.State, ImportJob.Mode, ImportJob.Phase


# ------------------------------------------------------------------ creating


def job_create(*, upload: UploadedFile, kind: str, user: User) -> ImportJob:
    """Keep the upload and read its sheets; raises :class:`SpreadsheetRejected`.

    Nothing is stored for a file that is refused.
    """
    if kind not in IMPORTERS:
        raise UnsupportedKind(kind)
    name = PurePath(upload.name or "upload").name[-200:]
    with open_workbook(upload, name=name) as workbook:
        sheets = [_sheet_sample(workbook, info) for info in workbook.sheets]
    readable = [s for s in sheets if not s.get("refused")]
    if not any(not s["hidden"] for s in readable):
        # Nothing a user sees can be read: say why the first sheet is refused.
        refused = next((s for s in sheets if s.get("refused") and not s["hidden"]), None)
        raise SpreadsheetRejected(
            refused["refused"] if refused else _("The workbook has no sheet that can be read.")
        )
    job = ImportJob(kind=kind, created_by=user, original_name=name, size=upload.size or 0)
    job.sheets = sheets
    first = next(s for s in readable if not s["hidden"])
    _choose_sheet(job, first["name"])
    upload.seek(0)
    job.file.save(name, upload, save=False)
    job.save()
    log.info("import job=%s created kind=%s user_id=%s file=%r", job.pk, kind, user.pk, name)
    return job


def _sheet_sample(workbook: Any, info: Any) -> dict[str, Any]:
    sample: list[list[str]] = []
    try:
        for number, row in enumerate(workbook.rows(info.name)):
            if number >= SAMPLE_ROWS:
                break
            sample.append([_shown(cell) for cell in row])
    except SpreadsheetRejected as error:  # a hidden sheet past the limits: not offered
        return {
            "name": info.name,
            "hidden": info.hidden,
            "rows": 0,
            "sample": [],
            "refused": error.message,
        }
    return {
        "name": info.name,
        "hidden": info.hidden,
        "rows": info.rows or len(sample),
        "sample": sample,
    }


def _shown(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        text = (
            cell.isoformat(sep=" ", timespec="minutes") if cell.time() else cell.date().isoformat()
        )
    elif isinstance(cell, datetime.date):
        text = cell.isoformat()
    else:
        text = str(cell)
    return text if len(text) <= SAMPLE_WIDTH else text[: SAMPLE_WIDTH - 1] + "…"


def sheet_of(job: ImportJob, name: str | None = None) -> dict[str, Any] | None:
    """The job's stored sample of a sheet (the chosen one by default)."""
    name = job.sheet if name is None else name
    return next((s for s in job.sheets if s["name"] == name), None)


def _choose_sheet(job: ImportJob, name: str) -> None:
    """Pick a sheet and guess its header row and mapping from the sample."""
    job.sheet = name
    sheet = sheet_of(job, name)
    sample = sheet["sample"] if sheet else []
    try:
        job.header_row = find_header_row(job.kind, sample)
    except CellError:
        job.header_row = 0
    headers = sample[job.header_row] if job.header_row < len(sample) else []
    job.mapping = {str(i): field for i, field in auto_map(job.kind, headers).items()}
    job.data_rows = max(0, (sheet["rows"] if sheet else 0) - job.header_row - 1)


# ------------------------------------------------------------------ configuring


def job_configure(
    *,
    job: ImportJob,
    sheet: str,
    header_row: int | None,
    mapping: dict[int, str] | None,
    all_or_nothing: bool,
) -> ImportJob:
    """Set the sheet, header row (0-based) and mapping; ``None`` guesses them afresh.

    A new sheet always gets a fresh guess. The job goes back to "mapping to confirm": a
    dry run must be run again before the import.
    """
    if job.active:
        raise ValueError("A running job cannot be changed.")
    if sheet != job.sheet or header_row is None:
        _choose_sheet(job, sheet)
        if header_row is not None and sheet == job.sheet and mapping is not None:
            job.mapping = {str(i): f for i, f in mapping.items()}
    else:
        job.header_row = header_row
        rows = (sheet_of(job) or {}).get("rows", 0)
        job.data_rows = max(0, rows - header_row - 1)
        if mapping is None:
            sample = (sheet_of(job) or {}).get("sample", [])
            headers = sample[header_row] if header_row < len(sample) else []
            mapping = auto_map(job.kind, headers)
        job.mapping = {str(i): f for i, f in mapping.items()}
    job.all_or_nothing = all_or_nothing
    job.state = State.NEW
    job.save()
    return job


# ------------------------------------------------------------------ running


def runs_inline(job: ImportJob) -> bool:
    """A small file runs in the request; a larger one as a Celery job."""
    return job.data_rows <= settings.LANDFALL_IMPORT_INLINE_ROWS


def job_start(*, job: ImportJob, mode: str) -> ImportJob:
    """Queue a run (a dry run or the import); a small file runs before this returns."""
    from .tasks import run_import_job

    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.active:
            raise ValueError("The job is already running.")
        locked.run += 1
        locked.mode = mode
        locked.state = State.QUEUED
        locked.phase = Phase.READ
        locked.done = locked.total = 0
        locked.cancel_requested = False
        locked.queued_at = timezone.now()
        locked.started_at = locked.heartbeat_at = locked.finished_at = None
        locked.message = ""
        locked.save()
        run = locked.run
        if not runs_inline(locked):
            transaction.on_commit(lambda: run_import_job.delay(locked.pk, run))
    if runs_inline(locked):
        execute(locked.pk, run)
    locked.refresh_from_db()
    log.info("import job=%s run=%s mode=%s queued", locked.pk, run, mode)
    return locked


def execute(job_id: int, run: int) -> None:
    """Run the job's run number ``run``, unless it is no longer the one queued."""
    started = ImportJob.objects.filter(pk=job_id, run=run, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not started:
        log.info("import job=%s run=%s skipped: not queued", job_id, run)
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    user = job.created_by
    language = user.language or settings.LANGUAGE_CODE
    reporter = _Reporter(job)
    with translation.override(language):
        try:
            result, rows = _run(job, reporter)
        except ImportCancelled:
            _finish(job, State.CANCELLED, _("Cancelled: nothing was written."))
        except (SpreadsheetRejected, CellError) as error:
            _finish(job, State.FAILED, error.message)
        except Exception:
            log.exception("import job=%s run=%s failed", job_id, run)
            _finish(
                job,
                State.FAILED,
                _(
                    "The import stopped on an unexpected error; nothing was written. "
                    "The error has been logged."
                ),
            )
        else:
            _record(job, result, rows)
        finally:
            reporter.close()


def _run(job: ImportJob, reporter: _Reporter) -> tuple[ImportResult, list[list[object]]]:
    with job.file.open("rb") as stored, open_workbook(stored, name=job.original_name) as book:
        rows = list(book.rows(job.sheet or None))
    result = run_import(
        kind=job.kind,
        workbook=SheetRows(rows),
        user=job.created_by,
        header_row=job.header_row,
        mapping={int(i): f for i, f in job.mapping.items()},
        dry_run=job.mode == Mode.CHECK,
        all_or_nothing=job.all_or_nothing,
        progress=reporter.progress,
        cancelled=reporter.cancelled,
    )
    return result, rows


def _record(job: ImportJob, result: ImportResult, rows: list[list[object]]) -> None:
    """Keep the counts, the rows with problems, a preview and the error workbook."""
    job.counts = result.counts
    job.written = result.written
    job.problems = [
        {
            "row": o.row,
            "action": o.action,
            "label": o.label,
            "errors": [[e.column, e.value, e.reason] for e in o.errors],
        }
        for o in result.outcomes
        if o.errors
    ][:MAX_PROBLEMS]
    job.preview = [
        {"row": o.row, "action": o.action, "label": o.label}
        for o in result.outcomes
        if o.action in ("create", "update")
    ][:PREVIEW_ROWS]
    if result.failed:
        headers = rows[result.header_row] if result.header_row < len(rows) else []
        content = error_workbook(rows, headers, result)
        stem = PurePath(job.original_name).stem[:150]
        job.error_file.save(f"{stem}-errors.xlsx", ContentFile(content), save=False)
    elif job.error_file:
        job.error_file.delete(save=False)
    # Every data row was read (and, when written, written): the bar ends full, whichever
    # connection the progress went through.
    job.total = job.done = max(0, len(rows) - result.header_row - 1)
    if job.mode == Mode.CHECK:
        message = ""
    elif result.written:
        message = _("The import is written.")
    else:
        message = _("Some rows failed, so nothing was written (all or nothing).")
    _finish(job, State.CHECKED if job.mode == Mode.CHECK else State.DONE, message)


def _finish(job: ImportJob, state: str, message: str) -> None:
    if state not in (State.CHECKED, State.DONE):  # where the run stopped, as reported
        job.refresh_from_db(fields=["phase", "done", "total"])
    job.state = state
    job.message = message
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.save(
        update_fields=[
            "state", "message", "finished_at", "heartbeat_at", "done", "total", "counts", "written",
            "problems", "preview", "error_file",
        ]
    )  # fmt: skip
    log.info("import job=%s run=%s %s counts=%s", job.pk, job.run, state, job.counts)


class _Reporter:
    """Writes a run's progress to its job, and reads whether it was asked to stop.

    On PostgreSQL through a connection of its own, outside the run's transaction, so that
    the page sees the rows go by; elsewhere (SQLite, one writer at a time) through the
    run's own, where the page sees the progress only once the run ends.
    """

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.pk
        self.last = 0.0
        self.phase = ""
        self.side = None
        if connections["default"].vendor == "postgresql":
            self.side = connections.create_connection("default")

    def progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_EVERY and done < total:
            return
        self.phase, self.last = phase, now
        self._update(phase=phase, done=done, total=total, heartbeat_at=timezone.now())

    def cancelled(self) -> bool:
        return bool(self._read("cancel_requested"))

    def _update(self, **values: Any) -> None:
        if self.side is None:
            ImportJob.objects.filter(pk=self.job_id).update(**values)
            return
        table = ImportJob._meta.db_table
        columns = ", ".join(f"{connections['default'].ops.quote_name(k)} = %s" for k in values)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {columns} WHERE id = %s",
                [*values.values(), self.job_id],
            )

    def _read(self, column: str) -> Any:
        if self.side is None:
            return ImportJob.objects.filter(pk=self.job_id).values_list(column, flat=True).first()
        with self.side.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {ImportJob._meta.db_table} WHERE id = %s",
                [self.job_id],
            )
            found = cursor.fetchone()
        return found[0] if found else None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


# ------------------------------------------------------------------ stopping


def job_cancel(*, job: ImportJob) -> ImportJob:
    """Ask a run to stop. A run still waiting for a worker is cancelled at once."""
    ImportJob.objects.filter(pk=job.pk, state=State.QUEUED).update(
        state=State.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        message=_("Cancelled before it started: nothing was written."),
    )
    ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def job_refresh(*, job: ImportJob, now: datetime.datetime | None = None) -> ImportJob:
    """Mark a run whose worker has gone quiet as failed; returns the job as it now is."""
    now = now or timezone.now()
    quiet = datetime.timedelta(seconds=settings.LANDFALL_IMPORT_STALE_SECONDS)
    if job.state == State.RUNNING and job.heartbeat_at and job.heartbeat_at < now - quiet:
        stopped = ImportJob.objects.filter(
            pk=job.pk, state=State.RUNNING, run=job.run, heartbeat_at__lt=now - quiet
        ).update(
            state=State.FAILED,
            finished_at=now,
            message=_(
                "The worker running this import stopped without finishing; nothing it "
                "wrote was kept. Run it again: rows already in Landfall are matched, so "
                "nothing is created twice."
            ),
        )
        if stopped:
            log.warning("import job=%s run=%s: worker lost", job.pk, job.run)
        job.refresh_from_db()
    return job


def jobs_refresh_stale() -> int:
    """Mark every run that has gone quiet as failed (``manage.py import_jobs``)."""
    quiet = timezone.now() - datetime.timedelta(seconds=settings.LANDFALL_IMPORT_STALE_SECONDS)
    stale = ImportJob.objects.filter(state=State.RUNNING, heartbeat_at__lt=quiet)
    return sum(job_refresh(job=job).state == State.FAILED for job in stale)
