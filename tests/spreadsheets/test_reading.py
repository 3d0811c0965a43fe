"""Opening uploaded spreadsheets: what is read, and every hostile file refused with a message."""

from __future__ import annotations

import datetime
import io

import defusedxml
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook as OpenpyxlWorkbook

from spreadsheets import reading
from spreadsheets.reading import SheetInfo, SpreadsheetRejected, open_workbook
from tests.spreadsheets import hostile


def read(data: bytes, sheet: str | None = None, *, name: str = "upload.xlsx") -> list[list]:
    with open_workbook(io.BytesIO(data), name=name) as workbook:
        return list(workbook.rows(sheet))


def refusal(data: bytes, *, name: str = "upload.xlsx", language: str = "en") -> str:
    """The message a file is refused with, whether at opening or when its sheet is read."""
    with (
        translation.override(language),
        pytest.raises(SpreadsheetRejected) as refused,
        open_workbook(io.BytesIO(data), name=name) as workbook,
    ):
        list(workbook.rows())
    return refused.value.message


# --- What a workbook gives --------------------------------------------------------


def test_it_reads_a_ledger_with_its_header_below_a_merged_title():
    rows = read(hostile.ledger_xlsx())
    assert rows[0] == [hostile.LEDGER_TITLE]  # the merged A1:F1 gives its value in A1 only
    assert rows[1] == []
    assert rows[2] == hostile.LEDGER_HEADER
    assert rows[3][:3] == ["上海某资产管理有限公司", "91310000MA1FL1234X", "美国"]


def test_it_reads_the_value_excel_cached_for_a_formula_never_the_formula():
    rows = read(hostile.ledger_xlsx())
    assert rows[3][5] == 10000
    assert rows[6] == ["合计", None, None, None, 5001.5]


def test_a_formula_excel_never_calculated_reads_as_none():
    rows = read(hostile.ledger_xlsx())
    assert rows[4] == ["某某银行", None, "中国香港", datetime.datetime(2021, 3, 5, 14, 30), 1.5]


def test_excel_dates_come_back_as_dates_not_serial_numbers():
    rows = read(hostile.ledger_xlsx())
    assert rows[3][3] == datetime.date(2021, 3, 5)
    assert type(rows[3][3]) is datetime.date
    assert rows[4][3] == datetime.datetime(2021, 3, 5, 14, 30)


def test_whole_numbers_are_ints_and_blank_rows_are_empty_lists():
    rows = read(hostile.ledger_xlsx())
    assert rows[3][4] == 5000 and type(rows[3][4]) is int
    assert rows[5] == []


def test_it_lists_hidden_sheets_and_offers_only_the_visible_ones():
    with open_workbook(io.BytesIO(hostile.ledger_xlsx())) as workbook:
        assert workbook.sheets == [
            SheetInfo(name="台账", hidden=False, rows=7, columns=6),
            SheetInfo(name="选项", hidden=True, rows=1, columns=2),
            SheetInfo(name="内部", hidden=True, rows=1, columns=1),
        ]
        assert [sheet.name for sheet in workbook.visible_sheets] == ["台账"]
        assert next(workbook.rows()) == [hostile.LEDGER_TITLE]


def test_it_reads_a_hidden_sheet_when_the_user_chooses_it():
    assert read(hostile.ledger_xlsx(), "选项") == [["是", "否"]]


def test_it_refuses_a_sheet_the_workbook_does_not_have():
    with (
        open_workbook(io.BytesIO(hostile.ledger_xlsx())) as workbook,
        translation.override("en"),
        pytest.raises(SpreadsheetRejected) as refused,
    ):
        workbook.rows("不存在")
    assert refused.value.message == "The workbook has no sheet named “不存在”."


def test_a_closed_workbook_reads_no_more_rows():
    workbook = open_workbook(io.BytesIO(hostile.ledger_xlsx()))
    workbook.close()
    with pytest.raises(ValueError):
        workbook.rows()


