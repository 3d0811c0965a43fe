"""Tables of the values real ledgers (台账) hold, and what the importer reads from each."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import override

from crm.models import InstitutionType, InteractionKind, Ownership
from pipeline.models import LostReason, Vehicle
from plans.selectors import category_index
from spreadsheets.values import (
    Amount,
    CellError,
    ParsedDate,
    UnitHint,
    is_blank,
    match_categories,
    normalise_text,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_country,
    parse_date,
    parse_decimal,
    parse_int,
    parse_quarter,
    parse_unit,
    split_multi,
)


@pytest.fixture(autouse=True)
def english():
    """The messages are checked in English here; a test may switch to Chinese inside."""
    with override("en"):
        yield


D = datetime.date


def day(y: int, m: int, d: int) -> ParsedDate:
    return ParsedDate(D(y, m, d), "day")


def month(y: int, m: int) -> ParsedDate:
    return ParsedDate(D(y, m, 1), "month")


# ------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("  瀚海资产  ", "瀚海资产"),
        ("瀚海\u3000资产", "瀚海 资产"),  # full-width space
        ("ＵＳＣＣ", "USCC"),  # full-width letters
        ("９１３１００００", "91310000"),  # full-width digits
        ("Ｈａｎｈａｉ　Ａｓｓｅｔ", "Hanhai Asset"),
        ("a  b\t\tc\nd", "a b c d"),
        ("\ufeff瀚海\u200b资产", "瀚海资产"),  # BOM and zero-width space from CSV files
        (3.0, "3"),
        (3.5, "3.5"),
        (42, "42"),
        (Decimal("5000.50"), "5000.50"),
        (D(2021, 3, 5), "2021-03-05"),
        (datetime.datetime(2021, 3, 5), "2021-03-05"),
        (datetime.datetime(2021, 3, 5, 9, 30), "2021-03-05 09:30:00"),
    ],
)
def test_normalise_text_folds_width_and_collapses_spaces(cell, text):
    assert normalise_text(cell) == text


def test_normalise_text_keeps_the_lines_of_a_long_text_when_asked():
    cell = "  第一次拜访  \r\n\r\n  下一步：报送材料 "
    assert normalise_text(cell, multiline=True) == "第一次拜访\n\n下一步:报送材料"
    assert normalise_text(cell) == "第一次拜访 下一步:报送材料"


@pytest.mark.parametrize(
    "cell",
    [None, "", "   ", "\u3000", "-", "--", "—", "——", "–", "－", "/", "／", "\\", "无", " 无 ",
     "暂无", "N/A", "n/a", "#N/A", "null", "None", "..."],
)  # fmt: skip
def test_is_blank_treats_empty_cells_and_placeholders_as_not_given(cell):
    assert is_blank(cell)


@pytest.mark.parametrize(
    "cell", [0, 0.0, False, "0", "否", "No", "N", "瀚海", "-5", "1/2", "NA", D(2021, 3, 5)]
)
def test_is_blank_keeps_real_values(cell):
    assert not is_blank(cell)


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("银行、证券", ["银行", "证券"]),
        ("银行，证券", ["银行", "证券"]),
        ("银行,证券", ["银行", "证券"]),
        ("银行;证券；信托", ["银行", "证券", "信托"]),
        ("银行/证券", ["银行", "证券"]),
        ("银行\n证券\r\n信托", ["银行", "证券", "信托"]),
        (" 银行 、、 证券 ,", ["银行", "证券"]),
        ("北京, 深圳前海, Hong Kong", ["北京", "深圳前海", "Hong Kong"]),
        ("银行、银行", ["银行"]),
        ("ＥＳＧ／碳金融", ["ESG", "碳金融"]),
        ("", []),
        (None, []),
    ],
)
def test_split_multi_splits_on_every_separator_ledgers_use(cell, items):
    assert split_multi(cell) == items


# ---------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("3.0", 3),
        (" 3 ", 3),
        ("１２", 12),
        ("1,000", 1000),
        ("1，000", 1000),  # full-width comma
        (Decimal("7"), 7),
        ("50人", 50),
        ("60%", 60),
        ("-2", -2),
        ("1.5E+03", 1500),
    ],
)
def test_parse_int_reads_whole_numbers_however_written(cell, number):
    assert parse_int(cell) == number


@pytest.mark.parametrize("cell", [3.5, "3.5", "三", "abc", True, "1,00", "12a"])
def test_parse_int_refuses_what_is_not_a_whole_number(cell):
    with pytest.raises(CellError) as error:
        parse_int(cell)
    assert "whole number" in error.value.message


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        (1234.5, Decimal("1234.5")),
        (0.1, Decimal("0.1")),  # not 0.1000000000000000055511151231257827
        ("1,234.5", Decimal("1234.5")),
        ("１２３４．５", Decimal("1234.5")),
        ("80%", Decimal("80")),
        (" 12 ", Decimal("12")),
        (7, Decimal("7")),
        ("1.5E+07", Decimal("1.5E+7")),
    ],
)
def test_parse_decimal_reads_numbers_exactly(cell, number):
    assert parse_decimal(cell) == number


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "NaN", "inf", float("nan"), True, "1,2"])
def test_parse_decimal_refuses_what_is_not_a_number(cell):
    with pytest.raises(CellError):
        parse_decimal(cell)


@pytest.mark.parametrize(
    "parse", [parse_int, parse_decimal, parse_bool, parse_date, parse_amount, parse_country,
              parse_quarter]
)  # fmt: skip
@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000"])
def test_every_parser_reports_a_blank_cell_as_blank(parse, cell):
    with pytest.raises(CellError) as error:
        parse(cell)
    assert error.value.code == "blank"


# ----------------------------------------------------------------------- yes/no


@pytest.mark.parametrize(
    ("cell", "answer"),
    [
        ("是", True), ("否", False), ("Y", True), ("N", False), ("y", True), ("n", False),
        ("Yes", True), ("No", False), ("YES", True), ("TRUE", True), ("FALSE", False),
        ("True", True), ("false", False), ("√", True), ("✓", True), ("✔", True),
        ("×", False), ("✗", False), ("1", True), ("0", False), ("有", True), ("无", False),
        (" 是 ", True), ("Ｙ", True), ("是的", True), ("不是", False),
        (True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False),
    ],
)  # fmt: skip
def test_parse_bool_reads_the_ways_ledgers_say_yes_and_no(cell, answer):
    assert parse_bool(cell) is answer


@pytest.mark.parametrize("cell", ["也许", "待定", "2", 2, "yes please", D(2021, 1, 1)])
def test_parse_bool_refuses_anything_else(cell):
    with pytest.raises(CellError) as error:
        parse_bool(cell)
    assert error.value.code == "invalid"
    assert "是" in error.value.message


# ------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        # Excel dates as openpyxl and calamine give them
        (datetime.datetime(2021, 3, 5, 0, 0), day(2021, 3, 5)),
        (datetime.datetime(2021, 3, 5, 14, 30), day(2021, 3, 5)),
        (D(2021, 3, 5), day(2021, 3, 5)),
        # Excel serial numbers, from a cell that lost its date format
        (44260, day(2021, 3, 5)),
        (44260.0, day(2021, 3, 5)),
        (44260.75, day(2021, 3, 5)),
        ("44260", day(2021, 3, 5)),
        (61, day(1900, 3, 1)),
        # text
        ("2021-03-05", day(2021, 3, 5)),
        ("2021-3-5", day(2021, 3, 5)),
        ("2021/3/5", day(2021, 3, 5)),
        ("2021/03/05", day(2021, 3, 5)),
        ("2021.3.5", day(2021, 3, 5)),
        ("2021年3月5日", day(2021, 3, 5)),
        ("2021年03月05日", day(2021, 3, 5)),
        ("2021年3月5号", day(2021, 3, 5)),
        ("2021 年 3 月 5 日", day(2021, 3, 5)),
        ("２０２１年３月５日", day(2021, 3, 5)),
        ("２０２１－０３－０５", day(2021, 3, 5)),
        ("2021-03-05   ", day(2021, 3, 5)),
        ("\u30002021/3/5\u3000", day(2021, 3, 5)),
        ("2021-03-05 00:00:00", day(2021, 3, 5)),
        ("2021-03-05T09:30:00+08:00", day(2021, 3, 5)),
        ("20210305", day(2021, 3, 5)),
        (20210305, day(2021, 3, 5)),
        # month precision
        ("2021.3", month(2021, 3)),
        ("2021.03", month(2021, 3)),
        ("2021.10", month(2021, 10)),
        ("2021.1", month(2021, 1)),  # as text the 0 of .10 cannot have been lost
        ("2021-03", month(2021, 3)),
        ("2021/3", month(2021, 3)),
        ("2021年3月", month(2021, 3)),
        ("2021年3月份", month(2021, 3)),
        ("２０２１年３月", month(2021, 3)),
        ("202103", month(2021, 3)),
        (2021.3, month(2021, 3)),  # typed as 2021.3 into a number cell
        (2021.12, month(2021, 12)),
        (2021.05, month(2021, 5)),
    ],
)
def test_parse_date_reads_the_dates_ledgers_hold(cell, parsed):
    assert parse_date(cell) == parsed


@pytest.mark.parametrize(
    ("cell", "code", "says"),
    [
        ("2021-13-01", "invalid", "no such month or day"),
        ("2021-02-30", "invalid", "no such month or day"),
        ("2021年2月29日", "invalid", "no such month or day"),
        ("2021.13", "invalid", "no such month or day"),
        ("明年", "invalid", "2021-03-05"),
        ("上半年", "invalid", "2021-03-05"),
        ("3/5/2021", "invalid", "2021-03-05"),  # day or month first? refused
        ("05-03-2021", "invalid", "2021-03-05"),
        ("2021", "invalid", "a year"),
        (2021, "invalid", "a year"),
        (2021.0, "invalid", "a year"),
        (2021.1, "ambiguous", "January or October"),
        ("1899-12-31", "invalid", "between 1900 and 2100"),
        ("2101-01-01", "invalid", "between 1900 and 2100"),
        (-5, "invalid", "2021-03-05"),
        (3_000_000, "invalid", "2021-03-05"),
        (True, "invalid", "2021-03-05"),
        (datetime.time(9, 30), "invalid", "2021-03-05"),
    ],
)
def test_parse_date_refuses_bad_dates_with_a_clear_message(cell, code, says):
    with pytest.raises(CellError) as error:
        parse_date(cell)
    assert error.value.code == code
    assert says in error.value.message
    assert str(cell).strip()[:10] in error.value.message  # quotes what the cell held


# --------------------------------------------------------------------- quarters


@pytest.mark.parametrize(
    ("cell", "quarter"),
    [
        ("2025Q4", (2025, 4)),
        ("2025q4", (2025, 4)),
        ("2025 Q4", (2025, 4)),
        ("2025-Q4", (2025, 4)),
        ("２０２５Ｑ４", (2025, 4)),
        ("Q4 2025", (2025, 4)),
        ("4Q2025", (2025, 4)),
        ("2025年Q4", (2025, 4)),
        ("2025年第四季度", (2025, 4)),
        ("2025年四季度", (2025, 4)),
        ("2025年第4季度", (2025, 4)),
        ("2025年4季度", (2025, 4)),
        ("2025年第四季度末", (2025, 4)),
        ("2026年三季度", (2026, 3)),
        ("2026年第一季度", (2026, 1)),
        ("2026年第二季", (2026, 2)),
        ("2025-12-31", (2025, 4)),
        ("2025/9/30", (2025, 3)),
        ("2025年6月30日", (2025, 2)),
        (D(2025, 3, 31), (2025, 1)),
        (datetime.datetime(2025, 12, 31), (2025, 4)),
        (46022, (2025, 4)),  # the Excel serial of 2025-12-31
    ],
)
def test_parse_quarter_reads_periods_and_landing_quarters(cell, quarter):
    assert parse_quarter(cell) == quarter


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("2025.4", "ambiguous"),  # April, or the fourth quarter?
        (2025.4, "ambiguous"),
        ("2025年4月", "ambiguous"),
        ("2025-11-15", "invalid"),  # not a quarter's last day
        ("2025Q5", "invalid"),
        ("2025年第五季度", "invalid"),
        ("下季度", "invalid"),
        ("Q4", "invalid"),
    ],
)
def test_parse_quarter_refuses_what_is_not_clearly_a_quarter(cell, code):
    with pytest.raises(CellError) as error:
        parse_quarter(cell)
    assert error.value.code == code
    assert "2025Q4" in error.value.message


# ---------------------------------------------------------------------- amounts


def cny(amount: str) -> Amount:
    return Amount(Decimal(amount), "CNY")


@pytest.mark.parametrize(
    ("cell", "hint", "amount"),
    [
        # 万 and 亿
        ("5000万元", None, cny("5000")),
        ("5000万", None, cny("5000")),
        ("5,000万元", None, cny("5000")),
        ("5000.5万元", None, cny("5000.5")),
        ("1.2亿", None, cny("12000")),
        ("1.2亿元", None, cny("12000")),
        ("１.２亿元", None, cny("12000")),
        ("5000万元人民币", None, cny("5000")),
        ("人民币5000万元", None, cny("5000")),
        ("RMB 5000万", None, cny("5000")),
        ("¥5000万", None, cny("5000")),
        ("￥5000万", None, cny("5000")),
        ("约1亿", None, cny("10000")),
        ("5000万元左右", None, cny("5000")),
        ("500千元", None, cny("50")),
        # yuan
        ("3000000元", None, cny("300")),
        ("3,000,000元", None, cny("300")),
        ("3,000,000", "yuan", cny("300")),
        (3000000, "yuan", cny("300")),
        ("1234元", None, cny("0.12")),  # stored to 0.01 万, i.e. 100 yuan
        ("3.00E+06", "yuan", cny("300")),  # a CSV saved from a narrow Excel column
        # bare numbers take the column's unit, 万 unless told
        ("5000", None, cny("5000")),
        (5000, None, cny("5000")),
        (5000.0, None, cny("5000")),
        (Decimal("5000"), None, cny("5000")),
        ("5000", "wan", cny("5000")),
        ("1.5", "yi", cny("15000")),
        ("０", None, cny("0")),
        # foreign currencies
        ("USD 20m", None, Amount(Decimal("2000"), "USD")),
        ("USD20M", None, Amount(Decimal("2000"), "USD")),
        ("US$20 million", None, Amount(Decimal("2000"), "USD")),
        ("$5m", None, Amount(Decimal("500"), "USD")),
        ("$1.5bn", None, Amount(Decimal("150000"), "USD")),
        ("20 million USD", None, Amount(Decimal("2000"), "USD")),
        ("USD 500k", None, Amount(Decimal("50"), "USD")),
        ("HKD 1,000万", None, Amount(Decimal("1000"), "HKD")),
        ("HK$ 3m", None, Amount(Decimal("300"), "HKD")),
        ("港币500万", None, Amount(Decimal("500"), "HKD")),
        ("500万港元", None, Amount(Decimal("500"), "HKD")),
        ("美元2000万", None, Amount(Decimal("2000"), "USD")),
        ("5000万美元", None, Amount(Decimal("5000"), "USD")),
        ("5000美元", None, Amount(Decimal("0.5"), "USD")),
        ("EUR 3.5m", None, Amount(Decimal("350"), "EUR")),
        ("€3.5m", None, Amount(Decimal("350"), "EUR")),
        ("3000万欧元", None, Amount(Decimal("3000"), "EUR")),
        ("GBP 10m", None, Amount(Decimal("1000"), "GBP")),
        ("100亿日元", None, Amount(Decimal("1000000"), "JPY")),
        ("SGD 2m", None, Amount(Decimal("200"), "SGD")),
        ("CHF 1m", None, Amount(Decimal("100"), "CHF")),
        ("ｕｓｄ　２０ｍ", None, Amount(Decimal("2000"), "USD")),
    ],
)
def test_parse_amount_reads_amounts_with_their_units_and_currency(cell, hint, amount):
    assert parse_amount(cell, unit_hint=hint) == amount


def test_parse_amount_takes_the_columns_currency_for_a_bare_number():
    assert parse_amount("5000", default_currency="USD") == Amount(Decimal("5000"), "USD")
    assert parse_amount("5000万元", default_currency="USD") == cny("5000")  # the cell says 元


@pytest.mark.parametrize(
    ("cell", "code", "says"),
    [
        ("AUD 20m", "currency", "AUD"),
        ("5000万澳元", "currency", "澳元"),
        ("$5m HKD", "currency", "two currencies"),
        ("¥5000万美元", "currency", "two currencies"),
        ("-5000", "invalid", "negative"),
        ("5000-8000万", "invalid", "5000万元"),
        ("五千万", "invalid", "5000万元"),
        ("待定", "invalid", "5000万元"),
        ("1,2万", "invalid", "5000万元"),
        (True, "invalid", "5000万元"),
        (-1, "invalid", "negative"),
        ("1e20亿", "invalid", "too large"),
        (10**20, "invalid", "too large"),
    ],
)
def test_parse_amount_refuses_bad_amounts_and_unknown_currencies(cell, code, says):
    with pytest.raises(CellError) as error:
        parse_amount(cell)
    assert error.value.code == code
    assert says in error.value.message


def test_parse_amount_rejects_a_unit_hint_it_does_not_know():
    with pytest.raises(ValueError, match="unit hint"):
        parse_amount("5000", unit_hint="lakh")
    with pytest.raises(ValueError, match="currency"):
        parse_amount("5000", default_currency="AUD")


@pytest.mark.parametrize(
    ("label", "hint"),
    [
        ("万元", UnitHint("wan", "CNY")),
        ("万美元", UnitHint("wan", "USD")),
        ("万港元", UnitHint("wan", "HKD")),
        ("亿元", UnitHint("yi", "CNY")),
        ("元", UnitHint("yuan", "CNY")),
        ("人民币万元", UnitHint("wan", "CNY")),
        ("万元人民币", UnitHint("wan", "CNY")),
        ("万", UnitHint("wan", None)),
        ("USD", UnitHint("yuan", "USD")),
        ("USD m", UnitHint("million", "USD")),
        ("USD million", UnitHint("million", "USD")),
        ("CNY 10,000", UnitHint("wan", "CNY")),
        ("10,000 yuan", UnitHint("wan", "CNY")),
        ("USD'000", UnitHint("thousand", "USD")),
        ("%", None),
        ("人", None),
        ("必填", None),
        ("", None),
    ],
)
def test_parse_unit_reads_the_unit_a_label_states(label, hint):
    assert parse_unit(label) == hint


# -------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("美国", "US"), ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("US", "US"),
        ("United States", "US"), ("United States of America", "US"), ("united states", "US"),
        ("英国", "GB"), ("UK", "GB"), ("United Kingdom", "GB"), ("GB", "GB"), ("GBR", "GB"),
        ("中国香港", "HK"), ("香港", "HK"), ("香港特别行政区", "HK"), ("中国香港特别行政区", "HK"),
        ("Hong Kong SAR", "HK"), ("Hong Kong", "HK"), ("hong kong", "HK"), ("HK", "HK"),
        ("hk", "HK"), ("HKG", "HK"), ("Hong Kong SAR, China", "HK"), ("中國香港", "HK"),
        ("澳门", "MO"), ("中国澳门", "MO"), ("Macao SAR", "MO"), ("Macau", "MO"),
        ("中国台湾", "TW"), ("台湾", "TW"), ("Taiwan", "TW"),
        ("新加坡", "SG"), ("Singapore", "SG"), ("SG", "SG"), ("SGP", "SG"),
        ("日本", "JP"), ("Japan", "JP"), ("德国", "DE"), ("Germany", "DE"),
        ("法国", "FR"), ("France", "FR"), ("瑞士", "CH"), ("Switzerland", "CH"),
        ("开曼群岛", "KY"), ("开曼", "KY"), ("Cayman Islands", "KY"),
        ("英属维尔京群岛", "VG"), ("BVI", "VG"), ("British Virgin Islands", "VG"),
        ("百慕大", "BM"), ("Bermuda", "BM"), ("卢森堡", "LU"), ("荷兰", "NL"),
        ("The Netherlands", "NL"), ("韩国", "KR"), ("South Korea", "KR"),
        ("澳大利亚", "AU"), ("加拿大", "CA"), ("阿联酋", "AE"), ("中国", "CN"), ("中国大陆", "CN"),
        ("毛里求斯", "MU"), ("爱尔兰", "IE"), ("Ireland", "IE"), ("挪威", "NO"),
        ("冰岛", "IS"),  # a name only django-countries knows, in Chinese
        ("Iceland", "IS"),
        # case, spaces and width do not matter
        ("  ＵＳＡ　", "US"), ("ｈｏｎｇ　ｋｏｎｇ", "HK"), ("美国 ", "US"), ("u.s.a", "US"),
    ],
)  # fmt: skip
def test_parse_country_reads_chinese_english_and_iso_codes(cell, code):
    assert parse_country(cell) == code


@pytest.mark.parametrize("cell", ["火星", "Atlantis", "XX", "亚洲", "欧洲"])
def test_parse_country_refuses_what_is_no_country(cell):
    with pytest.raises(CellError) as error:
        parse_country(cell)
    assert cell in error.value.message
    assert "Hong Kong SAR" in error.value.message


# ---------------------------------------------------------------------- choices


@pytest.mark.parametrize(
    ("cell", "choices", "value"),
    [
        ("bank", InstitutionType, "bank"),
        ("BANK", InstitutionType, "bank"),
        ("Ｂａｎｋ", InstitutionType, "bank"),
        ("银行", InstitutionType, "bank"),
        ("Bank", InstitutionType, "bank"),
        ("public-fund", InstitutionType, "public-fund"),
        ("public fund", InstitutionType, "public-fund"),
        ("公募基金管理公司", InstitutionType, "public-fund"),
        ("Public fund manager", InstitutionType, "public-fund"),
        ("AMC", InstitutionType, "amc"),  # the bracket of 资产管理公司(AMC)
        ("外资独资", Ownership, "wfoe"),
        ("Wholly foreign-owned", Ownership, "wfoe"),
        ("wholly foreign owned", Ownership, "wfoe"),
        ("中外合资", Ownership, "joint-venture"),
        ("央企", Ownership, "central-soe"),
        ("拜访", InteractionKind, "visit"),
        ("E-mail", InteractionKind, "email"),
        ("email", InteractionKind, "email"),
        ("地区总部", Vehicle, "regional-hq"),
        ("WFOE", Vehicle, "wfoe-fund-manager"),
        ("选择了其他地区", LostReason, "other-location"),
        (" 成本 ", LostReason, "cost"),
    ],
)
def test_parse_choice_matches_code_chinese_label_or_english_label(cell, choices, value):
    assert parse_choice(cell, choices) == value


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_parse_choice_does_not_depend_on_the_active_language(language):
    with override(language):
        assert parse_choice("银行", InstitutionType) == "bank"
        assert parse_choice("Bank", InstitutionType) == "bank"


@pytest.mark.parametrize(
    ("cell", "value"),
    [("外资", "wfoe"), ("外商独资", "wfoe"), ("国企", "local-soe"), ("民企", "private")],
)
def test_parse_choice_takes_the_ledgers_own_words(cell, value):
    synonyms = {
        "外资": Ownership.WFOE,
        "外商独资": "wfoe",
        "国企": Ownership.LOCAL_SOE,
        "民企": Ownership.PRIVATE,
    }
    assert parse_choice(cell, Ownership, synonyms=synonyms) == value


def test_parse_choice_names_the_choices_when_nothing_matches():
    with pytest.raises(CellError) as error, override("en"):
        parse_choice("合伙企业", Ownership)
    with override("en"):
        assert "合伙企业" in error.value.message
        assert "Wholly foreign-owned" in error.value.message


def test_a_cell_errors_message_speaks_the_language_active_when_it_is_read():
    with pytest.raises(CellError) as error:
        parse_choice("合伙企业", Ownership)
    with override("zh-hans"):
        assert "外资独资" in error.value.message
    with override("en"):
        assert "Wholly foreign-owned" in error.value.message


def test_parse_choice_refuses_a_synonym_that_names_no_choice():
    with pytest.raises(ValueError, match="not a value"):
        parse_choice("外资", Ownership, synonyms={"外资": "foreign"})


# ------------------------------------------------------------------- categories


@pytest.fixture
def categories(plan, user):
    """The shipped plan's categories as the importer sees them: code → id."""
    return category_index(user=user), dict(plan.categories.values_list("code", "pk"))


