"""List exports: a filtered list of the register or the pipeline as an .xlsx workbook.

An exporter is a small class that names its columns and yields its rows (the pattern of
pretix's ``base/exporter.py``); ``EXPORTERS`` holds them by identifier, and
``write_workbook`` lays any of them out the same way: one sheet, a bold header row in the
active language, frozen, with an autofilter, column widths, date and number formats, and
A4 landscape printing one page wide with the header repeated on every page.

Every exporter starts from its list page's own selector and filter set, fed the page's
query string, so that a file holds exactly the rows the page lists for the same person:
the same per-user scoping, the same filters, the same order. A confidential project that
is not named to the user shows only its code name, as on the page.

Rows are read as tuples (``values_list``) in batches of ``BATCH`` with a server-side
cursor where the database has one; what a batch refers to (owners, teams, categories,
officers...) is fetched once per batch; each row is written out as it comes. Memory
stays flat however long the list.

The writing is a small SpreadsheetML writer of its own (one sheet, inline strings, seven
cell styles: ``PACKAGE_PARTS``, ``SHEET_HEAD``, ``SHEET_TAIL``), because the libraries
spend too long on each cell for the budget of 15 s for 100k rows: on the register's 100k
rows × 23 columns, openpyxl's ``write_only`` mode took 18 s and XlsxWriter's
``constant_memory`` mode 10 s of CPU, this writer 2 s (bench/RESULTS.md, "Exports").
Reading workbooks stays with the libraries; the tests read every export back with openpyxl.

Formula injection: no cell is ever written as a formula. Every text is an inline string
(``t="inlineStr"``), which a spreadsheet displays and never evaluates; a text that begins
with = + - @, a tab, CR or LF also carries the "quote prefix" style (what Excel itself
sets when one types ``'=1``), so that editing the cell keeps it text. The value is left
exactly as it was (CR written as Excel writes it, ``_x000D_``), so a re-import reads it
back unchanged.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, ClassVar, NamedTuple

from django.db.models import BooleanField, Case, Model, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts.models import Team, User
from core.bilingual import pick
from crm import selectors as crm_selectors
from crm.filters import InstitutionFilter
from crm.models import (
    Contact,
    Institution,
    InstitutionAlias,
    InstitutionStatus,
    InstitutionType,
    Interaction,
    InteractionKind,
    LawfulBasis,
    Ownership,
    Regulator,
)
from crm.permissions import can_handle_personal_data
from pipeline import selectors as pipeline_selectors
from pipeline.models import LostReason, Project, Stage, Vehicle

# The kinds of value a column holds; each has its cell format (``write_workbook``).
TEXT = "text"
DATE = "date"
AMOUNT = "amount"  # in ten-thousands (万) of the row's currency, core.money
INTEGER = "integer"
PERCENT = "percent"  # a whole number of percent, 0-100

# Cell styles: indexes into the cellXfs of xl/styles.xml below. Numbers use Excel's built-in
# formats (3 "#,##0", 4 "#,##0.00", 9 "0%"); dates one of their own, yyyy-mm-dd.
HEADER_STYLE = 1
STYLE_IDS = {DATE: 2, AMOUNT: 3, INTEGER: 4, PERCENT: 5}
QUOTED_STYLE = 6  # text with Excel's quote prefix: stays text when edited
EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system
ZIP_LEVEL = 6

# A text beginning with one of these could become a formula when edited in a spreadsheet
# (the tally workbook guards its cells with the same set).
FORMULA_TRIGGERS = "=+-@\t\r\n"


def could_become_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula once its cell is edited."""
    return bool(text) and text[0] in FORMULA_TRIGGERS


# Rows read per database round trip, and per look-up of what they refer to.
BATCH = 2000
# A worksheet holds 1,048,576 rows; one is the header.
MAX_ROWS = 1_048_575
# Files up to this size stay in memory; larger ones go to a temporary file on disk.
SPOOL_BYTES = 4 * 1024 * 1024

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SEPARATOR = "、"  # as the ledgers write several values in one cell; the importer splits on it


