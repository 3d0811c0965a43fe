"""Tables of the headers real ledgers (台账) use, and the header row found below their titles."""

from __future__ import annotations

import datetime

import pytest
from django.utils.translation import override

from spreadsheets.headers import (
    KINDS,
    SYNONYMS,
    HeaderRowNotFound,
    UnitHint,
    auto_map,
    find_header_row,
    normalise_header,
    unit_hint_above,
    unit_hints,
)
from spreadsheets.values import CellError

# The fields of each kind: the contract with the importer (see docs/spreadsheets-values.md).
FIELDS = {
    "institutions": [
        "name_zh", "name_en", "uscc", "lei", "institution_type", "ownership", "country",
        "parent_country", "status", "licensed", "national_first", "foreign_controlled",
        "regulator", "building", "registered_capital", "categories", "website", "description",
        "owner", "team", "aliases", "contact_name", "contact_title", "contact_phone",
        "contact_email",
    ],
    "interactions": [
        "institution", "uscc", "date", "kind", "summary", "outcome", "next_step", "officers",
        "team", "contacts",
    ],
    "projects": [
        "institution", "uscc", "title", "vehicle", "categories", "owner", "team", "stage",
        "stage_date", "probability", "expected_registered_capital", "expected_landing",
        "expected_jobs", "competing_locations", "lost_reason", "lost_note", "hold_reason",
        "confidential", "code_name", "registration_date", "registered_capital", "building",
    ],
    "measurements": ["target", "period", "year", "quarter", "value", "note"],
}  # fmt: skip


def test_synonyms_cover_every_field_of_every_kind_and_nothing_else():
    assert set(KINDS) == set(FIELDS)
    for kind, fields in FIELDS.items():
        assert list(SYNONYMS[kind]) == fields


@pytest.mark.parametrize(
    ("kind", "field", "name"),
    [(kind, field, name) for kind in SYNONYMS for field, names in SYNONYMS[kind].items()
     for name in (field, *names)],
)  # fmt: skip
def test_every_synonym_maps_to_its_own_field(kind, field, name):
    assert auto_map(kind, [name]) == {0: field}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # names: the examples, and what ledgers write
        ("机构名称", "name_zh"),
        ("企业名称", "name_zh"),
        ("名称", "name_zh"),
        ("Name", "name_zh"),
        ("NAME", "name_zh"),
        (" 企业 名称 ", "name_zh"),
        ("*企业名称", "name_zh"),  # a template's required mark
        ("企业名称（必填）", "name_zh"),
        ("公司全称", "name_zh"),
        ("英文名称", "name_en"),
        ("Name (English)", "name_en"),
        ("ＥＮＧＬＩＳＨ　ＮＡＭＥ", "name_en"),
        ("曾用名", "aliases"),
        # identifiers
        ("统一社会信用代码", "uscc"),
        ("信用代码", "uscc"),
        ("USCC", "uscc"),
        ("ＵＳＣＣ", "uscc"),
        ("uscc", "uscc"),
        ("统一社会信用代码\n（18位）", "uscc"),
        ("LEI", "lei"),
        ("LEI(全球法人识别编码)", "lei"),
        # where from
        ("国别", "country"),
        ("国家", "country"),
        ("来源地", "country"),
        ("Country", "country"),
        ("国别（地区）", "country"),
        ("国家/地区", "country"),
        ("外资来源地", "country"),
        ("投资方国别", "country"),
        ("母公司国别", "parent_country"),
        ("最终控股方国别(地区)", "parent_country"),
        # what it is
        ("机构类型", "institution_type"),
        ("企业性质", "ownership"),
        ("所属行业", "categories"),
        ("行业类别", "categories"),
        ("Sector", "categories"),
        ("是否持牌", "licensed"),
        ("是否全国首家", "national_first"),
        ("外资控股", "foreign_controlled"),
        ("监管部门", "regulator"),
        ("招商状态", "status"),
        # money, with the unit in the header
        ("注册资本(万元)", "registered_capital"),
        ("注册资本（万元）", "registered_capital"),
        ("注册资本（万美元）", "registered_capital"),
        ("注册资本\n(万元)", "registered_capital"),
        ("注册资金", "registered_capital"),
        ("Registered capital (USD m)", "registered_capital"),
        ("认缴注册资本（万元）", "registered_capital"),
        # who and where
        ("跟进人", "owner"),
        ("负责人", "owner"),
        ("招商专员", "owner"),
        ("首席企业服务专员", "owner"),
        ("所属部门", "team"),
        ("楼宇", "building"),
        ("所在楼宇", "building"),
        ("入驻楼宇", "building"),
        ("楼宇名称", "building"),
        # contacts
        ("联系人", "contact_name"),
        ("联系人职务", "contact_title"),
        ("联系电话", "contact_phone"),
        ("手机号码", "contact_phone"),
        ("企业联系人电话", "contact_phone"),  # contains 联系人电话
        ("电子邮箱", "contact_email"),
        ("E-mail", "contact_email"),
        ("Email", "contact_email"),
        ("网址", "website"),
        ("备注", "description"),
        ("企业简介", "description"),
    ],
)
def test_auto_map_reads_institution_ledger_headers(header, field):
    assert auto_map("institutions", [header]) == {0: field}


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("projects", "项目名称", "title"),
        ("projects", "投资方", "institution"),
        ("projects", "企业名称", "institution"),
        ("projects", "设立形式", "vehicle"),
        ("projects", "项目阶段", "stage"),
        ("projects", "状态", "stage"),
        ("projects", "落地概率（%）", "probability"),
        ("projects", "拟注册资本（万元）", "expected_registered_capital"),
        ("projects", "预计注册资本（万美元）", "expected_registered_capital"),
        ("projects", "预计落地时间", "expected_landing"),
        ("projects", "预计落地季度", "expected_landing"),
        ("projects", "预计就业人数", "expected_jobs"),
        ("projects", "竞争城市", "competing_locations"),
        ("projects", "流失原因", "lost_reason"),
        ("projects", "搁置原因", "hold_reason"),
        ("projects", "是否保密", "confidential"),
        ("projects", "项目代号", "code_name"),
        ("projects", "落地时间", "registration_date"),
        ("projects", "注册时间", "registration_date"),
        ("projects", "成立日期", "registration_date"),
        ("projects", "注册资本（万元）", "registered_capital"),
        ("projects", "所在楼宇", "building"),
        ("projects", "跟进人", "owner"),
        ("projects", "所属行业", "categories"),
        ("interactions", "拜访日期", "date"),
        ("interactions", "走访企业", "institution"),
        ("interactions", "接洽方式", "kind"),
        ("interactions", "拜访内容", "summary"),
        ("interactions", "下一步计划", "next_step"),
        ("interactions", "拜访人员", "officers"),
        ("interactions", "对方人员", "contacts"),
        ("interactions", "统一社会信用代码", "uscc"),
        ("measurements", "指标名称", "target"),
        ("measurements", "指标代码", "target"),
        ("measurements", "统计期间", "period"),
        ("measurements", "年度", "year"),
        ("measurements", "季度", "quarter"),
        ("measurements", "数值", "value"),
        ("measurements", "Value", "value"),
        ("measurements", "备注", "note"),
    ],
)
def test_auto_map_reads_the_headers_of_every_kind(kind, header, field):
    assert auto_map(kind, [header]) == {0: field}