def test_it_reads_a_macro_enabled_workbook():
    assert read(hostile.xlsm_bytes(), name="台账.xlsm") == [[7]]


def test_it_knows_a_workbook_by_its_content_not_its_name():
    assert read(hostile.ledger_xlsx(), name="ledger.csv")[2] == hostile.LEDGER_HEADER
    assert read(hostile.csv_utf8_bom(), name="ledger.xlsx")[0] == ["机构名称", "国别", "注册资本"]


def test_a_sparse_sheet_streamed_with_openpyxl_reads_the_same_rows(monkeypatch):
    data = hostile.ledger_xlsx()
    by_calamine = {name: read(data, name) for name in ("台账", "选项")}
    monkeypatch.setattr(reading, "CALAMINE_MAX_CELLS", 0)
    assert {name: read(data, name) for name in ("台账", "选项")} == by_calamine


def test_style_only_cells_beyond_the_data_do_not_count():
    with open_workbook(io.BytesIO(hostile.formatted_cells_beyond_the_data())) as workbook:
        assert workbook.sheets[0].rows == 1 and workbook.sheets[0].columns == 2
        assert list(workbook.rows()) == [[1, 2]]


def test_data_that_starts_below_and_right_of_a1_keeps_its_row_and_column_numbers():
    rows_xml = '<row r="3"><c r="C3" t="inlineStr"><is><t>名称</t></is></c></row>'
    assert read(hostile.xlsx_from_sheet_xml(hostile.sheet_xml(rows_xml))) == [
        [],
        [],
        [None, None, "名称"],
    ]


def test_cells_without_references_sit_after_the_one_before():
    assert read(hostile.implicit_rows(3)) == [[1], [1], [1]]
    assert read(hostile.implicit_columns(3)) == [[1, 1, 1]]


def test_a_sheet_written_with_a_namespace_prefix_is_read_by_calamine(monkeypatch):
    def refuse(*args: object) -> None:
        raise AssertionError("a plain prefixed sheet went the slow way")

    monkeypatch.setattr(reading._XlsxReader, "_openpyxl_rows", refuse)
    assert read(hostile.prefixed_sheet()) == [["机构名称", "国别"], ["某某银行", 86]]


def test_a_sheet_calamine_could_misplace_is_streamed_by_openpyxl(monkeypatch):
    def refuse(*args: object) -> None:
        raise AssertionError("calamine was handed an untrusted sheet")

    monkeypatch.setattr(reading._XlsxReader, "_calamine_rows", refuse)
    assert read(hostile.implicit_columns(3)) == [[1, 1, 1]]


# --- CSV and other text -----------------------------------------------------------

CSV_ROWS = [
    ["机构名称", "国别", "注册资本"],
    ["上海某资产管理有限公司", "美国", "5000万元"],
    ["某某银行", "中国香港"],
]


@pytest.mark.parametrize(
    "make",
    [
        hostile.csv_utf8_bom,
        hostile.csv_gb18030,
        hostile.csv_gbk,
        hostile.tsv_utf8,
        hostile.csv_semicolon,
        hostile.unicode_text_utf16,
    ],
)
def test_it_reads_csv_and_tsv_in_the_encodings_offices_save(make):
    assert read(make(), name="台账.csv") == CSV_ROWS


def test_a_csv_file_is_one_sheet_named_after_the_file():
    with open_workbook(io.BytesIO(hostile.csv_gbk()), name="2021年台账.csv") as workbook:
        assert workbook.sheets == [SheetInfo(name="2021年台账", hidden=False, rows=3, columns=3)]


def test_quoted_csv_cells_keep_their_commas_and_line_breaks():
    data = '名称,备注\n"甲, 乙","第一行\n第二行"\n'.encode()
    assert read(data, name="x.csv") == [["名称", "备注"], ["甲, 乙", "第一行\n第二行"]]


# --- Where the file comes from ----------------------------------------------------