@dataclass(frozen=True)
class Column:
    """One column of an export: the field it holds, its header, its width and kind of value.

    ``field`` is the importer's field name where the column is one it reads back (the field
    list of each import kind in docs/spreadsheets.md), so an export re-imports as it is.
    """

    field: str
    header: str | Promise
    width: float = 14
    kind: str = TEXT


def model_column(model: type[Model], name: str, *, field: str = "", **kwargs: Any) -> Column:
    """A column headed with the model field's own (translated) verbose name."""
    verbose_name = model._meta.get_field(name).verbose_name
    return Column(field or name, capfirst(verbose_name), **kwargs)


class ListExporter:
    """One list of the product as one sheet: its columns and its rows, for one user.

    Subclasses set ``identifier`` (the URL's name for the list) and ``verbose_name`` (the
    sheet's title and the file name), build ``columns`` and yield ``rows()``: one sequence a
    row, one value a column, ``None`` or "" for an empty cell. A TEXT value is a ``str``,
    DATE a ``datetime.date``, AMOUNT a ``Decimal``, INTEGER and PERCENT an ``int``.
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]

    def __init__(self, *, user: User, params: Mapping[str, str]) -> None:
        self.user = user
        self.params = params

    @property
    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self) -> Iterator[Sequence[object]]:
        raise NotImplementedError

    def filename(self, today: datetime.date | None = None) -> str:
        """The file's name in the active language, e.g. 机构名单-2026-11-27.xlsx."""
        today = today or timezone.localdate()
        return "%s-%s.xlsx" % (self.verbose_name, today.isoformat())


EXPORTERS: dict[str, type[ListExporter]] = {}


def register(exporter: type[ListExporter]) -> type[ListExporter]:
    """Make an exporter available under its identifier (a class decorator)."""
    EXPORTERS[exporter.identifier] = exporter
    return exporter


# ---------------------------------------------------------------- writing


def write_workbook(exporter: ListExporter, target: str | IO[bytes]) -> int:
    """Write the exporter's list as one sheet to ``target`` (a path or a binary file).

    Returns the number of rows written (the header not counted). Rows beyond what a
    worksheet holds are left out, with a last row that says so.
    """
    columns = exporter.columns
    title = str(exporter.verbose_name)
    with tempfile.TemporaryFile() as sheet_data:
        count, last_row = _write_rows(exporter.rows(), columns, sheet_data)
        sheet_data.seek(0)
        _write_package(
            target, title=title, columns=columns, last_row=last_row, sheet_data=sheet_data
        )
    return count


def _write_rows(
    rows: Iterable[Sequence[object]], columns: list[Column], out: IO[bytes]
) -> tuple[int, int]:
    """Write the header and ``rows`` as the ``<row>`` elements of a sheet.

    Returns the number of rows written and the number of the sheet's last row.

    This loop is where an export spends its time after the database (see the module's
    docstring), hence one f-string a cell and nothing looked up that can be looked up once.
    """
    letters = [_column_letter(index) for index in range(len(columns))]
    kinds = [column.kind for column in columns]
    styles = [STYLE_IDS.get(kind, 0) for kind in kinds]
    write = out.write
    header = "".join(
        f'<c r="{letter}1" s="{HEADER_STYLE}" t="inlineStr"><is>{_text(str(column.header))}</is></c>'
        for letter, column in zip(letters, columns, strict=True)
    )
    write(f'<row r="1">{header}</row>'.encode())
    count = 0
    for row in rows:
        if count == MAX_ROWS - 1:
            note = _(
                "The list has more rows than a worksheet holds: only the first %(count)s are "
                "here. Narrow the filters and export again."
            ) % {"count": count}
            last = count + 2
            write(
                f'<row r="{last}"><c r="A{last}" t="inlineStr"><is>{_text(note)}</is></c></row>'.encode()
            )
            return count, last
        count += 1
        number = str(count + 1)
        cells = []
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            kind = kinds[index]
            if kind == TEXT:
                if value.__class__ is not str:
                    value = str(value)
                    if not value:
                        continue
                style = f' s="{QUOTED_STYLE}"' if could_become_formula(value) else ""
                cells.append(
                    f'<c r="{letters[index]}{number}"{style} t="inlineStr"><is>{_text(value)}</is></c>'
                )
                continue
            if kind == DATE:
                value = value.toordinal() - EXCEL_EPOCH
            elif kind == PERCENT:
                value = value / 100
            elif value.__class__ is not int:
                value = float(value)
            cells.append(
                f'<c r="{letters[index]}{number}" s="{styles[index]}"><v>{value!r}</v></c>'
            )
        write(f'<row r="{number}">{"".join(cells)}</row>'.encode())
    return count, count + 1


