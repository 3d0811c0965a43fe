"""Opening an uploaded spreadsheet safely: .xlsx/.xlsm workbooks and CSV/TSV text.

:func:`open_workbook` is the one way in. It decides what a file is from its bytes, never
from its name, and refuses with :class:`SpreadsheetRejected` (a translated ``message``)
anything it cannot read safely, *before* reading it:

- a file over ``LANDFALL_IMPORT_MAX_BYTES``, checked before a byte is read;
- an empty file, a PDF, an image, a Word or PowerPoint file, another archive; a legacy
  .xls, .xlsb, .ods, Excel 2003 XML or HTML "xls" (asked to be saved as .xlsx); a
  password-protected workbook;
- a zip bomb: from the zip's central directory, before anything is unpacked, a total
  unpacked size over ``LANDFALL_IMPORT_MAX_UNCOMPRESSED`` or a part compressed more than
  ``LANDFALL_IMPORT_MAX_RATIO`` times; and, while unpacking, a part that unpacks to more
  than it declares (each part is unpacked with its declared size as a hard cap);
- unsafe part names (``../``, absolute paths, backslashes) and duplicate parts;
- XML entity declarations (billion laughs, external entities) in any part;
- a sheet with more than ``LANDFALL_IMPORT_MAX_COLUMNS`` columns or
  ``LANDFALL_IMPORT_MAX_ROWS`` rows (refused when that sheet is read, so that an
  oversized hidden sheet does not block the others);
- text that is binary (NUL bytes, control characters) or in no encoding we read.

Workbooks are read with python-calamine (Rust; cached formula values, never formulas;
dates as ``date``/``datetime``; sheet visibility). calamine builds a dense grid from the
top-left to the bottom-right *valued* cell of a sheet before returning a row, so one cell
at ``XFD1048576`` makes it ask for 550 GB and abort the process. Every sheet's XML is
therefore scanned first (:func:`_scan_sheet`): calamine only reads workbooks whose every
sheet places each cell by its own reference within the limits. Any other sheet, and a
sparse one whose grid would exceed ``CALAMINE_MAX_CELLS``, is streamed with openpyxl's
read-only mode (slower, constant memory, counted row by row). CSV is decoded as UTF-8
(with or without BOM), UTF-16 with a BOM, or GB18030 (a superset of GBK and GB2312); the
delimiter (comma, tab or semicolon) is sniffed from the text.

How this was measured and what it costs: docs/spreadsheets-reading.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

__all__ = ["SheetInfo", "SpreadsheetRejected", "Workbook", "open_workbook"]

# A sparse sheet whose calamine grid (rows × columns from A1) would exceed this many cells
# (32 bytes each: about 640 MB) is streamed with openpyxl instead.
CALAMINE_MAX_CELLS = 20_000_000
# Parts smaller than this unpacked are not held to the compression-ratio limit: a
# 40 KB styles.xml of repeated entries may compress 150 times and harms nobody.
RATIO_FLOOR = 1024 * 1024
MAX_PARTS = 10_000  # a real workbook has tens of parts
CSV_SAMPLE = 32 * 1024  # characters the delimiter is sniffed from

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_EXACT_INT = 2**53  # floats above this are not exact integers


class SpreadsheetRejected(Exception):
    """The file cannot be imported; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet of a workbook (or the one sheet of a CSV file).

    ``rows`` is the number of the last row holding a value (title and blank rows above
    the data included, so it is the row number Excel shows); ``columns`` the number of
    the last column holding a value. Both come from a scan of the sheet before it is
    read and are ``None`` when the sheet cannot be scanned (it then cannot be read).
    """

    name: str
    hidden: bool
    rows: int | None
    columns: int | None


@dataclass(frozen=True)
class _Limits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int
    max_columns: int
    max_rows: int

    @classmethod
    def from_settings(cls) -> _Limits:
        return cls(
            max_bytes=settings.LANDFALL_IMPORT_MAX_BYTES,
            max_uncompressed=settings.LANDFALL_IMPORT_MAX_UNCOMPRESSED,
            max_ratio=settings.LANDFALL_IMPORT_MAX_RATIO,
            max_columns=settings.LANDFALL_IMPORT_MAX_COLUMNS,
            max_rows=settings.LANDFALL_IMPORT_MAX_ROWS,
        )


# --- Messages ---------------------------------------------------------------------
# All user-facing refusals, in one place, so that their wording stays consistent.


def _number(value: int) -> str:
    return f"{value:,}"


def _save_as_xlsx(kind: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "This is %(kind)s, which Landfall does not read. Open it in Excel, save it "
            "as an Excel workbook (.xlsx) and upload that file."
        )
        % {"kind": kind}
    )


def _not_a_spreadsheet(kind: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "This file looks like %(kind)s, not a spreadsheet. Upload an Excel workbook "
            "(.xlsx) or a CSV file."
        )
        % {"kind": kind}
    )


def _damaged() -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The workbook is damaged and cannot be read. Open it in Excel, save it again "
            "and upload the new file."
        )
    )


def _password_protected() -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The workbook is password-protected, and password-protected files can't be "
            "read. Remove the password in Excel (File → Info → Protect Workbook), save "
            "it and upload it again."
        )
    )


def _too_big(size: int | None, limit: int) -> SpreadsheetRejected:
    if size is None:
        return SpreadsheetRejected(
            _("The file is larger than %(limit)s, the most an import can take.")
            % {"limit": filesizeformat(limit)}
        )
    return SpreadsheetRejected(
        _("The file is %(size)s; an import can take at most %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    )


def _zip_bomb_total(size: int, limit: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The workbook would unpack to %(size)s, more than the %(limit)s an import may "
            "unpack. Files like this are used to exhaust servers (zip bombs); if it is a "
            "real ledger, split it into smaller files."
        )
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    )


def _zip_bomb_ratio(part: str, ratio: int, limit: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The part %(part)s of the workbook is compressed %(ratio)s times, more than "
            "the %(limit)s times allowed. Files like this are used to exhaust servers "
            "(zip bombs), so it was refused."
        )
        % {"part": part, "ratio": _number(ratio), "limit": _number(limit)}
    )


def _zip_bomb_lie(part: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The part %(part)s of the workbook unpacks to more data than it declares. "
            "Files like this are used to exhaust servers (zip bombs), so it was refused."
        )
        % {"part": part}
    )


def _unsafe_part(part: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The workbook contains a part with an unsafe name (%(part)s), which Excel "
            "never writes, so it was refused."
        )
        % {"part": part}
    )


def _duplicate_part(part: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("The workbook contains the part %(part)s twice, so it was refused.") % {"part": part}
    )


def _too_many_parts(count: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _("The workbook has %(count)s parts, far more than a real workbook, so it was refused.")
        % {"count": _number(count)}
    )


def _entities(part: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The part %(part)s of the workbook declares XML entities (a DOCTYPE), which "
            "Excel never writes and which are used to attack servers, so it was refused."
        )
        % {"part": part}
    )


def _bad_encoding(part: str) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The part %(part)s of the workbook is not in the encoding Excel writes "
            "(UTF-8), so it was refused."
        )
        % {"part": part}
    )


def _too_many_columns(sheet: str, found: int, limit: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The sheet “%(sheet)s” has %(found)s columns; an import can take at most "
            "%(limit)s. Delete the columns you do not need and upload it again."
        )
        % {"sheet": sheet, "found": _number(found), "limit": _number(limit)}
    )


def _too_many_rows(sheet: str, found: int, limit: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The sheet “%(sheet)s” has %(found)s rows; an import can take at most "
            "%(limit)s. Split it into smaller files and import them one by one."
        )
        % {"sheet": sheet, "found": _number(found), "limit": _number(limit)}
    )


def _binary_text() -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The file contains binary data (such as NUL bytes), so it is neither an Excel "
            "workbook nor a CSV text file."
        )
    )


def _unknown_encoding() -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The file is not an Excel workbook, and as text it is neither UTF-8 nor "
            "GB18030/GBK. In Excel, save it as an Excel workbook (.xlsx) or as "
            "“CSV UTF-8”, and upload that file."
        )
    )


def _csv_damaged(line: int) -> SpreadsheetRejected:
    return SpreadsheetRejected(
        _(
            "The CSV file cannot be read at line %(line)s (an unclosed quote or a cell "
            "that is too long). Open it in Excel, save it as .xlsx and upload that file."
        )
        % {"line": _number(line)}
    )


# --- Opening ----------------------------------------------------------------------


class Workbook:
    """An opened spreadsheet: its sheets, and the rows of any of them.

    Made by :func:`open_workbook`; close it (or use it as a context manager) when done.
    ``sheets`` lists every worksheet in the workbook's order, hidden ones included;
    ``visible_sheets`` the ones a user sees in Excel, which the import wizard offers.
    """

    def __init__(
        self,
        *,
        sheets: list[SheetInfo],
        read: Callable[[SheetInfo], Iterator[list[object]]],
        check: Callable[[SheetInfo], None],
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.sheets = sheets
        self._read = read
        self._check = check
        self._close = close
        self._closed = False

    @property
    def visible_sheets(self) -> list[SheetInfo]:
        """The sheets that are not hidden, in the workbook's order."""
        return [sheet for sheet in self.sheets if not sheet.hidden]

    def rows(self, sheet_name: str | None = None) -> Iterator[list[object]]:
        """Iterate the rows of a sheet (the first visible one by default), from row 1.

        Each row is a list of cell values from column A: ``str``, ``int`` (a number
        without a fraction), ``float``, ``bool``, ``datetime.date`` or
        ``datetime.datetime`` (Excel dates), ``datetime.time``, ``datetime.timedelta``,
        or ``None`` for an empty cell. Formula cells give the value Excel last calculated
        (``None`` if it never did, or if it was an error such as ``#DIV/0!``); formulas
        are never evaluated. A merged range gives its value in its top-left cell and
        ``None`` elsewhere. Trailing empty cells are trimmed, so a blank row is ``[]``.
        CSV cells are ``str`` (or ``None`` when empty): the values module parses them.

        Raises :class:`SpreadsheetRejected` at once if the sheet does not exist or is
        over the row or column limits, and while iterating if the file turns out to
        hold more than it declared.
        """
        if self._closed:
            raise ValueError("The workbook is closed.")
        sheet = self._sheet(sheet_name)
        self._check(sheet)
        return self._read(sheet)

    def close(self) -> None:
        """Release the file; rows can no longer be read."""
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _sheet(self, name: str | None) -> SheetInfo:
        if name is None:
            candidates = self.visible_sheets or self.sheets
            return candidates[0]
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise SpreadsheetRejected(
            _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": name}
        )