def test_it_opens_a_path_a_file_object_and_an_uploaded_file(tmp_path):
    data = hostile.ledger_xlsx()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(data)
    expected = read(data)
    with open_workbook(path) as workbook:
        assert list(workbook.rows()) == expected
    with open_workbook(str(path)) as workbook:
        assert list(workbook.rows()) == expected
    with path.open("rb") as handle, open_workbook(handle) as workbook:
        assert list(workbook.rows()) == expected
    upload = SimpleUploadedFile("台账.xlsx", data)
    with open_workbook(upload) as workbook:
        assert list(workbook.rows()) == expected


class _HugeUpload:
    """An upload that declares its size, and must not be read."""

    name = "huge.xlsx"
    size = 21 * 1024 * 1024

    def read(self, *args: object) -> bytes:
        raise AssertionError("read before the size was checked")


def test_the_size_is_checked_before_the_file_is_read():
    with translation.override("en"), pytest.raises(SpreadsheetRejected) as refused:
        open_workbook(_HugeUpload())
    assert "21.0\xa0MB; an import can take at most 20.0\xa0MB" in refused.value.message


def test_a_file_over_the_size_limit_is_refused(settings, tmp_path):
    settings.LANDFALL_IMPORT_MAX_BYTES = 1000
    path = tmp_path / "台账.xlsx"
    path.write_bytes(hostile.ledger_xlsx())
    with translation.override("en"), pytest.raises(SpreadsheetRejected) as refused:
        open_workbook(path)
    assert "an import can take at most 1000\xa0bytes" in refused.value.message
    assert "an import can take at most" in refusal(hostile.ledger_xlsx())


# --- Hostile files ----------------------------------------------------------------

HOSTILE = [
    (hostile.empty, "The file is empty."),
    (hostile.random_bytes, "contains binary data"),
    (hostile.pdf_named_xlsx, "looks like a PDF document, not a spreadsheet"),
    (hostile.png, "looks like an image, not a spreadsheet"),
    (hostile.docx, "looks like a Word document (.docx)"),
    (hostile.plain_zip, "looks like a zip archive"),
    (hostile.xlsb, "an Excel binary workbook (.xlsb)"),
    (hostile.legacy_xls, "an old-format Excel workbook (.xls), which Landfall does not read"),
    (hostile.encrypted_xlsx, "password-protected files can't be read. Remove the password"),
    (hostile.html_named_xls, "a web page (HTML)"),
    (hostile.excel_2003_xml, "an Excel 2003 XML spreadsheet"),
    (hostile.csv_with_nul, "contains binary data (such as NUL bytes)"),
    (hostile.csv_binary_garbage, "contains binary data"),
    (hostile.zip_bomb, "would unpack to 300.0\xa0MB, more than the 200.0\xa0MB"),
    (hostile.lying_size_bomb, "unpacks to more data than it declares"),
    (hostile.billion_laughs_shared_strings, "xl/sharedStrings.xml of the workbook declares XML"),
    (hostile.billion_laughs_sheet, "declares XML entities"),
    (hostile.external_entity_sheet, "declares XML entities"),
    (hostile.utf16_sheet, "not in the encoding Excel writes"),
    (hostile.path_traversal, "an unsafe name (../../etc/cron.d/landfall)"),
    (hostile.duplicate_part, "contains the part xl/worksheets/sheet1.xml twice"),
    (hostile.duplicate_reference, "The workbook is damaged"),
    (lambda: hostile.too_many_columns(101), "has 101 columns; an import can take at most 100."),
    (
        lambda: hostile.too_many_rows(500_001),
        "has 500,001 rows; an import can take at most 500,000.",
    ),
    (hostile.far_cell, "has 16,384 columns"),
    (hostile.lying_dimension, "has 151 columns"),
    (lambda: hostile.implicit_columns(101), "has 101 columns"),
    (hostile.prefixed_far_cell, "has 702 columns"),
    (hostile.lower_case_far_cell, "has 702 columns"),
    (hostile.unicode_prefixed_far_cell, "has 16,384 columns"),
    (hostile.self_closing_then_implicit, "has 16,384 columns"),
    (hostile.row_reset_inside_a_cell, "The workbook is damaged"),
]