def _write_package(
    target: str | IO[bytes],
    *,
    title: str,
    columns: list[Column],
    last_row: int,
    sheet_data: IO[bytes],
) -> None:
    """Wrap the sheet's rows into an .xlsx package: one workbook, one sheet, its styles."""
    sheet = _sheet_name(title)
    last_column = _column_letter(len(columns) - 1)
    quoted = _quoted_sheet(sheet)
    widths = "".join(
        f'<col min="{index}" max="{index}" width="{column.width}" customWidth="1"/>'
        for index, column in enumerate(columns, start=1)
    )
    values = {
        "title": _escape(title),
        "now": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sheet": _escape(sheet).replace('"', "&quot;"),
        "filter_area": _escape(f"{quoted}!$A$1:${last_column}${last_row}"),
        "title_rows": _escape(f"{quoted}!$1:$1"),
        "range": f"A1:{last_column}{last_row}",
        "columns": widths,
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as package:
        for name, template in PACKAGE_PARTS.items():
            package.writestr(name, template % values)
        with package.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write((SHEET_HEAD % values).encode())
            shutil.copyfileobj(sheet_data, out, 1 << 20)
            out.write((SHEET_TAIL % values).encode())


def _sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title.strip("'")[:31] or "Sheet1"


def _quoted_sheet(name: str) -> str:
    return "'%s'" % name.replace("'", "''")


def _column_letter(index: int) -> str:
    """The letters of the column at ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# What XML 1.0 cannot carry (control characters, and CR, which a parser turns into LF),
# a literal "_xHHHH_" that a reader would decode, and the markup characters.
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ENCODED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape(value: str) -> str:
    """``value`` as XML text; control characters as Excel writes them (_x000D_ for CR)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    value = _ENCODED.sub(r"_x005F_\1", value)
    value = _CONTROL.sub(lambda match: "_x%04X_" % ord(match.group()), value)
    value = _SURROGATE.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: str) -> str:
    """The ``<t>`` element of an inline string, keeping leading and trailing spaces."""
    if value[0].isspace() or value[-1].isspace():
        return f'<t xml:space="preserve">{_escape(value)}</t>'
    return f"<t>{_escape(value)}</t>"


# ---------------------------------------------------------------- the package's parts
# SpreadsheetML (ECMA-376) for one sheet. Elements keep the order the schema requires:
# Excel refuses a file whose worksheet children are out of order.

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"

