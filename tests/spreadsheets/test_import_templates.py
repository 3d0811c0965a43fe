"""Import templates: the workbook each import kind offers to fill in, and its download."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import spreadsheets.importing.institutions  # noqa: F401  (registers the importer)
from crm.models import (
    Institution,
    InstitutionStatus,
    InstitutionType,
    InteractionKind,
    Ownership,
    Regulator,
)
from crm.selectors import users_choosable_by
from pipeline.models import LostReason, Stage, Vehicle
from plans.models import Category, Target
from plans.selectors import category_index
from spreadsheets import import_templates
from spreadsheets.headers import SYNONYMS, auto_map, find_header_row
from spreadsheets.import_templates import FIELDS, KINDS, template_filename, template_workbook
from spreadsheets.importing import run_import
from spreadsheets.importing.lookups import Lookups
from spreadsheets.reading import open_workbook
from spreadsheets.values import match_categories, parse_bool, parse_choice, parse_country
from tests.factories import BuildingFactory, TeamFactory, UserFactory
from tests.helpers import client_as

LANGUAGES = ("zh-hans", "en")
USCC = "91310000MA1FL0000N"


def book_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def template(kind: str, user, language: str):
    return book_of(template_workbook(kind, user=user, language=language))


def header_row(ws: Worksheet) -> list[str]:
    return [cell.value for cell in ws[1]]


def column_of(ws: Worksheet, field_name: str, kind: str) -> str:
    """The letter of the data sheet's column for ``field_name``."""
    return ws.cell(1, list(FIELDS[kind]).index(field_name) + 1).column_letter


def drop_downs(ws: Worksheet) -> dict[str, object]:
    """Column letter → the data validation whose drop-down it offers."""
    found = {}
    for validation in ws.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    return found


def offered(book, validation) -> list[str]:
    """The values a list validation's drop-down offers, read from the range it names."""
    sheet, cells = validation.formula1.rsplit("!", 1)
    ws = book[sheet.strip("'").replace("''", "'")]
    return [row[0].value for row in ws[cells.replace("$", "")]]


def section(book, title: str) -> list[tuple]:
    """The rows of one list of the choices sheet, under its table header."""
    ws = book.worksheets[2]
    rows = list(ws.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == title)
    found = []
    for row in rows[start + 3 :]:  # the title, the columns it is for, the table header
        if row[0].value is None or row[0].font.italic:
            break
        found.append(tuple(cell.value for cell in row))
    return found