@pytest.mark.parametrize(
    "header", ["序号", "No.", "#", "S/N", "", None, 2023, "合计", "办公地址", "xyz", "金额"]
)
def test_auto_map_leaves_out_columns_that_name_no_field(header):
    assert auto_map("institutions", [header]) == {}


def test_auto_map_maps_a_whole_ledger_and_each_field_once():
    headers = [
        "序号", "企业名称", "英文名称", "统一社会信用代码", "国别", "所属行业",
        "注册资本（万元）", "成立日期", "所在楼宇", "跟进人", "联系人", "联系电话",
        "名称", "备注", None, "自定义列",
    ]  # fmt: skip
    assert auto_map("institutions", headers) == {
        1: "name_zh",
        2: "name_en",
        3: "uscc",
        4: "country",
        5: "categories",
        6: "registered_capital",
        8: "building",
        9: "owner",
        10: "contact_name",
        11: "contact_phone",
        13: "description",
    }  # 名称 comes second to 企业名称; 成立日期 is no institution field


def test_auto_map_gives_a_field_to_an_exact_header_before_one_that_contains_it():
    assert auto_map("institutions", ["拟注册资本", "注册资本（万元）"]) == {1: "registered_capital"}
    assert auto_map("institutions", ["Name", "Name (English)"]) == {0: "name_zh", 1: "name_en"}


def test_auto_map_refuses_a_kind_it_does_not_know():
    with pytest.raises(ValueError, match="kind"):
        auto_map("buildings", ["名称"])


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("注册资本（万元）", "注册资本"),
        (" Ｎａｍｅ ", "name"),
        ("企业 名称", "企业名称"),
        ("*机构名称：", "机构名称"),
        ("E-mail", "email"),
        ("国家/地区", "国家地区"),
        ("（万元）", "万元"),  # nothing outside the bracket: keep its content
        (None, ""),
        (2023, "2023"),
    ],
)
def test_normalise_header_folds_case_width_spaces_and_brackets(header, key):
    assert normalise_header(header) == key


# ------------------------------------------------------------------------ units


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("注册资本（万元）", UnitHint("wan", "CNY")),
        ("注册资本(万元)", UnitHint("wan", "CNY")),
        ("注册资本（万美元）", UnitHint("wan", "USD")),
        ("注册资本（万港元）", UnitHint("wan", "HKD")),
        ("注册资本(亿元)", UnitHint("yi", "CNY")),
        ("注册资本（万）", UnitHint("wan", None)),
        ("注册资本（元）", UnitHint("yuan", "CNY")),
        ("注册资本（单位：万元）", UnitHint("wan", "CNY")),
        ("注册资本万元", UnitHint("wan", "CNY")),
        ("注册资本\n（万元人民币）", UnitHint("wan", "CNY")),
        ("Registered capital (USD m)", UnitHint("million", "USD")),
        ("Registered capital (USD)", UnitHint("yuan", "USD")),
        ("Registered capital (CNY 10,000)", UnitHint("wan", "CNY")),
        ("Capital, unit: USD million", UnitHint("million", "USD")),
    ],
)
def test_unit_hints_read_the_unit_of_an_amount_column(header, hint):
    assert unit_hints([header]) == {0: hint}