@pytest.mark.parametrize(
    ("cell", "codes", "unknown"),
    [
        ("银行", ["finance-bank"], []),
        ("Banking", ["finance-bank"], []),
        ("finance-bank", ["finance-bank"], []),
        ("银行、证券", ["finance-bank", "finance-securities"], []),
        ("银行，证券;信托", ["finance-bank", "finance-securities", "finance-trust"], []),
        ("资产管理/融资租赁", ["asset-management", "financial-leasing"], []),
        ("银行\n保险经纪", ["finance-bank", "finance-insurance-brokerage"], []),
        ("Asset management, Financial leasing", ["asset-management", "financial-leasing"], []),
        ("ASSET MANAGEMENT", ["asset-management"], []),
        ("ａｓｓｅｔ－ｍａｎａｇｅｍｅｎｔ", ["asset-management"], []),
        ("金融业", ["finance"], []),
        ("金融", ["finance"], []),  # 金融业 written without 业
        ("银行业", ["finance-bank"], []),
        # names that hold a separator match whole, and by their pieces
        ("绿色金融/ESG/碳金融", ["theme-green-finance"], []),
        ("绿色金融/ESG/碳金融、银行", ["theme-green-finance", "finance-bank"], []),
        ("Green finance, ESG and carbon finance", ["theme-green-finance"], []),
        ("ESG", ["theme-green-finance"], []),
        ("QFII/RQFII", ["cb-qfii"], []),
        ("RQFII", ["cb-qfii"], []),
        ("合格境外有限合伙人(QFLP)", ["cb-qflp"], []),
        ("合格境外有限合伙人（QFLP）", ["cb-qflp"], []),
        ("QFLP", ["cb-qflp"], []),
        ("亚太区/全球总部", ["hq-apac-global"], []),
        ("不良资产", ["finance-amc"], []),
        # unknown names come back, not dropped
        ("银行、元宇宙", ["finance-bank"], ["元宇宙"]),
        ("元宇宙；Web3", [], ["元宇宙", "Web3"]),
        ("银行、银行业、Banking", ["finance-bank"], []),
        ("", [], []),
    ],
)
def test_match_categories_finds_the_plans_categories_by_name_or_code(
    categories, cell, codes, unknown
):
    index, ids = categories
    assert match_categories(index, split_multi(cell)) == ([ids[c] for c in codes], unknown)


def test_match_categories_takes_the_cell_itself(categories):
    index, ids = categories
    assert match_categories(index, "银行、证券") == (
        [ids["finance-bank"], ids["finance-securities"]],
        [],
    )


def test_match_categories_reads_the_database_once_per_index(categories, django_assert_num_queries):
    index, _ids = categories
    with django_assert_num_queries(1):
        for _ in range(100):
            match_categories(index, ["银行", "证券", "元宇宙"])
