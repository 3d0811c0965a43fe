"""Spreadsheet files for the reading tests, good and hostile, generated in code.

Every function returns the file's bytes (nothing is committed as a binary). The zip bomb
is written through a streaming zip entry, so building it never holds its 300 MB in
memory. ``xlsx_from_sheet_xml`` wraps hand-written sheet XML in the smallest workbook
that Excel, calamine and openpyxl all open, for the cases no library would write.
"""

from __future__ import annotations

import datetime
import io
import random
import re
import struct
import zipfile
from collections.abc import Callable, Iterable

from openpyxl import Workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
BILLION_LAUGHS = (
    '<?xml version="1.0"?>'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">'
    "]>"
)


# --- Building blocks --------------------------------------------------------------


def patch_zip(data: bytes, changes: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """Rewrite some parts of a zip, keeping the others byte for byte."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in changes:
                content = changes[info.filename](content)
            target.writestr(info.filename, content)
    return out.getvalue()


def zip_of(parts: Iterable[tuple[str, bytes | str]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:
            archive.writestr(name, content)
    return out.getvalue()


def _workbook_parts(*, shared_strings: bool, sheet_name: str = "Sheet1") -> list[tuple[str, str]]:
    overrides = (
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    )
    relationships = (
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    )
    if shared_strings:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        relationships += (
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    return [
        (
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{overrides}</Types>",
        ),
        (
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        ),
        (
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL_NS}">'
            f"{relationships}</Relationships>",
        ),
    ]


def sheet_xml(rows_xml: str, *, dimension: str | None = None, prolog: str = "") -> bytes:
    """A worksheet part around ``<row>`` elements written by hand."""
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'{prolog}<worksheet xmlns="{MAIN_NS}">{dimension_xml}'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def xlsx_from_sheet_xml(sheet: bytes, *, shared_strings: bytes | None = None) -> bytes:
    """The smallest workbook around one hand-written worksheet part."""
    parts: list[tuple[str, bytes | str]] = list(
        _workbook_parts(shared_strings=shared_strings is not None)
    )
    parts.append(("xl/worksheets/sheet1.xml", sheet))
    if shared_strings is not None:
        parts.append(("xl/sharedStrings.xml", shared_strings))
    return zip_of(parts)


def grid_rows_xml(rows: int, columns: int) -> str:
    """``rows`` × ``columns`` numbers, each cell with its own reference."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(column) for column in range(1, columns + 1)]
    return "".join(
        f'<row r="{row}">'
        + "".join(f'<c r="{letter}{row}"><v>{row}</v></c>' for letter in letters)
        + "</row>"
        for row in range(1, rows + 1)
    )


def grid_xlsx(rows: int, columns: int) -> bytes:
    return xlsx_from_sheet_xml(sheet_xml(grid_rows_xml(rows, columns)))


# --- Good files -------------------------------------------------------------------

LEDGER_TITLE = "2021年重点机构台账"
LEDGER_HEADER = ["机构名称", "统一社会信用代码", "国别", "成立日期", "注册资本(万元)", "两倍资本"]


def ledger_xlsx() -> bytes:
    """A ledger as offices keep them: a merged title, a blank row, then the header.

    Column F holds formulas: F4 with the value Excel cached (10000), F5 never
    calculated (no cached value), F7 a total with its cached value. openpyxl cannot
    write cached values, so they are patched into the sheet XML. A hidden sheet of
    choices and a "very hidden" one sit beside it.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet["A1"] = LEDGER_TITLE
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(LEDGER_HEADER)
    sheet.append(
        [
            "上海某资产管理有限公司",
            "91310000MA1FL1234X",
            "美国",
            datetime.date(2021, 3, 5),
            5000,
            "=E4*2",
        ]
    )
    sheet.append(
        ["某某银行", None, "中国香港", datetime.datetime(2021, 3, 5, 14, 30), 1.5, "=E5*2"]
    )
    sheet.append([])
    sheet.append(["合计", None, None, None, "=SUM(E4:E5)", None])
    choices = workbook.create_sheet("选项")
    choices.sheet_state = "hidden"
    choices.append(["是", "否"])
    internal = workbook.create_sheet("内部")
    internal.sheet_state = "veryHidden"
    internal.append(["只给宏看"])
    out = io.BytesIO()
    workbook.save(out)

    def cache_values(xml: bytes) -> bytes:
        for formula, value in ((b"E4*2", b"10000"), (b"SUM(E4:E5)", b"5001.5")):
            xml, count = re.subn(
                rb"<f>" + re.escape(formula) + rb"</f>(?:<v\s*/>|<v></v>)?",
                b"<f>" + formula + b"</f><v>" + value + b"</v>",
                xml,
            )
            assert count == 1, formula
        return xml

    return patch_zip(out.getvalue(), {"xl/worksheets/sheet1.xml": cache_values})


def xlsm_bytes() -> bytes:
    """A macro-enabled workbook: a zip like .xlsx, with a VBA part beside it."""
    parts: list[tuple[str, bytes | str]] = list(_workbook_parts(shared_strings=False))
    parts.append(("xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>7</v></c></row>')))
    parts.append(("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really VBA"))
    return zip_of(parts)


CSV_TEXT = "机构名称,国别,注册资本\n上海某资产管理有限公司,美国,5000万元\n某某银行,中国香港,\n"


def csv_utf8_bom() -> bytes:
    return CSV_TEXT.encode("utf-8-sig")


def csv_gb18030() -> bytes:
    return CSV_TEXT.encode("gb18030")


def csv_gbk() -> bytes:
    """What Excel on a Chinese Windows writes when asked for plain "CSV"."""
    return CSV_TEXT.encode("gbk")


def tsv_utf8() -> bytes:
    return CSV_TEXT.replace(",", "\t").encode("utf-8")


def csv_semicolon() -> bytes:
    return CSV_TEXT.replace(",", ";").encode("utf-8")


def unicode_text_utf16() -> bytes:
    """Excel's "Unicode text (*.txt)": UTF-16 with a BOM, separated by tabs."""
    return CSV_TEXT.replace(",", "\t").encode("utf-16")


# --- Hostile files ----------------------------------------------------------------


def empty() -> bytes:
    return b""


def random_bytes() -> bytes:
    return random.Random(5).randbytes(4096)


def pdf_named_xlsx() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + bytes(17)


def docx() -> bytes:
    return zip_of(
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<document/>"),
        ]
    )


