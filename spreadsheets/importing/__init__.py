"""Importing ledgers (台账): the engine, one importer per kind, and the job that runs them.

engine.py runs an import; institutions.py, interactions.py, projects.py and
measurements.py read the rows of each kind; lookups.py holds what they all look up by
name. docs/spreadsheets-importing.md tells the rules.
"""

from . import institutions, interactions, measurements, projects  # noqa: F401  (register)
from .engine import (
    ACTIONS,
    IMPORTERS,
    ImportCancelled,
    ImportResult,
    RowError,
    RowOutcome,
    SheetRows,
    UnsupportedKind,
    error_text,
    error_workbook,
    importer,
    run_import,
)

__all__ = [
    "ACTIONS",
    "IMPORTERS",
    "ImportCancelled",
    "ImportResult",
    "RowError",
    "RowOutcome",
    "SheetRows",
    "UnsupportedKind",
    "error_text",
    "error_workbook",
    "importer",
    "run_import",
]