# ---------------------------------------------------------------- the headers


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_headers_map_back_to_every_field(kind, language, user, plan):
    ws = template(kind, user, language).worksheets[0]
    headers = header_row(ws)
    assert auto_map(kind, headers) == dict(enumerate(SYNONYMS[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_the_chinese_headers_are_the_first_synonyms_and_the_english_ones_english(kind, user):
    chinese = header_row(template(kind, user, "zh-hans").worksheets[0])
    english = header_row(template(kind, user, "en").worksheets[0])
    assert chinese == [names[0] for names in SYNONYMS[kind].values()]
    assert all(header.isascii() for header in english)


def test_every_kind_the_importer_knows_has_a_template():
    assert set(KINDS) == set(SYNONYMS)
    for kind in KINDS:
        assert list(FIELDS[kind]) == list(SYNONYMS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_an_import_reads_the_header_row_of_the_first_sheet_and_no_data(kind, user, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook(kind, user=user, language="zh-hans"))
    with open_workbook(path) as workbook:
        assert workbook.visible_sheets[0].name == workbook.sheets[0].name
        rows = list(workbook.rows())
    assert find_header_row(kind, rows) == 0
    assert [row for row in rows[1:] if any(cell not in (None, "") for cell in row)] == []


# ---------------------------------------------------------------- the layout


def test_the_header_is_bold_frozen_with_a_hint_and_required_columns_stand_out(user):
    ws = template("interactions", user, "en").worksheets[0]
    assert ws.freeze_panes == "B2"
    assert all(cell.font.b for cell in ws[1])
    date = ws[f"{column_of(ws, 'date', 'interactions')}1"]
    outcome = ws[f"{column_of(ws, 'outcome', 'interactions')}1"]
    assert "2021年3月5日" in date.comment.text
    assert "Required." in date.comment.text
    assert "Required." not in outcome.comment.text
    assert date.fill.fgColor.rgb != outcome.fill.fgColor.rgb


@pytest.mark.parametrize(
    "kind, field_name, number_format",
    [
        ("interactions", "date", "yyyy-mm-dd"),
        ("projects", "registration_date", "yyyy-mm-dd"),
        ("projects", "expected_registered_capital", "#,##0.00"),
        ("institutions", "registered_capital", "#,##0.00"),
        ("projects", "expected_jobs", "#,##0"),
        # Text, so that Excel keeps an all-digit code or a 0-led phone number as typed.
        ("institutions", "uscc", "@"),
        ("institutions", "contact_phone", "@"),
    ],
)
def test_columns_carry_the_format_of_their_values(kind, field_name, number_format, user):
    ws = template(kind, user, "zh-hans").worksheets[0]
    assert ws.column_dimensions[column_of(ws, field_name, kind)].number_format == number_format


def test_every_sheet_prints_on_a4_landscape_one_page_wide(user):
    book = template("projects", user, "en")
    assert [ws.title for ws in book.worksheets] == ["Projects", "How to fill in", "Valid choices"]
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1
    assert book.worksheets[0].print_title_rows == "$1:$1"


def test_the_how_to_sheet_has_a_line_for_every_column(user):
    book = template("institutions", user, "en")
    lines = {row[0]: row for row in book.worksheets[1].iter_rows(values_only=True)}
    for spec in FIELDS["institutions"].values():
        _column, required, what, _examples = lines[spec.english]
        with translation.override("en"):
            assert str(spec.hint) in what
        assert (required == "Required") is spec.required
    assert "5000万元" in lines["Registered capital"][2]
    assert "万元" in lines["Registered capital"][2]


# ---------------------------------------------------------------- the choices


def test_the_choices_list_the_plan_categories_in_both_languages(user, plan):
    book = template("institutions", user, "en")
    rows = section(book, "Plan categories")
    expected = Category.objects.filter(plan=plan).values_list("name_zh", "name_en", "code")
    assert {row[:3] for row in rows} == set(expected)
    assert len(rows) == len(expected)


def test_the_choices_list_every_stage_in_pipeline_order(user):
    rows = section(template("projects", user, "en"), "Stages")
    stages = Stage.objects.order_by("position", "pk").values_list("name_zh", "name_en", "code")
    assert [row[:3] for row in rows] == list(stages)
    assert ("已落地", "Landed", "landed") in [row[:3] for row in rows]


def test_the_choices_list_the_measured_targets_only(user, plan):
    rows = section(template("measurements", user, "en"), "Measured targets")
    codes = {row[2] for row in rows}
    measured = set(plan.targets.filter(kind="measured").values_list("code", flat=True))
    assert codes == measured
    assert "licensed-share-of-city" in codes
    assert ("持牌类金融机构占全市比重", "percent") in {(row[0], row[3]) for row in rows}


def test_colleagues_listed_are_only_those_the_user_may_choose(user):
    UserFactory(username="gone", display_name="离职的人", is_active=False)
    UserFactory(username="colleague", display_name="李华")
    rows = section(template("interactions", user, "en"), "Colleagues")
    names = [row[0] for row in rows]
    assert "离职的人" not in names
    assert sorted(names) == sorted(str(person) for person in users_choosable_by(user))
    assert {"王明", "李华"} <= set(names)


def test_buildings_and_teams_are_listed_for_their_columns(user):
    BuildingFactory(name_zh="上海中心大厦", name_en="Shanghai Tower")
    TeamFactory(name="航运招商部")
    book = template("institutions", user, "en")
    assert ("上海中心大厦", "Shanghai Tower") in [row[:2] for row in section(book, "Buildings")]
    assert ("航运招商部",) in [row[:1] for row in section(book, "Teams")]


@pytest.mark.parametrize(
    "field_name, labels",
    [
        ("institution_type", InstitutionType.labels),
        ("ownership", Ownership.labels),
        ("regulator", Regulator.labels),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_choice_columns_drop_down_the_choices_in_the_files_language(
    field_name, labels, language, user
):
    book = template("institutions", user, language)
    ws = book.worksheets[0]
    validation = drop_downs(ws)[column_of(ws, field_name, "institutions")]
    assert validation.type == "list"
    assert validation.errorStyle == "warning"  # the code or the other language goes too
    with translation.override(language):
        assert offered(book, validation) == [str(label) for label in labels]


def test_both_country_columns_share_one_drop_down(user):
    ws = template("institutions", user, "en").worksheets[0]
    found = drop_downs(ws)
    country = found[column_of(ws, "country", "institutions")]
    assert country is found[column_of(ws, "parent_country", "institutions")]


def test_a_column_of_several_values_takes_them_without_an_error(user, plan):
    ws = template("institutions", user, "zh-hans").worksheets[0]
    categories = drop_downs(ws)[column_of(ws, "categories", "institutions")]
    assert categories.errorStyle == "information"


def test_free_text_columns_have_no_drop_down(user):
    ws = template("projects", user, "zh-hans").worksheets[0]
    found = drop_downs(ws)
    for name in ("title", "lost_note", "hold_reason", "competing_locations", "expected_landing"):
        assert column_of(ws, name, "projects") not in found


# What the importers read each list's values with.
def _reads(key: str, user):
    lookups = Lookups(user)
    index = category_index(user=user)
    return {
        "institution_type": lambda v: parse_choice(v, InstitutionType),
        "ownership": lambda v: parse_choice(v, Ownership),
        "regulator": lambda v: parse_choice(v, Regulator),
        "status": lambda v: parse_choice(v, InstitutionStatus),
        "vehicle": lambda v: parse_choice(v, Vehicle),
        "lost_reason": lambda v: parse_choice(v, LostReason),
        "country": parse_country,
        "yes_no": parse_bool,
        "person": lookups.person,
        "team": lookups.team,
        "building": lookups.building,
        "category": lambda v: match_categories(index, [v])[0][0],
        "interaction_kind": lambda v: parse_choice(v, InteractionKind),
        "stage": lambda v: Stage.objects.get(Q(name_zh=v) | Q(name_en=v)),
        "target": lambda v: Target.objects.get(Q(name_zh=v) | Q(name_en=v)),
    }.get(key)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_value_a_drop_down_offers_is_one_the_import_reads(kind, language, user, plan):
    BuildingFactory(name_zh="上海中心大厦", name_en="Shanghai Tower")
    book = template(kind, user, language)
    ws = book.worksheets[0]
    found = drop_downs(ws)
    assert found
    for letter, validation in found.items():
        name = list(FIELDS[kind])[ws[f"{letter}1"].column - 1]
        read = _reads(FIELDS[kind][name].choices, user)
        assert read is not None, name
        values = offered(book, validation)
        assert values, name
        for value in values:
            read(value)  # raises when the import could not read it


# ---------------------------------------------------------------- filled in, imported


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_filled_in_institutions_template_imports(language, user, plan, tmp_path):
    building = BuildingFactory(name_zh="上海中心大厦", name_en="Shanghai Tower")
    book = template("institutions", user, language)
    ws = book.worksheets[0]
    types = offered(book, drop_downs(ws)[column_of(ws, "institution_type", "institutions")])
    english = language == "en"
    row = {
        "name_zh": "贝莱德基金管理有限公司",
        "name_en": "BlackRock Fund Management Co., Ltd.",
        "uscc": USCC,
        "institution_type": types[2],  # public fund manager, as the drop-down offers it
        "country": "United States of America" if english else "美国",
        "licensed": "Yes" if english else "是",
        "building": building.name_en if english else building.name_zh,
        "registered_capital": "5000万元",
        "categories": "Asset management、Public funds" if english else "资产管理、公募基金",
        "owner": "王明",
        "team": "金融机构招商一部",
        "contact_name": "张三",
        "contact_phone": "021-58880000",
    }
    for name, value in row.items():
        ws[f"{column_of(ws, name, 'institutions')}2"] = value
    path = tmp_path / "filled.xlsx"
    book.save(path)

    with open_workbook(path) as workbook:
        result = run_import(kind="institutions", workbook=workbook, user=user)

    assert result.failed == []
    assert result.counts["create"] == 1
    institution = Institution.objects.get(uscc=USCC)
    assert institution.institution_type == InstitutionType.PUBLIC_FUND
    assert institution.country == "US"
    assert institution.licensed is True
    assert institution.building == building
    assert institution.registered_capital == Decimal("5000")
    assert institution.owner == user
    assert {c.code for c in institution.categories.all()} == {
        "asset-management",
        "finance-public-fund",
    }


# ---------------------------------------------------------------- the download


def _url(kind: str) -> str:
    return reverse("spreadsheets:import_template", kwargs={"kind": kind})


def test_the_download_is_an_attachment_in_the_users_language(user):
    user.language = "en"
    user.save()
    response = client_as(user).get(_url("institutions"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="landfall-import-institutions.xlsx"'
    )
    assert header_row(book_of(response.content).worksheets[0])[0] == "Chinese name"


def test_a_chinese_user_gets_chinese_headers(user):
    response = client_as(user).get(_url("projects"))
    assert response.status_code == 200
    assert header_row(book_of(response.content).worksheets[0])[:3] == [
        "机构名称",
        "统一社会信用代码",
        "项目名称",
    ]


def test_a_chinese_file_name_is_encoded_for_every_browser(user, monkeypatch):
    monkeypatch.setitem(import_templates.FILE_NAMES, "institutions", "机构导入模板")
    response = client_as(user).get(_url("institutions"))
    assert template_filename("institutions", language="zh-hans") == "机构导入模板.xlsx"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%9C%BA%E6%9E%84%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )


def test_an_unknown_kind_is_not_found(user):
    assert client_as(user).get(_url("contacts")).status_code == 404


def test_signing_in_is_required(client):
    response = client.get(_url("institutions"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_template_is_built_in_a_few_queries(user, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        template_workbook("projects", user=user, language="zh-hans")