def xlsb() -> bytes:
    return zip_of([("[Content_Types].xml", "<Types/>"), ("xl/workbook.bin", b"\x83\x01")])


def plain_zip() -> bytes:
    return zip_of([("readme.txt", "hello")])


def _ole2(*streams: str) -> bytes:
    """An OLE2 compound file's first sector and directory entries naming ``streams``.

    Enough for a reader that sniffs content (none of these is ever opened as OLE2).
    """
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b"".join(
        stream.encode("utf-16-le").ljust(64, b"\x00") + bytes(64) for stream in streams
    )
    return header + entries


def legacy_xls() -> bytes:
    return _ole2("Root Entry", "Workbook", "\x05SummaryInformation")


def encrypted_xlsx() -> bytes:
    """What Excel writes for a workbook with an open password: OLE2, not a zip."""
    return _ole2("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")


def html_named_xls() -> bytes:
    return (
        "<html><head><meta charset='utf-8'></head><body><table>"
        "<tr><td>机构名称</td><td>国别</td></tr></table></body></html>"
    ).encode()


def excel_2003_xml() -> bytes:
    return (
        b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        b"<Worksheet><Table><Row><Cell><Data>1</Data></Cell></Row></Table></Worksheet>"
        b"</Workbook>"
    )


def csv_with_nul() -> bytes:
    return b"name,country\nABC Bank,US\n\x00\x00\x00\x01binary,CN\n"


def csv_binary_garbage() -> bytes:
    """Binary without a NUL byte: control characters that no ledger holds."""
    garbage = bytes(b for b in random.Random(7).randbytes(2048) if b not in b"\x00\r\n,")
    return b"name,country\n" + bytes(range(1, 32)) * 8 + garbage[:64] + b"\n"


def zip_bomb(unpacked_mb: int = 300) -> bytes:
    """A "workbook" whose sheet XML unpacks to ``unpacked_mb`` MB of zeros (< 1 MB packed).

    Written through a streaming entry, so building it holds 1 MB at a time.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _workbook_parts(shared_strings=False):
            archive.writestr(name, content)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            entry.write(
                f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>'.encode()
            )
            chunk = b"0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                entry.write(chunk)
            entry.write(b"</v></c></row></sheetData></worksheet>")
    return out.getvalue()


def _set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Make a part's local header and central directory entry declare ``size`` unpacked."""
    patched = bytearray(data)
    encoded = name.encode()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    central = 0
    while True:
        central = data.index(b"PK\x01\x02", central)
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == encoded:
            struct.pack_into("<I", patched, central + 24, size)
            return bytes(patched)
        central += 4


def lying_size_bomb() -> bytes:
    """A sheet that declares 2 KB unpacked but unpacks to 5 MB: under every declared limit."""
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>'
        + " " * (5 * 1024 * 1024)
        + "</t></is></c></row>"
    )
    data = xlsx_from_sheet_xml(sheet_xml(rows))
    return _set_declared_size(data, "xl/worksheets/sheet1.xml", 2048)


def billion_laughs_shared_strings() -> bytes:
    shared = (
        f'{BILLION_LAUGHS}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    ).encode()
    return xlsx_from_sheet_xml(
        sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=shared
    )


def billion_laughs_sheet() -> bytes:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows, prolog=BILLION_LAUGHS))