@pytest.mark.parametrize(
    "header", ["注册资本", "企业名称", "概率（%）", "预计就业人数（人）", "单元"]
)
def test_unit_hints_leave_out_columns_that_state_no_money_unit(header):
    assert unit_hints([header]) == {}


def test_unit_hints_keep_column_positions():
    headers = ["序号", "企业名称", "注册资本（万美元）", "预计注册资本(万元)"]
    assert unit_hints(headers) == {2: UnitHint("wan", "USD"), 3: UnitHint("wan", "CNY")}


# ------------------------------------------------------------------- header row

TOTALS = ["合计", None, None, None, None, 12000, None]
HEADERS = ["序号", "企业名称", "统一社会信用代码", "国别", "所属行业", "注册资本", "跟进人"]


def data_row(number: int) -> list[object]:
    return [number, f"瀚海资产管理有限公司{number}", "91310000MA1FL0000X", "美国", "资产管理",
            5000, "王明"]  # fmt: skip


LEDGER = [
    ["2023年陆家嘴金融城招商台账", None, None, None, None, None, None],  # a merged title cell
    ["单位：万元"],
    [],
    HEADERS,
    data_row(1),
    data_row(2),
    TOTALS,
]


def test_find_header_row_finds_the_headers_below_a_title_a_unit_line_and_a_blank_row():
    assert find_header_row("institutions", LEDGER) == 3
    assert auto_map("institutions", LEDGER[3]) == {
        1: "name_zh", 2: "uscc", 3: "country", 4: "categories", 5: "registered_capital",
        6: "owner",
    }  # fmt: skip
    assert unit_hint_above(LEDGER, 3) == UnitHint("wan", "CNY")


@pytest.mark.parametrize(
    ("rows", "index"),
    [
        ([HEADERS, data_row(1)], 0),  # no title at all
        ([["招商台账"], HEADERS, data_row(1)], 1),
        ([[None] * 7, [None, "2023年陆家嘴金融城招商台账"], [], [], HEADERS, data_row(1)], 4),
        # a grouping row above the headers names fewer fields than the headers themselves
        ([["基本信息", None, None, None, "联系人"], [*HEADERS, "联系人", "联系电话"]], 1),
        ([["陆家嘴金融城 2023 年重点企业名单"], ["制表：招商一部", None, "日期：2023-12-31"],
          HEADERS, data_row(1), data_row(2), TOTALS], 2),
        # two rows that look alike: the first wins
        ([HEADERS, HEADERS], 0),
        # English headers
        ([["Lujiazui ledger 2023"], ["Name", "USCC", "Country", "Registered capital (USD m)"]], 1),
        # a single column of names
        ([["重点企业名单"], ["企业名称"], ["瀚海资产"]], 1),
        # dates and numbers in the title rows
        ([[datetime.date(2023, 12, 31), 2023], HEADERS], 1),
    ],
)  # fmt: skip
def test_find_header_row_scores_rows_by_the_fields_they_name(rows, index):
    assert find_header_row("institutions", rows) == index


def test_find_header_row_reads_projects_interactions_and_measurements_too():
    projects = [["2024年重点招商项目推进表"], [], ["序号", "项目名称", "投资方", "项目阶段",
                "预计落地时间", "拟注册资本（万元）"], [1, "华东总部", "瀚海", "在谈", "2025Q4", 1000]]  # fmt: skip
    assert find_header_row("projects", projects) == 2
    measurements = [
        ["航运保险占比"],
        ["指标", "统计期间", "数值"],
        ["shipping-insurance", "2025Q4", 80],
    ]
    assert find_header_row("measurements", measurements) == 1
    visits = [["走访记录"], ["拜访日期", "走访企业", "拜访内容"], ["2024-03-05", "瀚海", "初访"]]
    assert find_header_row("interactions", visits) == 1


def test_find_header_row_looks_no_further_than_it_is_told():
    rows = [["本表由招商一部填报"]] * 5 + [HEADERS]
    assert find_header_row("institutions", rows, scan=6) == 5
    with pytest.raises(HeaderRowNotFound):
        find_header_row("institutions", rows, scan=5)


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [[], [], []],
        [["2023年陆家嘴金融城招商台账"], ["单位：万元"], []],
        [data_row(1), data_row(2)],  # data without headers
    ],
)
def test_find_header_row_says_so_when_nothing_looks_like_a_header(rows):
    with pytest.raises(CellError) as error, override("en"):
        find_header_row("institutions", rows)
    assert isinstance(error.value, HeaderRowNotFound)
    assert error.value.code == "header"
    with override("en"):
        assert "机构名称" in error.value.message
        assert "30" in error.value.message