@pytest.mark.parametrize("make, fragment", HOSTILE, ids=[fragment[:40] for _, fragment in HOSTILE])
def test_each_hostile_file_is_refused_with_a_clear_message(make, fragment):
    assert fragment in refusal(make())


ZH = [
    (hostile.encrypted_xlsx, "密码"),
    (hostile.legacy_xls, "旧版 Excel 工作簿(.xls)"),
    (hostile.pdf_named_xlsx, "PDF 文档"),
    (hostile.zip_bomb, "压缩炸弹"),
    (hostile.billion_laughs_sheet, "XML 实体"),
    (hostile.path_traversal, "名称不安全"),
    (lambda: hostile.too_many_columns(101), "有 101 列，导入最多只能接受 100 列"),
    (hostile.csv_with_nul, "二进制数据"),
    (hostile.empty, "文件是空的"),
]


@pytest.mark.parametrize("make, fragment", ZH, ids=[str(index) for index in range(len(ZH))])
def test_refusals_are_in_chinese_for_chinese_users(make, fragment):
    assert fragment in refusal(make(), language="zh-hans")


def test_a_part_compressed_past_the_ratio_is_refused_before_unpacking():
    message = refusal(hostile.zip_bomb(5))  # 5 MB: under the 200 MB total
    assert "xl/worksheets/sheet1.xml of the workbook is compressed" in message
    assert "more than the 100 times allowed" in message


def test_the_total_unpacked_size_is_limited(settings):
    settings.LANDFALL_IMPORT_MAX_UNCOMPRESSED = 4 * 1024 * 1024
    settings.LANDFALL_IMPORT_MAX_RATIO = 10**6
    assert "more than the 4.0\xa0MB an import may unpack" in refusal(hostile.zip_bomb(5))


def test_openpyxl_would_refuse_entities_too_because_defusedxml_is_installed():
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(io.BytesIO(hostile.billion_laughs_shared_strings()))
    assert isinstance(refused.value.__cause__, defusedxml.DefusedXmlException)


@pytest.mark.parametrize("columns, rows", [(5, 5), (6, 5), (5, 6)])
def test_a_sheet_at_the_limits_is_read_and_one_past_them_is_refused(settings, columns, rows):
    settings.LANDFALL_IMPORT_MAX_COLUMNS = 5
    settings.LANDFALL_IMPORT_MAX_ROWS = 5
    data = hostile.grid_xlsx(rows, columns)
    if columns == rows == 5:
        assert len(read(data)) == 5
    elif columns == 6:
        assert "has 6 columns; an import can take at most 5." in refusal(data)
    else:
        assert "has 6 rows; an import can take at most 5." in refusal(data)


def test_a_csv_past_the_limits_is_refused(settings):
    settings.LANDFALL_IMPORT_MAX_COLUMNS = 3
    settings.LANDFALL_IMPORT_MAX_ROWS = 2
    assert "has 3 rows; an import can take at most 2." in refusal(
        hostile.csv_utf8_bom(), name="台账.csv"
    )
    assert "has 4 columns; an import can take at most 3." in refusal(b"a,b,c,d\n", name="wide.csv")


def test_an_oversized_hidden_sheet_does_not_block_the_visible_one():
    book = OpenpyxlWorkbook()
    book.active.append(["机构名称", "国别"])
    wide = book.create_sheet("辅助")
    wide.sheet_state = "hidden"
    wide.append(list(range(150)))
    out = io.BytesIO()
    book.save(out)
    with open_workbook(io.BytesIO(out.getvalue())) as workbook:
        assert list(workbook.rows()) == [["机构名称", "国别"]]
        with translation.override("en"), pytest.raises(SpreadsheetRejected) as refused:
            workbook.rows("辅助")
    assert "“辅助” has 150 columns" in refused.value.message