def open_workbook(source: str | os.PathLike[str] | IO[bytes], *, name: str = "") -> Workbook:
    """Open an uploaded .xlsx/.xlsm or CSV/TSV file, refusing anything unsafe or unreadable.

    ``source`` is a path, a binary file object, or a Django ``File``/``UploadedFile``
    (read from its start; not closed). ``name`` is the file's original name; it only
    names the sheet of a CSV file. The kind of file is found from its content. Raises
    :class:`SpreadsheetRejected` with a translated message for every file it refuses.
    """
    limits = _Limits.from_settings()
    data, name = _read_source(source, name, limits.max_bytes)
    if not data:
        raise SpreadsheetRejected(_("The file is empty."))
    if data.startswith(_ZIP_MAGIC):
        return _open_zip(data, limits)
    if data.startswith(_OLE2):
        raise _ole2_refusal(data)
    kind = _binary_kind(data)
    if kind is not None:
        raise _not_a_spreadsheet(kind)
    return _open_text(data, name, limits)


def _read_source(source: object, name: str, limit: int) -> tuple[bytes, str]:
    """Read at most ``limit`` bytes of the source, refusing it first if it is larger."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        size = path.stat().st_size
        if size > limit:
            raise _too_big(size, limit)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        name = name or path.name
    else:
        name = name or os.path.basename(str(getattr(source, "name", "") or ""))
        size = _declared_size(source)
        if size is not None and size > limit:
            raise _too_big(size, limit)
        if getattr(source, "closed", False) and hasattr(source, "open"):
            source.open("rb")  # a Django File, e.g. a FieldFile, reopened from storage
        if _seekable(source):
            source.seek(0)
        data = source.read(limit + 1)
        size = None
    if not isinstance(data, bytes):
        raise TypeError("open_workbook needs a file opened in binary mode.")
    if len(data) > limit:
        raise _too_big(size, limit)
    return data, name


def _declared_size(source: object) -> int | None:
    try:
        size = getattr(source, "size", None)  # Django File and UploadedFile
    except (OSError, AttributeError, ValueError):
        size = None
    if isinstance(size, int):
        return size
    if _seekable(source):
        position = source.tell()
        size = source.seek(0, io.SEEK_END)
        source.seek(position)
        return size
    return None


def _seekable(source: object) -> bool:
    try:
        return bool(source.seekable())
    except (AttributeError, OSError, ValueError):
        return False


# Only signatures no text file starts with (a CSV may well start "BM" or "BZh").
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_ARCHIVE_MAGIC = (b"\x1f\x8b", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\xfd7zXZ\x00")


def _binary_kind(data: bytes) -> str | None:
    """What a non-zip, non-OLE2 binary file looks like, named for the user; or None."""
    if data.startswith(b"%PDF-"):
        return _("a PDF document")
    if (
        data.startswith(_IMAGE_MAGIC)
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or (data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00")
    ):
        return _("an image")
    if data.startswith(_ARCHIVE_MAGIC) or (data[:3] == b"BZh" and data[4:10] == b"1AY&SY"):
        return _("a compressed archive")
    return None


def _ole2_refusal(data: bytes) -> SpreadsheetRejected:
    """Refuse an OLE2 compound file: an encrypted .xlsx, a legacy .xls, .doc or .ppt."""

    def has_stream(stream: str) -> bool:
        return stream.encode("utf-16-le") in data

    if has_stream("EncryptedPackage") or has_stream("EncryptionInfo"):
        return _password_protected()
    if has_stream("WordDocument"):
        return _not_a_spreadsheet(_("an old-format Word document (.doc)"))
    if has_stream("PowerPoint Document"):
        return _not_a_spreadsheet(_("an old-format PowerPoint presentation (.ppt)"))
    return _save_as_xlsx(_("an old-format Excel workbook (.xls)"))


# --- Workbooks (zip) --------------------------------------------------------------


def _open_zip(data: bytes, limits: _Limits) -> Workbook:
    members = _zip_members(data)
    _identify_zip(members)
    _check_zip_sizes(members, limits)
    parts = _ZipParts(data, members)
    targets = _sheet_targets(parts)
    extents: dict[str, _Extent] = {}
    for key, info in members.items():
        if info.is_dir():
            continue
        content = parts.unpack(info)
        _check_xml_part(info.filename, content)
        if b"sheetData" in content:
            extents[key] = _scan_sheet(content, limits)
        del content
    with _calamine_errors():
        calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = calamine.sheets_metadata
    sheets: list[SheetInfo] = []
    for sheet in metadata:
        if sheet.typ != SheetTypeEnum.WorkSheet:
            continue  # chart and macro sheets hold no rows
        target = targets.get(sheet.name)
        extent = extents.get(target, _EMPTY) if target in members else None
        sheets.append(
            SheetInfo(
                name=sheet.name,
                hidden=sheet.visible != SheetVisibleEnum.Visible,
                rows=extent.rows if extent else None,
                columns=extent.columns if extent else None,
            )
        )
    if not sheets:
        calamine.close()
        raise SpreadsheetRejected(_("The workbook has no worksheets."))
    calamine_safe = all(extent.trusted for extent in extents.values())
    reader = _XlsxReader(data, calamine, limits, calamine_safe=calamine_safe)

    def check(sheet: SheetInfo) -> None:
        if sheet.rows is None or sheet.columns is None:
            raise SpreadsheetRejected(
                _("The sheet “%(sheet)s” cannot be read: the workbook is damaged.")
                % {"sheet": sheet.name}
            )
        _check_extent(sheet.name, sheet.rows, sheet.columns, limits)

    return Workbook(sheets=sheets, read=reader.rows, check=check, close=reader.close)


def _zip_members(data: bytes) -> dict[str, zipfile.ZipInfo]:
    """The zip's parts by lower-cased name, from its central directory only."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # a hostile zip can make zipfile raise almost anything
        raise _damaged() from None
    if len(infos) > MAX_PARTS:
        raise _too_many_parts(len(infos))
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if _unsafe_name(info.filename):
            raise _unsafe_part(info.filename)
        key = info.filename.lower()  # one part per name, whatever reader looks it up
        if key in members:
            raise _duplicate_part(info.filename)
        members[key] = info
    return members


