"""The import engine: a ledger's rows into Landfall, through the other apps' services.

:func:`run_import` reads one sheet of a :class:`~spreadsheets.reading.Workbook`, finds the
header row and the column mapping (``headers``) unless given, and hands the data rows,
a batch at a time, to the kind's importer (``IMPORTERS``: institutions.py,
interactions.py, projects.py, measurements.py). The importer reads every cell
(``values``), matches the row to what exists, and says what the row would do; unless it is
a dry run, :func:`run_import` then has it apply everything in one transaction. The wizard
and the Celery job (jobs.py) drive it with ``progress`` and ``cancelled``;
``manage.py import_workbook`` runs it from the shell.

The rules (docs/spreadsheets-importing.md):

- A row is *created*, *updated* (only the fields that differ; an empty cell never blanks
  a field), *unchanged*, a *duplicate* of an earlier row of the same file (reported, not
  applied) or *failed* (any cell error; the row is not applied).
- ``all_or_nothing`` (the default): when any row failed, nothing is written. Without it
  the good rows are written and the failed ones reported. An unexpected error, or
  cancelling, rolls everything back either way.
- An import never deletes.
- Blank rows and totals rows (合计, 总计, 小计 in the first cells) are skipped silently.

An importer is a class registered with :func:`importer`; it is built with
``(user=, rows=, header_row=, mapping=)`` and has ``decide(chunk) -> list[RowOutcome]``
(``chunk`` is ``[(excel_row_number, cells), …]``) and ``apply(checkpoint=)``, which
calls ``checkpoint(done, total)`` between its write batches (it raises when cancelled).

An importer may stream (``streams = True``, institutions.py): each batch is written as
soon as it is decided, on a thread of its own (:class:`_Writer`), while the next is read.
It then also has ``take()``, what was decided since the last take as a
``write(checkpoint=)`` to run on any thread; ``begin_writing()``, called in the
transaction before the first write; and ``after_commit()``, called once it has committed.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import actor_as

from ..headers import auto_map, find_header_row
from ..reading import Workbook
from ..values import is_blank, normalise_text

__all__ = [
    "ACTIONS",
    "IMPORTERS",
    "ImportCancelled",
    "ImportResult",
    "RowError",
    "RowOutcome",
    "SheetRows",
    "UnsupportedKind",
    "column_names",
    "error_workbook",
    "importer",
    "run_import",
    "skipped",
]

CREATE, UPDATE, UNCHANGED, DUPLICATE, FAILED = (
    "create",
    "update",
    "unchanged",
    "duplicate",
    "failed",
)
ACTIONS = (CREATE, UPDATE, UNCHANGED, DUPLICATE, FAILED)
BATCH = 500  # rows between progress reports and cancel checks; also the write batch
WRITE_ROWS = 2 * BATCH  # a streaming import's write: fewer, larger statements
SWITCH_INTERVAL = 0.001  # seconds; the GIL's hand-over while an import writes on a thread
TOTALS = ("合计", "总计", "小计", "总额", "total", "subtotal", "grand total", "sum")


class ImportCancelled(Exception):
    """The user cancelled the import; everything it wrote is rolled back."""


class UnsupportedKind(ValueError):
    """No importer is written for this kind yet."""


@dataclass
class RowError:
    """One reason a row cannot be imported: Excel row number, column header, value, reason."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class RowOutcome:
    """What one data row does (or would do, in a dry run)."""

    row: int  # the Excel row number, 1-based
    action: str  # one of ACTIONS
    errors: list[RowError] = field(default_factory=list)
    label: str = ""  # the institution's name, as the preview shows it


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    outcomes: list[RowOutcome]
    header_row: int  # index in the sheet's rows (0-based), as find_header_row gives it
    mapping: dict[int, str]
    written: bool = False  # whether anything was applied (False on a dry run or a refusal)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    @property
    def failed(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.action == FAILED]


# ------------------------------------------------------------------ the run


