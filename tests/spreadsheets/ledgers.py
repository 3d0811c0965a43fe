"""Ledgers for the import tests: written to .xlsx, imported as one kind."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook as OpenpyxlWorkbook

from spreadsheets.importing import run_import
from spreadsheets.reading import open_workbook


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = OpenpyxlWorkbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def import_file(path: Path, user, *, kind: str, **options):
    """``run_import`` on the file's first visible sheet."""
    with open_workbook(path) as workbook:
        return run_import(kind=kind, workbook=workbook, user=user, **options)