PACKAGE_PARTS = {
    "[Content_Types].xml": XML_DECLARATION + f'<Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>",
    "_rels/.rels": XML_DECLARATION + f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{PACKAGE}/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>",
    "docProps/app.xml": XML_DECLARATION
    + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Landfall</Application></Properties>",
    "docProps/core.xml": XML_DECLARATION
    + f'<cp:coreProperties xmlns:cp="{PACKAGE}/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>%(title)s</dc:title><dc:creator>Landfall</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">%(now)s</dcterms:created>'
    "</cp:coreProperties>",
    "xl/_rels/workbook.xml.rels": XML_DECLARATION
    + f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": XML_DECLARATION + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    "<bookViews><workbookView/></bookViews>"
    '<sheets><sheet name="%(sheet)s" sheetId="1" r:id="rId1"/></sheets>'
    "<definedNames>"
    '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">%(filter_area)s</definedName>'
    '<definedName name="_xlnm.Print_Titles" localSheetId="0">%(title_rows)s</definedName>'
    "</definedNames></workbook>",
    "xl/styles.xml": XML_DECLARATION + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3">'
    '<fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F1"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="2">'
    "<border><left/><right/><top/><bottom/><diagonal/></border>"
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    "</borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1"'
    ' applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>",
}
SHEET_HEAD = (
    XML_DECLARATION + f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    '<dimension ref="%(range)s"/>'
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    "</sheetView></sheetViews>"
    '<sheetFormatPr defaultRowHeight="15"/>'
    "<cols>%(columns)s</cols>"
    "<sheetData>"
)
SHEET_TAIL = (
    "</sheetData>"
    '<autoFilter ref="%(range)s"/>'
    '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
    "</worksheet>"
)


class ExportFile(NamedTuple):
    file: IO[bytes]  # the workbook, positioned at its start; whoever streams it closes it
    filename: str
    rows: int