def run_import(
    *,
    kind: str,
    workbook: Workbook,
    user: User,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[int, str] | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportResult:
    """Import the rows of one sheet of ``workbook`` as ``kind``, acting as ``user``.

    Raises ``HeaderRowNotFound`` (a ``CellError``) when no header row is found,
    :class:`ImportCancelled` when ``cancelled()`` says so (nothing is written) and
    :class:`UnsupportedKind` for a kind without an importer.

    ``progress(phase, done, total)`` is called at least every ``BATCH`` rows: phase
    ``"check"`` while the rows are read and decided (``total`` data rows), then
    ``"write"`` while the importer applies them (``total`` what it has to write).
    ``cancelled()`` is asked as often; when it says so, everything is rolled back.
    """
    if kind not in IMPORTERS:
        raise UnsupportedKind(kind)
    rows = list(workbook.rows(sheet))
    if header_row is None:
        header_row = find_header_row(kind, rows)
    headers = rows[header_row] if header_row < len(rows) else []
    if mapping is None:
        mapping = auto_map(kind, headers)
    rows_importer = IMPORTERS[kind](user=user, rows=rows, header_row=header_row, mapping=mapping)
    data = rows[header_row + 1 :]
    total = len(data)
    result = ImportResult(kind, dry_run, [], header_row, mapping)

    def stop_if_cancelled(done: int = 0, of: int = 0) -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelled

    def checkpoint(phase: str, done: int, of: int) -> None:
        stop_if_cancelled()
        if progress is not None:
            progress(phase, done, of)

    streams = not dry_run and getattr(rows_importer, "streams", False)
    with transaction.atomic(), actor_as(user), _Writer(threaded=streams) as writer:
        if streams:
            rows_importer.begin_writing()
        # A streaming import checks and writes each batch in turn: its rows are "written".
        phase = "write" if streams else "check"
        failures = 0
        for start in range(0, total, BATCH):
            checkpoint(phase, start, total)
            chunk = [
                (header_row + 2 + start + offset, row)
                for offset, row in enumerate(data[start : start + BATCH])
            ]
            decided = rows_importer.decide(chunk)
            result.outcomes += decided
            failures += sum(1 for outcome in decided if outcome.action == FAILED)
            if (
                streams
                and (not all_or_nothing or not failures)
                and (start + BATCH) % WRITE_ROWS == 0
            ):
                # Written while the next rows are read; rolled back below if a later
                # row fails an all-or-nothing import.
                writer.submit(rows_importer.take())
        writer.wait()
        checkpoint(phase, total, total)
        writing = not dry_run and (not all_or_nothing or not result.failed)
        if writing:
            if streams:  # what is left to write is the last batch's, if anything
                rows_importer.apply(checkpoint=stop_if_cancelled)
            else:
                rows_importer.apply(checkpoint=lambda done, of: checkpoint("write", done, of))
            result.written = True
        if result.failed and all_or_nothing and (writing or streams):
            # Rows written before one failed (streaming), or a service refused a row
            # while writing (projects.py can): all or nothing.
            transaction.set_rollback(True)
            result.written = False
        if result.written and streams:
            transaction.on_commit(rows_importer.after_commit)
    return result


class _Writer:
    """Runs an importer's writes on a thread of its own, one batch at a time, so that
    PostgreSQL updates the indexes for one batch while Python reads the next.

    The thread uses the caller's database connection, and so its transaction: Django
    allows the sharing (``inc_thread_sharing``) and psycopg serialises the statements of
    the two threads. The reading thread only reads, and never inside an atomic block, so
    the savepoints stay the writer's. Only ``submit`` one batch after the other (each
    waits for the previous), and leave the block before the transaction ends: leaving
    waits for the write in flight. Not threaded (``threaded=False``, or on a database
    other than PostgreSQL) it writes at once, in the caller's thread.
    """

    def __init__(self, *, threaded: bool) -> None:
        self.threaded = threaded and connection.vendor == "postgresql"
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def __enter__(self) -> _Writer:
        if self.threaded:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
            connection.inc_thread_sharing()
            # The writer waits on PostgreSQL at every statement and COPY buffer; back, it
            # would wait up to 5 ms for the reading thread to yield the GIL.
            self.interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        return self

    def submit(self, write: Callable[..., None]) -> None:
        """Run ``write(checkpoint=)`` once the write before it has ended."""
        self.wait()
        if self.pool is None:
            write(checkpoint=_no_checkpoint)
            return
        wrapper = connections[DEFAULT_DB_ALIAS]
        context = contextvars.copy_context()  # the actor of the audit trail, the language

        def run() -> None:
            connections[DEFAULT_DB_ALIAS] = wrapper
            try:
                context.run(write, checkpoint=_no_checkpoint)
            finally:
                del connections[DEFAULT_DB_ALIAS]

        self.pending = self.pool.submit(run)

    def wait(self) -> None:
        """Wait for the write in flight; its error is raised here."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is None:
            return
        try:
            if self.pending is not None:
                # Leaving on an error: the write in flight must end before the rollback.
                wait([self.pending])
                self.pending = None
        finally:
            self.pool.shutdown(wait=True)
            connection.dec_thread_sharing()
            sys.setswitchinterval(self.interval)


def _no_checkpoint(done: int, total: int) -> None:
    """The writer thread reports nothing: the reading thread reports and checks cancel."""


def skipped(row: list[object]) -> bool:
    """A blank row, or a totals row (合计/总计/小计 in its first cells)."""
    if all(is_blank(cell) for cell in row):
        return True
    for cell in row[:3]:
        if isinstance(cell, str) and normalise_text(cell).casefold().replace(" ", "") in TOTALS:
            return True
    return False


def column_names(
    rows: list[list[object]], header_row: int, mapping: dict[int, str]
) -> dict[str, str]:
    """Each mapped field → its column's header as the file writes it (spaces tidied), the
    column a row error names."""
    headers = rows[header_row] if header_row < len(rows) else []
    return {
        field: " ".join(str(headers[i]).split()) if i < len(headers) and headers[i] else ""
        for i, field in mapping.items()
    }


class SheetRows:
    """Rows already read, handed to :func:`run_import` as a workbook: the caller keeps them
    for the error workbook, so the file is read once."""

    def __init__(self, rows: list[list[object]]) -> None:
        self._rows = rows

    def rows(self, sheet_name: str | None = None) -> list[list[object]]:
        return self._rows


# ---------------------------------------------------------------- registry

IMPORTERS: dict[str, type] = {}


def importer(kind: str) -> Callable[[type], type]:
    """Register the class that imports rows of ``kind`` (a key of ``headers.SYNONYMS``)."""

    def register(cls: type) -> type:
        IMPORTERS[kind] = cls
        return cls

    return register


# ------------------------------------------------------------ error workbook


def error_text(errors: list[RowError]) -> str:
    """A row's errors as one cell: 列 X：原值 “…”：原因, joined by ；."""
    parts = []
    for error in errors:
        if error.column and error.value:
            text = _("Column %(column)s: value “%(value)s”: %(reason)s")
        elif error.column:
            text = _("Column %(column)s: %(reason)s")
        else:
            text = "%(reason)s"
        parts.append(text % {"column": error.column, "value": error.value, "reason": error.reason})
    return _("; ").join(parts)


def error_workbook(
    source_rows: list[list[object]], header_row_values: list[object], result: ImportResult
) -> bytes:
    """The failed rows as they were, under the header, with the errors in a last column.

    ``source_rows`` are the sheet's rows as ``Workbook.rows`` gave them (the same list the
    import read); the result's row numbers index them. Fixed, the file imports again: the
    errors column matches no field.
    """
    from openpyxl import Workbook as OpenpyxlWorkbook

    book = OpenpyxlWorkbook(write_only=True)
    sheet = book.create_sheet(_("Errors"))
    width = max(
        [len(header_row_values), *(len(source_rows[o.row - 1]) for o in result.failed)],
        default=0,
    )
    header = [*header_row_values, *[None] * (width - len(header_row_values)), _("Errors")]
    sheet.append(header)
    for outcome in result.failed:
        row = list(source_rows[outcome.row - 1])
        sheet.append([*row, *[None] * (width - len(row)), error_text(outcome.errors)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