def _unsafe_name(name: str) -> bool:
    if not name or name[0] in "/\\" or "\\" in name or "\x00" in name:
        return True
    if re.match(r"[A-Za-z]:", name):
        return True
    parts = name.split("/")
    return any(
        part in (".", "..") or (part == "" and index < len(parts) - 1)
        for index, part in enumerate(parts)
    )


def _identify_zip(members: dict[str, zipfile.ZipInfo]) -> None:
    """Refuse a zip that is not an Excel workbook, naming what it is where we can."""
    if "[content_types].xml" in members and "xl/workbook.xml" in members:
        return
    if "xl/workbook.bin" in members:
        raise _save_as_xlsx(_("an Excel binary workbook (.xlsb)"))
    if "word/document.xml" in members:
        raise _not_a_spreadsheet(_("a Word document (.docx)"))
    if "ppt/presentation.xml" in members:
        raise _not_a_spreadsheet(_("a PowerPoint presentation (.pptx)"))
    if "mimetype" in members and "content.xml" in members:
        raise _save_as_xlsx(_("an OpenDocument file (.ods)"))
    raise _not_a_spreadsheet(_("a zip archive"))


def _check_zip_sizes(members: dict[str, zipfile.ZipInfo], limits: _Limits) -> None:
    """The zip-bomb guard, on the sizes the central directory declares."""
    total = sum(info.file_size for info in members.values())
    if total > limits.max_uncompressed:
        raise _zip_bomb_total(total, limits.max_uncompressed)
    for info in members.values():
        if info.flag_bits & 0x1:
            raise _password_protected()
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged()
        packed = max(info.compress_size, 1)
        if info.file_size >= RATIO_FLOOR and info.file_size > limits.max_ratio * packed:
            raise _zip_bomb_ratio(info.filename, info.file_size // packed, limits.max_ratio)


class _ZipParts:
    """Unpacks one part at a time, never past the size its directory entry declares.

    zipfile's own reader stops at the declared size without complaint, while a reader
    that trusts the compressed stream (calamine's) would unpack everything: so we
    unpack with the declared size as a hard cap and refuse a part that has more.
    """

    def __init__(self, data: bytes, members: dict[str, zipfile.ZipInfo]) -> None:
        self._data = memoryview(data)
        self.members = members

    def get(self, name: str) -> bytes | None:
        info = self.members.get(name.lower())
        return None if info is None else self.unpack(info)

    def unpack(self, info: zipfile.ZipInfo) -> bytes:
        offset = info.header_offset
        header = bytes(self._data[offset : offset + 30])
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise _damaged()
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_length + extra_length
        raw = self._data[start : start + info.compress_size]
        if len(raw) != info.compress_size:
            raise _damaged()
        if info.compress_type == zipfile.ZIP_STORED:
            content = bytes(raw)
        else:
            try:
                content = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, info.file_size + 1)
            except zlib.error:
                raise _damaged() from None
        if len(content) > info.file_size:
            raise _zip_bomb_lie(info.filename)
        if len(content) != info.file_size:
            raise _damaged()
        return content


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_PART = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)