def external_entity_sheet() -> bytes:
    prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows, prolog=prolog))


def utf16_sheet() -> bytes:
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').decode()
    return xlsx_from_sheet_xml(xml.encode("utf-16"))


def path_traversal() -> bytes:
    return zip_of(
        [
            *_workbook_parts(shared_strings=False),
            ("xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')),
            ("../../etc/cron.d/landfall", "* * * * * root true"),
        ]
    )


def duplicate_part() -> bytes:
    import warnings

    good = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
    far = sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns, and writes it all the same
        return zip_of(
            [
                *_workbook_parts(shared_strings=False),
                ("xl/worksheets/sheet1.xml", good),
                ("xl/worksheets/sheet1.xml", far),
            ]
        )


def too_many_columns(columns: int, rows: int = 2) -> bytes:
    return grid_xlsx(rows, columns)


def too_many_rows(rows: int) -> bytes:
    """``rows`` one-cell rows, written as text: 500,001 rows take under a second."""
    body = "".join(f'<row r="{row}"><c r="A{row}"><v>1</v></c></row>' for row in range(1, rows + 1))
    return xlsx_from_sheet_xml(sheet_xml(body))


def lying_dimension() -> bytes:
    """Declares A1:B2 and holds a cell in column 150 (EU)."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="EU2"><v>2</v></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows, dimension="A1:B2"))


def far_cell() -> bytes:
    """Two cells, A1 and XFD1048576: calamine would ask for 550 GB for the grid between."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    return xlsx_from_sheet_xml(sheet_xml(rows, dimension="A1:B2"))


def duplicate_reference() -> bytes:
    """A cell with two ``r`` attributes: calamine takes the last one."""
    rows = '<row r="1"><c r="A1" r="XFD1048576"><v>1</v></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows))


def implicit_columns(columns: int) -> bytes:
    """A row of cells without ``r``: each sits right of the one before."""
    rows = '<row r="1">' + "<c><v>1</v></c>" * columns + "</row>"
    return xlsx_from_sheet_xml(sheet_xml(rows))


def implicit_rows(rows: int) -> bytes:
    """Rows without ``r``, one cell each, under a header: they count from the last."""
    body = "".join("<row><c><v>1</v></c></row>" for _ in range(rows))
    return xlsx_from_sheet_xml(sheet_xml(body))


def prefixed_far_cell() -> bytes:
    """The same far cell, in elements with a namespace prefix."""
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="ZZ1"><x:v>2</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    return xlsx_from_sheet_xml(xml)


def lower_case_far_cell() -> bytes:
    rows = '<row r="1"><c r="a1"><v>1</v></c><c r="zz1"><v>2</v></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows))


def formatted_cells_beyond_the_data() -> bytes:
    """Style-only (self-closing) cells far right and far down, as Excel writes borders."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="ZZ1" s="1"/></row>'
        '<row r="900000"><c r="A900000" s="1"/></row>'
    )
    return xlsx_from_sheet_xml(sheet_xml(rows))


def unicode_prefixed_far_cell() -> bytes:
    """A prefix of non-ASCII letters: the element is still a cell to an XML reader."""
    xml = (
        f'<前:worksheet xmlns:前="{MAIN_NS}"><前:sheetData>'
        '<前:row r="1"><前:c r="A1"><前:v>1</前:v></前:c><前:c r="XFD1048576"><前:v>2</前:v></前:c>'
        "</前:row></前:sheetData></前:worksheet>"
    ).encode()
    return xlsx_from_sheet_xml(xml)


def self_closing_then_implicit() -> bytes:
    """A style-only cell far right, then a cell without ``r``: that one lands after it."""
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="XFC1" s="1"/><c><v>2</v></c></row>'
    return xlsx_from_sheet_xml(sheet_xml(rows))


def row_reset_inside_a_cell() -> bytes:
    """Row tags inside a cell, which a lenient parser skips and a naive scan obeys.

    A scan that believed the ``<row r="1"/>`` and the ``</row>`` inside the cells would
    see a small sheet; calamine would see row 4,000,000,000 and 300 columns.
    """
    cells = "<c><v>1</v></row></c>" * 300
    rows = f'<row r="4000000000"><c r="A1"><v>1</v><row r="1"/></c>{cells}</row>'
    return xlsx_from_sheet_xml(sheet_xml(rows))


def prefixed_sheet() -> bytes:
    """Elements with an ``x:`` prefix throughout, as the .NET Open XML SDK writes them."""
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>机构名称</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>国别</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>某某银行</x:t></x:is></x:c>'
        '<x:c r="B2"><x:v>86</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    return xlsx_from_sheet_xml(xml)