def export_list(*, kind: str, user: User, params: Mapping[str, str]) -> ExportFile:
    """The list ``kind`` as ``user`` sees it with the page's query string ``params``, as .xlsx.

    Raises ``KeyError`` for a kind no exporter is registered under.
    """
    exporter = EXPORTERS[kind](user=user, params=params)
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    try:
        rows = write_workbook(exporter, file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return ExportFile(file, exporter.filename(), rows)


# ---------------------------------------------------------------- shared pieces


def batches(rows: QuerySet, size: int = BATCH) -> Iterator[list]:
    """The rows of ``rows`` in lists of ``size``, read with a server-side cursor where there is one."""
    batch: list = []
    for row in rows.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Names:
    """The display names (``str``) of records rows refer to, each read once per export."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self.names: dict[int, str] = {}

    def load(self, ids: Iterable[int | None]) -> None:
        missing = {pk for pk in ids if pk is not None and pk not in self.names}
        if missing:
            for record in self.queryset.filter(pk__in=missing):
                self.names[record.pk] = str(record)

    def get(self, pk: int | None) -> str:
        return self.names.get(pk, "") if pk is not None else ""


def people() -> Names:
    """Names of colleagues (owners, officers), inactive ones included: old records name them."""
    return Names(User.objects.only("pk", "username", "display_name", "first_name", "last_name"))


def labels(choices: type) -> dict[str, str]:
    """A TextChoices' labels in the active language, by value."""
    return {value: str(label) for value, label in choices.choices}


def yes_no() -> dict[bool, str]:
    return {True: _("Yes"), False: _("No")}


def country_names() -> dict[str, str]:
    return {code: str(name) for code, name in countries}


def joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(value for value in values if value)


def category_names(index) -> tuple[dict[int, str], dict[int, int]]:
    """Names and tree positions of the categories of a ``plans.selectors.CategoryIndex``."""
    names: dict[int, str] = {}
    position: dict[int, int] = {}
    for _plan, items in index.choices:
        for pk, indented in items:
            names[pk] = indented.lstrip("\u3000")  # the index indents sub-categories
            position[pk] = len(position)
    return names, position


def grouped(pairs: Iterable[tuple[int, Any]]) -> dict[int, list]:
    """``[(key, value), ...]`` as ``{key: [value, ...]}``, in the order given."""
    found: dict[int, list] = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return found


def tie_broken(qs: QuerySet) -> QuerySet:
    """A sorted list's order with the primary key after it, running the same way (as the pages)."""
    order = list(qs.query.order_by)
    first = order[0] if order else ""
    descending = getattr(first, "descending", str(first).startswith("-"))
    return qs.order_by(*order, "-pk" if descending else "pk")


# ---------------------------------------------------------------- the register


class RegisterExporter(ListExporter):
    """Exports that follow the institution list: its filters, its scoping, its rows."""

    def __init__(self, *, user: User, params: Mapping[str, str]) -> None:
        super().__init__(user=user, params=params)
        self.filterset: InstitutionFilter = crm_selectors.institution_list(user=user, params=params)

    def institutions(self) -> QuerySet[Institution]:
        """The institutions the list shows, in its order (crm.selectors.institution_list_page)."""
        qs = self.filterset.qs
        if not self.params.get("sort"):
            return qs.order_by("name_zh", "pk")
        return tie_broken(qs)

    def institution_ids(self) -> QuerySet:
        """The list's institutions as a subquery."""
        return self.filterset.qs.order_by().values("pk")


@register
class InstitutionExporter(RegisterExporter):
    identifier = "institutions"
    verbose_name = gettext_lazy("Institution list")

    @property
    def columns(self) -> list[Column]:
        of = partial(model_column, Institution)
        return [
            of("name_zh", width=30),
            of("name_en", width=36),
            of("uscc", width=22),
            of("lei", width=22),
            of("institution_type", width=18),
            of("ownership", width=16),
            of("country", width=14),
            of("parent_country", width=14),
            of("status", width=12),
            of("licensed", width=8),
            of("national_first", width=10),
            of("foreign_controlled", width=10),
            of("regulator", width=20),
            of("building", width=20),
            of("registered_capital", width=16, kind=AMOUNT),
            of("registered_capital_currency", field="currency", width=8),
            of("categories", width=30),
            Column("aliases", capfirst(InstitutionAlias._meta.verbose_name_plural), width=24),
            of("website", width=24),
            of("owner", width=12),
            of("team", width=16),
            of("last_contacted_on", width=12, kind=DATE),
            of("description", width=40),
        ]

    def rows(self) -> Iterator[Sequence[object]]:
        types, ownerships = labels(InstitutionType), labels(Ownership)
        statuses, regulators = labels(InstitutionStatus), labels(Regulator)
        country, yes = country_names(), yes_no()
        categories, position = category_names(self.filterset.categories)
        owners, teams = people(), Names(Team.objects.all())
        buildings = Names(crm_selectors.buildings_visible_to(self.user))
        rows = self.institutions().values_list(
            "pk",
            "name_zh",
            "name_en",
            "uscc",
            "lei",
            "institution_type",
            "ownership",
            "country",
            "parent_country",
            "status",
            "licensed",
            "national_first",
            "foreign_controlled",
            "regulator",
            "building_id",
            "registered_capital",
            "registered_capital_currency",
            "website",
            "owner_id",
            "team_id",
            "last_contacted_on",
            "description",
        )
        for batch in batches(rows):
            ids = [row[0] for row in batch]
            links = grouped(
                Institution.categories.through.objects.filter(institution_id__in=ids).values_list(
                    "institution_id", "category_id"
                )
            )
            aliases = grouped(
                InstitutionAlias.objects.filter(institution_id__in=ids)
                .order_by("name")
                .values_list("institution_id", "name")
            )
            owners.load(row[18] for row in batch)
            teams.load(row[19] for row in batch)
            buildings.load(row[14] for row in batch)
            for (
                pk,
                name_zh,
                name_en,
                uscc,
                lei,
                institution_type,
                ownership,
                country_code,
                parent_country,
                status,
                licensed,
                national_first,
                foreign_controlled,
                regulator,
                building_id,
                capital,
                currency,
                website,
                owner_id,
                team_id,
                last_contacted_on,
                description,
            ) in batch:
                category_ids = sorted(
                    (c for c in links.get(pk, ()) if c in categories), key=position.__getitem__
                )
                yield (
                    name_zh,
                    name_en,
                    uscc,
                    lei,
                    types.get(institution_type, institution_type),
                    ownerships.get(ownership, ownership),
                    country.get(country_code, country_code),
                    country.get(parent_country, parent_country),
                    statuses.get(status, status),
                    yes[licensed],
                    yes[national_first],
                    yes[foreign_controlled],
                    regulators.get(regulator, regulator),
                    buildings.get(building_id),
                    capital,
                    currency if capital is not None else "",
                    joined(categories[c] for c in category_ids),
                    joined(aliases.get(pk, ())),
                    website,
                    owners.get(owner_id),
                    teams.get(team_id),
                    last_contacted_on,
                    description,
                )


@register
class ContactExporter(RegisterExporter):
    """The contacts of the institutions the list shows.

    Phone, e-mail and WeChat only for those who may handle personal data (admins); everyone
    else gets names and positions. Erased contacts hold no personal data any more and are
    left out; those marked "do not contact" are in, with the mark.
    """

    identifier = "contacts"
    verbose_name = gettext_lazy("Contact list")

    def __init__(self, *, user: User, params: Mapping[str, str]) -> None:
        super().__init__(user=user, params=params)
        self.personal = can_handle_personal_data(user)

    @property
    def columns(self) -> list[Column]:
        of = partial(model_column, Contact)
        columns = [
            of("institution", width=30),
            model_column(Institution, "uscc", width=22),
            of("name", field="contact_name", width=14),
            of("name_en", field="contact_name_en", width=18),
            of("title", field="contact_title", width=18),
        ]
        if self.personal:
            columns += [
                of("phone", field="contact_phone", width=18),
                of("email", field="contact_email", width=26),
                of("wechat", field="contact_wechat", width=16),
            ]
        columns += [
            of("is_primary", width=10),
            of("do_not_contact", width=10),
            of("lawful_basis", width=18),
        ]
        return columns

    def rows(self) -> Iterator[Sequence[object]]:
        yes, bases = yes_no(), labels(LawfulBasis)
        contacts = (
            crm_selectors.contacts_visible_to(self.user)
            .filter(institution__in=self.institution_ids(), erased_at__isnull=True)
            .order_by("institution__name_zh", "institution_id", "-is_primary", "name", "pk")
            .values_list(
                "institution__name_zh",
                "institution__name_en",
                "institution__uscc",
                "name",
                "name_en",
                "title",
                "phone",
                "email",
                "wechat",
                "is_primary",
                "do_not_contact",
                "lawful_basis",
            )
        )
        for batch in batches(contacts):
            for (
                institution_zh,
                institution_en,
                uscc,
                name,
                name_en,
                title,
                phone,
                email,
                wechat,
                is_primary,
                do_not_contact,
                basis,
            ) in batch:
                row: list[object] = [
                    pick(institution_zh, institution_en),
                    uscc,
                    name,
                    name_en,
                    title,
                ]
                if self.personal:
                    row += [phone, email, wechat]
                row += [yes[is_primary], yes[do_not_contact], bases.get(basis, basis)]
                yield row


@register
class InteractionExporter(RegisterExporter):
    """The interactions the user may see with the institutions the list shows, newest first."""

    identifier = "interactions"
    verbose_name = gettext_lazy("Interaction log")

    @property
    def columns(self) -> list[Column]:
        of = partial(model_column, Interaction)
        return [
            of("date", width=12, kind=DATE),
            of("institution", width=30),
            model_column(Institution, "uscc", width=22),
            of("kind", width=12),
            of("summary", width=50),
            of("outcome", width=36),
            of("next_step", width=36),
            of("officers", width=18),
            of("contacts", width=18),
            of("project", width=24),
            of("team", width=16),
            of("created_by", width=12),
        ]

    def rows(self) -> Iterator[Sequence[object]]:
        kinds = labels(InteractionKind)
        officers, teams = people(), Names(Team.objects.all())
        erased = str(_("Erased contact"))
        interactions = (
            crm_selectors.interactions_visible_to(self.user)
            .filter(institution__in=self.institution_ids())
            .order_by("-date", "-created_at", "-pk")
            .values_list(
                "pk",
                "date",
                "institution__name_zh",
                "institution__name_en",
                "institution__uscc",
                "kind",
                "summary",
                "outcome",
                "next_step",
                "project_id",
                "team_id",
                "created_by_id",
            )
        )
        for batch in batches(interactions):
            ids = [row[0] for row in batch]
            present = grouped(
                Interaction.officers.through.objects.filter(interaction_id__in=ids)
                .order_by("pk")
                .values_list("interaction_id", "user_id")
            )
            present_contacts = (
                Interaction.contacts.through.objects.filter(interaction_id__in=ids)
                .order_by("contact__name", "contact_id")
                .values_list(
                    "interaction_id", "contact__name", "contact__name_en", "contact__erased_at"
                )
            )
            contacts = grouped(
                (interaction, erased if erased_at else pick(name, name_en))
                for interaction, name, name_en, erased_at in present_contacts
            )
            projects = project_labels(self.user, {row[9] for row in batch} - {None})
            officers.load(
                [user for users in present.values() for user in users] + [row[11] for row in batch]
            )
            teams.load(row[10] for row in batch)
            for (
                pk,
                date,
                name_zh,
                name_en,
                uscc,
                kind,
                summary,
                outcome,
                next_step,
                project_id,
                team_id,
                created_by_id,
            ) in batch:
                yield (
                    date,
                    pick(name_zh, name_en),
                    uscc,
                    kinds.get(kind, kind),
                    summary,
                    outcome,
                    next_step,
                    joined(officers.get(user) for user in present.get(pk, ())),
                    joined(contacts.get(pk, ())),
                    projects.get(project_id, ""),
                    teams.get(team_id),
                    officers.get(created_by_id),
                )


def project_labels(user: User, ids: set[int]) -> dict[int, str]:
    """How projects are named to ``user``: the title when named to them, else the code name.

    A project outside the user's view that is not confidential gets no label at all.
    """
    if not ids:
        return {}
    found = (
        Project.objects.filter(pk__in=ids)
        .annotate(
            visible=_condition(pipeline_selectors.visible_filter(user)),
            named=_condition(pipeline_selectors.named_filter(user)),
        )
        .values_list("pk", "title", "code_name", "confidential", "visible", "named")
    )
    result = {}
    for pk, title, code_name, confidential, visible, named in found:
        if visible and named:
            result[pk] = title
        elif confidential:
            result[pk] = code_name
    return result


def _condition(q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


# ---------------------------------------------------------------- the pipeline


@register
class ProjectExporter(ListExporter):
    """The project list. A project not named to the user shows its code name only: no
    institution, title, vehicle, categories, amounts, expected landing or notes."""

    identifier = "projects"
    verbose_name = gettext_lazy("Project list")

    def __init__(self, *, user: User, params: Mapping[str, str]) -> None:
        super().__init__(user=user, params=params)
        self.filterset = pipeline_selectors.project_list(user=user, params=params)

    def projects(self) -> QuerySet[Project]:
        """The projects the list shows, in its order (pipeline.selectors.project_list_page)."""
        qs = self.filterset.qs
        if not self.params.get("sort") or not qs.query.order_by:
            return qs.order_by("-created_at", "-pk")
        return tie_broken(qs)

    @property
    def columns(self) -> list[Column]:
        of = partial(model_column, Project)
        return [
            of("institution", width=30),
            model_column(Institution, "uscc", width=22),
            of("title", width=30),
            of("code_name", width=14),
            of("confidential", width=8),
            of("vehicle", width=16),
            of("categories", width=28),
            of("stage", width=12),
            of("stage_entered_at", field="stage_date", width=12, kind=DATE),
            Column("days_in_stage", gettext_lazy("Days in stage"), width=10, kind=INTEGER),
            of("probability", width=10, kind=PERCENT),
            of("owner", width=12),
            of("team", width=16),
            of("expected_registered_capital", width=16, kind=AMOUNT),
            of("expected_registered_capital_currency", field="currency", width=8),
            Column("expected_landing", gettext_lazy("Expected landing"), width=12),
            of("expected_jobs", width=10, kind=INTEGER),
            of("competing_locations", width=24),
            of("lost_reason", width=18),
            of("lost_note", width=30),
            of("hold_reason", width=30),
            of("created_at", width=12, kind=DATE),
        ]

    def rows(self) -> Iterator[Sequence[object]]:
        vehicles, reasons, yes = labels(Vehicle), labels(LostReason), yes_no()
        categories, position = category_names(self.filterset.categories)
        owners, teams, stages = people(), Names(Team.objects.all()), Names(Stage.objects.all())
        today = timezone.localdate()
        rows = (
            self.projects()
            .annotate(named_to_user=_condition(pipeline_selectors.named_filter(self.user)))
            .values_list(
                "pk",
                "named_to_user",
                "institution__name_zh",
                "institution__name_en",
                "institution__uscc",
                "title",
                "code_name",
                "confidential",
                "vehicle",
                "stage_id",
                "stage_entered_at",
                "probability",
                "owner_id",
                "team_id",
                "expected_registered_capital",
                "expected_registered_capital_currency",
                "expected_year",
                "expected_quarter",
                "expected_jobs",
                "competing_locations",
                "lost_reason",
                "lost_note",
                "hold_reason",
                "created_at",
            )
        )
        for batch in batches(rows):
            named_ids = [row[0] for row in batch if row[1]]
            links = grouped(
                Project.categories.through.objects.filter(project_id__in=named_ids).values_list(
                    "project_id", "category_id"
                )
            )
            owners.load(row[12] for row in batch)
            teams.load(row[13] for row in batch)
            stages.load(row[9] for row in batch)
            for (
                pk,
                named,
                name_zh,
                name_en,
                uscc,
                title,
                code_name,
                confidential,
                vehicle,
                stage_id,
                stage_entered_at,
                probability,
                owner_id,
                team_id,
                capital,
                currency,
                expected_year,
                expected_quarter,
                expected_jobs,
                locations,
                lost_reason,
                lost_note,
                hold_reason,
                created_at,
            ) in batch:
                shown_to_all = (
                    code_name if confidential else "",
                    yes[confidential],
                )
                common = (
                    stages.get(stage_id),
                    timezone.localtime(stage_entered_at).date(),
                    pipeline_selectors.days_in_stage(stage_entered_at, today),
                    probability,
                    owners.get(owner_id),
                    teams.get(team_id),
                )
                if not named:
                    hidden = (None,) * 8  # amounts, landing, jobs, locations, reasons, notes
                    yield (
                        *("", "", ""),  # institution, USCC, title
                        *shown_to_all,
                        *("", ""),  # vehicle, categories
                        *common,
                        *hidden,
                        timezone.localtime(created_at).date(),
                    )
                    continue
                category_ids = sorted(
                    (c for c in links.get(pk, ()) if c in categories), key=position.__getitem__
                )
                yield (
                    pick(name_zh, name_en),
                    uscc,
                    title,
                    *shown_to_all,
                    vehicles.get(vehicle, vehicle),
                    joined(categories[c] for c in category_ids),
                    *common,
                    capital,
                    currency if capital is not None else "",
                    "%dQ%d" % (expected_year, expected_quarter)
                    if expected_year and expected_quarter
                    else "",
                    expected_jobs,
                    joined(locations or ()),
                    reasons.get(lost_reason, lost_reason),
                    lost_note,
                    hold_reason,
                    timezone.localtime(created_at).date(),
                )