def _check_xml_part(name: str, content: bytes) -> None:
    """Refuse entity declarations anywhere, and XML not in UTF-8 (where they could hide)."""
    if _DOCTYPE.search(content):
        raise _entities(name)
    if _XML_PART.search(name) or b"sheetData" in content:
        head = content[:4]
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            raise _bad_encoding(name)


_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_STRICT_RELATIONSHIP_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"


def _sheet_targets(parts: _ZipParts) -> dict[str, str]:
    """Each sheet's name → the lower-cased name of the part that holds it."""
    workbook = parts.get("xl/workbook.xml")
    rels = parts.get("xl/_rels/workbook.xml.rels")
    for name, content in (("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels)):
        if content is not None:
            _check_xml_part(name, content)
    if workbook is None or rels is None:
        raise _damaged()
    try:
        workbook_root = SafeElementTree.fromstring(workbook)
        rels_root = SafeElementTree.fromstring(rels)
    except (SafeElementTree.ParseError, DefusedXmlException, ValueError, LookupError):
        raise _damaged() from None
    relationships = {
        element.get("Id"): element.get("Target", "")
        for element in rels_root.iter()
        if element.tag.endswith("Relationship")
    }
    targets: dict[str, str] = {}
    for element in workbook_root.iter():
        if not element.tag.endswith("}sheet"):
            continue
        name = element.get("name")
        rid = element.get(_RELATIONSHIP_ID) or element.get(_STRICT_RELATIONSHIP_ID)
        target = relationships.get(rid)
        if name is None or target is None:
            continue
        if name.lower() in {existing.lower() for existing in targets}:
            raise _damaged()  # Excel forbids two sheets of one name
        # As calamine resolves it (and finds the part whatever its case).
        if target.startswith("/xl/"):
            target = target[1:]
        elif not target.startswith("xl/"):
            target = "xl/" + target
        targets[name] = target.lower()
    return targets


# --- The sheet scan ---------------------------------------------------------------


@dataclass(frozen=True)
class _Extent:
    """How far a sheet's valued cells reach, and whether calamine may be given it."""

    rows: int
    columns: int
    trusted: bool  # every cell has its own reference, within the limits


_EMPTY = _Extent(0, 0, trusted=True)


def _check_extent(sheet: str, rows: int, columns: int, limits: _Limits) -> None:
    if columns > limits.max_columns:
        raise _too_many_columns(sheet, columns, limits.max_columns)
    if rows > limits.max_rows:
        raise _too_many_rows(sheet, rows, limits.max_rows)


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _at_most(limit: str, alphabet: str, first: str) -> str:
    """A regex for strings of ``alphabet`` (none starting below ``first``) ≤ ``limit``.

    Shorter strings are smaller; strings of the same length compare letter by letter,
    which is how both row numbers and column letters order.
    """
    low, high = alphabet[0], alphabet[-1]
    alternatives = []
    if len(limit) > 1:
        alternatives.append(f"[{first}-{high}][{low}-{high}]{{0,{len(limit) - 2}}}")
    for index, char in enumerate(limit):
        start = first if index == 0 else low
        if char > start:
            rest = len(limit) - index - 1
            below = chr(ord(char) - 1)
            alternatives.append(f"{limit[:index]}[{start}-{below}][{low}-{high}]{{{rest}}}")
    alternatives.append(limit)
    return "(?:" + "|".join(alternatives) + ")"


@lru_cache(maxsize=16)
def _odd_cell(prefix: bytes, max_columns: int, max_rows: int) -> re.Pattern[bytes]:
    """Cell tags other than ``<c r="A1" s=".." t="..">`` with A1 within the limits.

    ``prefix`` is the sheet's one namespace prefix (``b"x:"``), or ``b""``. In a sheet
    where this finds nothing, every cell's position is its own ``r`` attribute and lies
    within the limits. Anything it finds (a cell without ``r``, a second ``r``, a
    lower-case or out-of-range reference, odd spacing or quoting) is looked at closer.
    """
    columns = _at_most(_column_letters(max_columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "A")
    rows = _at_most(str(max_rows), "0123456789", "1")
    return re.compile(
        b"<"
        + re.escape(prefix)
        + (
            r'c(?:(?=[\s/>])(?! r=")| r="(?!'
            + columns
            + rows
            + '"(?:'
            + _SIMPLE_ATTRIBUTE
            + r")*\s*/?>))"
        ).encode()
    )


@lru_cache(maxsize=16)
def _simple_cell(prefix: bytes) -> re.Pattern[bytes]:
    """A plain cell tag: its reference, and "/" if it is self-closing."""
    return re.compile(
        b"<"
        + re.escape(prefix)
        + (r'c r="([A-Za-z]{1,7}[0-9]{1,12})"(?:' + _SIMPLE_ATTRIBUTE + r")*\s*(/?)>").encode()
    )


_SIMPLE_ATTRIBUTE = r'\s+[^\sr=/>"\'][^\s=/>"\']*="[^"<]*"'  # any name but r, double quotes
_PREFIX_HINT = re.compile(rb":(?:c|row)[\s/>]")  # one quick pass before the slower regex
# Any name before the colon: quick-xml takes the local name after it, whatever the prefix.
_PREFIXED_TAG = re.compile(rb"""<([^\s<>/!?="']*):(?:c|row)[\s/>]""")
_UNPREFIXED_TAG = re.compile(rb"<(?:c|row)[\s/>]")
_EXCEL_REFERENCE = re.compile(rb"[A-Z]{1,3}[1-9][0-9]{0,6}")
_TAG = re.compile(rb"""<(/?)(?:[^\s<>/!?="':]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]{1,7})([0-9]{1,12})")


def _position(reference: bytes) -> tuple[int, int] | None:
    """(row, column), both from 1, of a cell reference such as ``B12``; None if malformed."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        return None
    return int(match.group(2)), _column_number(match.group(1))


@lru_cache(maxsize=1024)
def _column_number(letters: bytes) -> int:
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    return column


def _scan_sheet(content: bytes, limits: _Limits) -> _Extent:
    """How far a sheet's valued cells reach, and whether calamine may read it.

    A sheet is *trusted* when its row and cell tags all carry one namespace prefix or
    none, and every cell tag, wherever it sits, is a plain ``<c r="A1" ...>`` with its
    reference within the limits (:func:`_first_odd_cell` finds none that is not).
    calamine then places every cell by its own reference, so its grid cannot outgrow
    the limits. The extent is read off the last valued cell before each ``</row>``.

    Anything else (cells without ``r``, mixed prefixes, odd attributes, references
    past the limits) is not trusted: such a sheet is read with openpyxl, which streams
    and is checked row by row, and its extent here is an estimate, for the message and
    for ``SheetInfo`` (:func:`_estimate_by_tags`).
    """
    prefix = _tag_prefix(content)
    odd = None if prefix is None else _first_odd_cell(content, prefix, limits)
    if prefix is not None and odd is None:
        return _extent_of_ordered_rows(content, prefix)
    # A plain cell past a limit (a sheet that is simply too big) needs no walk.
    simple = _simple_cell(prefix).match(content, odd.start()) if odd is not None else None
    position = _position(simple.group(1)) if simple and not simple.group(2) else None
    if position is None or not _over(position, limits):
        estimate = _estimate_by_tags(content, limits)
        position = (estimate.rows, estimate.columns)
    if _over(position, limits) and prefix is not None:
        # The walk stopped at the first cell past a limit; say how far the sheet goes.
        ordered = _extent_of_ordered_rows(content, prefix)
        position = (max(position[0], ordered.rows), max(position[1], ordered.columns))
    return _Extent(*position, trusted=False)


def _tag_prefix(content: bytes) -> bytes | None:
    """The one prefix the row and cell tags share (``b""`` for none); None if mixed."""
    prefixed = _PREFIX_HINT.search(content) and _PREFIXED_TAG.search(content)
    if not prefixed:
        return b""
    prefix = prefixed.group(1) + b":"
    other = re.compile(
        b"<(?!" + re.escape(prefix) + rb"""(?:c|row)[\s/>])[^\s<>/!?="']*:(?:c|row)[\s/>]"""
    )
    if other.search(content) or _UNPREFIXED_TAG.search(content):
        return None
    return prefix


def _first_odd_cell(content: bytes, prefix: bytes, limits: _Limits) -> re.Match[bytes] | None:
    """The first cell tag that stops a sheet being trusted, if any.

    A self-closing plain cell (style only, as Excel writes for borders beyond the data)
    holds no value and, when every cell has its own reference, moves nothing: calamine
    skips it, so its reference may lie anywhere in Excel's grid.
    """
    simple_cell = _simple_cell(prefix)
    for odd in _odd_cell(prefix, limits.max_columns, limits.max_rows).finditer(content):
        simple = simple_cell.match(content, odd.start())
        if not (simple and simple.group(2) and _EXCEL_REFERENCE.fullmatch(simple.group(1))):
            return odd
    return None


def _over(position: tuple[int, int], limits: _Limits) -> bool:
    return position[0] > limits.max_rows or position[1] > limits.max_columns


def _extent_of_ordered_rows(content: bytes, prefix: bytes) -> _Extent:
    row_end = b"</" + prefix + b"row>"
    cell_start = b"<" + prefix + b'c r="'
    skip = len(cell_start)
    rows = columns = 0
    start = 0
    while True:
        end = content.find(row_end, start)
        if end < 0:
            end = len(content)
        cell = content.rfind(cell_start, start, end)
        while cell >= 0:
            quote = content.find(b'"', cell + skip)
            tag_end = content.find(b">", quote)
            position = _position(content[cell + skip : quote])
            if position is not None and content[tag_end - 1] != ord("/"):
                rows = max(rows, position[0])
                columns = max(columns, position[1])
                break
            cell = content.rfind(cell_start, start, cell)
        if end == len(content):
            return _Extent(rows, columns, trusted=True)
        start = end + len(row_end)


def _estimate_by_tags(content: bytes, limits: _Limits) -> _Extent:
    """Walk the row and cell tags as a spreadsheet reader places them.

    A cell without ``r`` sits right of the one before; a row ends at ``</row>`` (or a
    self-closing ``<row/>``); a self-closing cell moves the position but holds no value.
    Only an estimate for the message: the sheet is read by openpyxl, which counts.
    """
    rows = columns = 0
    row_index, column_index = 1, 1
    for match in _TAG.finditer(content):
        closing, tag, attributes = match.groups()
        empty = attributes.rstrip().endswith(b"/")
        if closing:
            if tag == b"row":
                row_index, column_index = row_index + 1, 1
            continue
        references = [
            value_double if value_double is not None else value_single
            for key, value_double, value_single in _ATTRIBUTE.findall(attributes)
            if key == b"r"
        ]
        if len(references) > 1:
            raise _damaged()
        if tag == b"row":
            if references:
                if not references[0].isdigit():
                    raise _damaged()
                row_index = int(references[0])
            if empty:
                row_index, column_index = row_index + 1, 1
            continue
        if references:
            position = _position(references[0])
            if position is None:
                raise _damaged()
            row, column = position
        else:
            row, column = row_index, column_index
        column_index = column + 1
        if not empty:
            rows, columns = max(rows, row), max(columns, column)
            if rows > limits.max_rows or columns > limits.max_columns:
                break  # refused when read; no need to walk the rest
    return _Extent(rows, columns, trusted=False)


# --- Reading workbook rows --------------------------------------------------------


@contextmanager
def _calamine_errors() -> Iterator[None]:
    """calamine's errors as refusals; a Rust panic too (pyo3 raises it as a BaseException)."""
    try:
        yield
    except PasswordError:
        raise _password_protected() from None
    except CalamineError:
        raise _damaged() from None
    except BaseException as error:
        if type(error).__name__ == "PanicException":
            raise _damaged() from None
        raise


class _XlsxReader:
    """Rows of a workbook's sheets: calamine where the scan allows it, else openpyxl.

    calamine is only used when *every* worksheet part is trusted (so that no sheet it
    could be handed, whatever it makes of the workbook's relationships, can outgrow
    the limits) and the sheet's grid stays under ``CALAMINE_MAX_CELLS``.
    """

    def __init__(
        self, data: bytes, calamine: CalamineWorkbook, limits: _Limits, *, calamine_safe: bool
    ) -> None:
        self._data = data
        self._calamine = calamine
        self._limits = limits
        self._calamine_safe = calamine_safe

    def rows(self, sheet: SheetInfo) -> Iterator[list[object]]:
        assert sheet.rows is not None and sheet.columns is not None
        if not self._calamine_safe or sheet.rows * sheet.columns > CALAMINE_MAX_CELLS:
            return self._openpyxl_rows(sheet)
        with _calamine_errors():
            grid = self._calamine.get_sheet_by_name(sheet.name)
        end = grid.end
        if end is None:
            return iter(())
        # The scan and calamine should agree; if they do not, trust the larger.
        _check_extent(sheet.name, end[0] + 1, end[1] + 1, self._limits)
        return self._calamine_rows(sheet, grid)

    def _calamine_rows(self, sheet: SheetInfo, grid: object) -> Iterator[list[object]]:
        pad = [None] * grid.start[1]  # calamine starts each row at the first used column
        limits = self._limits
        with _calamine_errors():
            for number, values in enumerate(grid.iter_rows(), start=1):
                if number > limits.max_rows:
                    raise _too_many_rows(sheet.name, number, limits.max_rows)
                row = [
                    None
                    if value == ""
                    else (
                        int(value)
                        if value.__class__ is float
                        and value.is_integer()
                        and -_EXACT_INT < value < _EXACT_INT
                        else value
                    )
                    for value in values
                ]
                while row and row[-1] is None:
                    row.pop()
                if row and pad:
                    row = pad + row
                if len(row) > limits.max_columns:
                    raise _too_many_columns(sheet.name, len(row), limits.max_columns)
                yield row

    def _openpyxl_rows(self, sheet: SheetInfo) -> Iterator[list[object]]:
        """Stream a large sparse sheet in constant memory (defusedxml guards its parser)."""
        from openpyxl import load_workbook
        from openpyxl.styles.numbers import is_datetime

        limits = self._limits
        try:
            workbook = load_workbook(
                io.BytesIO(self._data), read_only=True, data_only=True, keep_links=False
            )
        except Exception:  # openpyxl raises many kinds of errors on a damaged file
            raise _damaged() from None
        try:
            worksheet = workbook[sheet.name]
            worksheet.reset_dimensions()  # never pad rows to a declared, maybe false, size
            blank = 0
            for number, cells in enumerate(worksheet.iter_rows(), start=1):
                if number > limits.max_rows:
                    raise _too_many_rows(sheet.name, number, limits.max_rows)
                row: list[object] = []
                for cell in cells:
                    value = getattr(cell, "value", None)
                    if value == "" or getattr(cell, "data_type", None) == "e":
                        value = None
                    elif (
                        value.__class__ is float
                        and value.is_integer()
                        and -_EXACT_INT < value < _EXACT_INT
                    ):
                        value = int(value)
                    elif (
                        value.__class__ is datetime.datetime
                        and value.time() == datetime.time()
                        and is_datetime(cell.number_format) == "date"
                    ):
                        value = value.date()  # as calamine gives a date-only cell
                    row.append(value)
                while row and row[-1] is None:
                    row.pop()
                if not row:
                    blank += 1  # yielded once a value follows: rows end where calamine's do
                    continue
                if len(row) > limits.max_columns:
                    raise _too_many_columns(sheet.name, len(row), limits.max_columns)
                for _ in range(blank):
                    yield []
                blank = 0
                yield row
        except SpreadsheetRejected:
            raise
        except Exception:
            raise _damaged() from None
        finally:
            workbook.close()

    def close(self) -> None:
        self._calamine.close()


# --- Text (CSV, TSV) --------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
_DELIMITERS = ",\t;"


def _open_text(data: bytes, name: str, limits: _Limits) -> Workbook:
    text = _decode(data)
    _refuse_markup(text)
    delimiter = _sniff_delimiter(text)
    rows = columns = 0
    try:
        for row in _csv_rows(text, delimiter):
            rows += 1
            columns = max(columns, len(row))
    except csv.Error:
        raise _csv_damaged(rows + 1) from None
    sheet = SheetInfo(name=Path(name).stem or "CSV", hidden=False, rows=rows, columns=columns)

    def check(info: SheetInfo) -> None:
        _check_extent(info.name, rows, columns, limits)

    def read(info: SheetInfo) -> Iterator[list[object]]:
        for number, row in enumerate(_csv_rows(text, delimiter), start=1):
            if number > limits.max_rows:
                raise _too_many_rows(info.name, number, limits.max_rows)
            if len(row) > limits.max_columns:
                raise _too_many_columns(info.name, len(row), limits.max_columns)
            yield row

    return Workbook(sheets=[sheet], read=read, check=check)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" is UTF-16 with a BOM, tab-separated.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _unknown_encoding() from None
        if _mostly_control(text[:65536]):
            raise _binary_text()
        return text
    if b"\x00" in data or _mostly_control(data[:65536].decode("latin-1")):
        raise _binary_text()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unknown_encoding()


def _mostly_control(sample: str) -> bool:
    """More than 1% control characters (other than tab, line breaks, form feed, ^Z)."""
    return len(_CONTROL.findall(sample)) > len(sample) // 100


def _refuse_markup(text: str) -> None:
    """Refuse HTML and XML posing as a spreadsheet (many systems export HTML as ".xls")."""
    head = text[:4096].lstrip().lower()
    if not head.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise _save_as_xlsx(_("an Excel 2003 XML spreadsheet"))
    if any(tag in head for tag in ("<html", "<table", "<!doctype html")):
        raise _save_as_xlsx(_("a web page (HTML) saved under a spreadsheet's name"))
    if head.startswith("<?xml"):
        raise _not_a_spreadsheet(_("an XML document"))


def _sniff_delimiter(text: str) -> str:
    sample = text[:CSV_SAMPLE]
    if len(text) > CSV_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        # One line, or lines that disagree: take the header line's most frequent one.
        first_line = sample.split("\n", 1)[0]
        counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _csv_rows(text: str, delimiter: str) -> Iterator[list[object]]:
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
        row: list[object] = [value if value != "" else None for value in values]
        while row and row[-1] is None:
            row.pop()
        yield row
