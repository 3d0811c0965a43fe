"""The import engine on a realistic ledger: what each row does, and what is written."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from crm.models import Contact, Institution, InstitutionAlias
from plans.models import Category
from spreadsheets.exports import export_list
from spreadsheets.headers import auto_map
from spreadsheets.importing import ImportCancelled, error_workbook, run_import
from spreadsheets.reading import open_workbook
from tests.factories import BuildingFactory, InstitutionFactory
from tests.spreadsheets.ledgers import import_file, write_xlsx

USCC = "91310000MA1FL0000N"
USCC_FULL_WIDTH = "９１３１００００ＭＡ１ＦＬ００００Ｎ "
USCC_2 = "91310000MA1FL0001R"
LEI = "5493001KJTIIGC8Y1R12"
LEI_2 = "549300ABCDEFGHIJKL19"

HEADERS = [
    "序号",
    "企业名称",
    "英文名称",
    "统一社会信用代码",
    "LEI",
    "机构类型",
    "国别",
    "注册资本（万元）",
    "是否持牌",
    "落地时间",
    "所属行业",
    "联系人",
    "联系电话",
]


def ledger_rows() -> list[list[object]]:
    """A 台账 as offices keep them: a title, a unit line, then the headers and the rows."""
    return [
        ["2023年陆家嘴金融城重点机构台账"],
        ["单位：万元"],
        HEADERS,
        [1, "贝莱德基金管理有限公司 ", "BlackRock Fund Management Co., Ltd.", USCC_FULL_WIDTH,
         None, "public-fund", "美国", 50000, "是", "2021年3月5日", "资产管理、公募基金 ",
         "张三", "13800000000"],
        [2, "安联投资管理有限公司", "Allianz Investment Management", None, LEI,
         "Public fund manager", "德国", "1.2亿", "否", "2021.3", "资产管理", None, None],
        [3, "摩根资产管理（中国）有限公司", None, None, None, None, "英国", None, "否", None,
         None, None, None],
        [4, "贝莱德基金管理", None, USCC, None, None, "美国", 50000, "√", None, None, None, None],
        [5, "火星金融有限公司", None, None, None, None, "火星国", "很多", "是", None, None, None,
         None],
        [],
        ["合计", None, None, None, None, None, None, 100000],
    ]  # fmt: skip


def run(path: Path, user, **options):
    return import_file(path, user, kind="institutions", **options)


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_xlsx(tmp_path / "台账.xlsx", ledger_rows())


@pytest.fixture
def register(db):
    """What the register holds before the import: one by LEI, one by name."""
    allianz = InstitutionFactory(name_zh="安联投资", name_en="", lei=LEI, country="DE")
    morgan = InstitutionFactory(name_zh="摩根资产管理有限公司", name_en="", country="GB")
    return allianz, morgan


def outcome_of(result, row: int):
    return next(o for o in result.outcomes if o.row == row)


# ------------------------------------------------------------ what rows do


def test_it_reads_a_ledger_and_decides_each_row(ledger, register, user, plan):
    result = run(ledger, user, all_or_nothing=False)

    assert result.header_row == 2
    actions = {o.row: o.action for o in result.outcomes}
    assert actions == {4: "create", 5: "update", 6: "unchanged", 7: "duplicate", 8: "failed"}
    assert result.counts == {"create": 1, "update": 1, "unchanged": 1, "duplicate": 1, "failed": 1}


def test_it_creates_with_every_value_read_as_the_ledger_means_it(ledger, register, user, plan):
    run(ledger, user, all_or_nothing=False)

    blackrock = Institution.objects.get(uscc=USCC)
    assert blackrock.name_zh == "贝莱德基金管理有限公司"
    assert blackrock.country == "US"
    assert blackrock.registered_capital == Decimal("50000")
    assert blackrock.licensed is True
    assert blackrock.institution_type == "public-fund"
    assert blackrock.ownership == "other"  # not in the ledger: the neutral choice
    names = set(blackrock.categories.values_list("name_zh", flat=True))
    assert names == {"资产管理", "公募基金"}
    assert blackrock.name_key_zh and "贝莱德" in blackrock.search_text
    assert blackrock.created_by == user
    contact = Contact.objects.get(institution=blackrock)
    assert (contact.name, contact.phone, contact.lawful_basis) == ("张三", "13800000000", "public")
    created = LogEntry.objects.get_for_object(blackrock).get(action=LogEntry.Action.CREATE)
    assert created.changes["name_zh"] == ["None", "贝莱德基金管理有限公司"]
    assert created.actor == user
    alias_or_contact = LogEntry.objects.filter(object_repr="张三", action=LogEntry.Action.CREATE)
    assert alias_or_contact.exists()


def test_an_update_changes_only_what_differs_and_blanks_nothing(ledger, register, user, plan):
    allianz, _morgan = register
    Institution.objects.filter(pk=allianz.pk).update(website="https://allianz.example")

    run(ledger, user, all_or_nothing=False)

    allianz.refresh_from_db()
    assert allianz.name_en == "Allianz Investment Management"
    assert allianz.registered_capital == Decimal("12000.00")
    assert allianz.website == "https://allianz.example"  # no website column: kept
    assert allianz.name_zh == "安联投资管理有限公司"  # matched by LEI; the name is the file's
    assert allianz.version == 2


def test_it_matches_by_uscc_before_lei_and_name(db, tmp_path, user, plan):
    by_uscc = InstitutionFactory(name_zh="甲公司", name_en="", uscc=USCC)
    InstitutionFactory(name_zh="乙公司", name_en="", lei=LEI)
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["机构名称", "统一社会信用代码", "LEI", "备注"], ["乙公司", USCC, None, "新备注"]],
    )

    result = run(path, user)

    assert result.counts["update"] == 1
    by_uscc.refresh_from_db()
    assert by_uscc.description == "新备注"
    assert by_uscc.name_zh == "乙公司"


def test_a_name_held_under_another_code_fails_rather_than_merging(db, tmp_path, user, plan):
    InstitutionFactory(name_zh="甲公司", name_en="", uscc=USCC)
    path = write_xlsx(tmp_path / "a.xlsx", [["机构名称", "统一社会信用代码"], ["甲公司", USCC_2]])

    result = run(path, user)

    assert result.counts["failed"] == 1
    assert Institution.objects.count() == 1


def test_a_failed_row_says_which_cell_and_why(ledger, register, user, plan):
    result = run(ledger, user, dry_run=True)

    errors = outcome_of(result, 8).errors
    assert {e.column for e in errors} == {"国别", "注册资本（万元）"}
    assert {e.value for e in errors} == {"火星国", "很多"}
    assert all(e.row == 8 and e.reason for e in errors)


# ------------------------------------------------------------ all or nothing


def test_one_bad_row_writes_nothing_by_default(ledger, register, user, plan):
    before = Institution.objects.count()

    result = run(ledger, user)

    assert not result.written
    assert Institution.objects.count() == before
    assert not Institution.objects.filter(uscc=USCC).exists()


def test_a_dry_run_writes_nothing(ledger, register, user, plan):
    before = (Institution.objects.count(), LogEntry.objects.count())

    result = run(ledger, user, dry_run=True, all_or_nothing=False)

    assert result.counts["create"] == 1
    assert (Institution.objects.count(), LogEntry.objects.count()) == before


def test_reimporting_the_same_file_changes_nothing(ledger, register, user, plan):
    run(ledger, user, all_or_nothing=False)
    entries = LogEntry.objects.count()

    again = run(ledger, user, all_or_nothing=False)

    counts = again.counts
    assert (counts["create"], counts["update"]) == (0, 0)
    assert counts["unchanged"] == 3
    assert LogEntry.objects.count() == entries
    assert Institution.objects.count() == 3


def test_cancelling_rolls_back_what_was_written(db, tmp_path, user, plan):
    rows = [["机构名称"], *([f"机构{n}号"] for n in range(600))]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 4  # after the first batch of creates

    with pytest.raises(ImportCancelled):
        run(path, user, cancelled=cancelled)

    assert Institution.objects.count() == 0


def test_progress_is_reported_every_batch(db, tmp_path, user, plan):
    rows = [["机构名称"], *([f"机构{n}号"] for n in range(1200))]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    seen = []

    def progress(phase: str, done: int, total: int) -> None:
        seen.append((phase, done, total))
        if phase == "write" and done == 1200:
            # The rows are written a thousand at a time as the next are read: the first
            # thousand are in before the last rows, read, are written.
            assert Institution.objects.count() == 1000

    run(path, user, progress=progress)

    # Institutions stream: each batch is checked and written in turn, one phase.
    assert {phase for phase, _done, _total in seen} == {"write"}
    assert [(d, t) for _p, d, t in seen] == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    assert Institution.objects.count() == 1200


def test_a_dry_run_reports_checking_every_batch(db, tmp_path, user, plan):
    rows = [["机构名称"], *([f"机构{n}号"] for n in range(1200))]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    seen = []

    run(path, user, dry_run=True, progress=lambda *step: seen.append(step))

    assert seen == [("check", done, 1200) for done in (0, 500, 1000, 1200)]
    assert Institution.objects.count() == 0


def test_a_row_failing_late_rolls_back_the_batches_already_written(db, tmp_path, user, plan):
    rows = [["机构名称", "统一社会信用代码"], *([f"机构{n}号", ""] for n in range(1200))]
    rows[1100][1] = "9131"  # too short, in the third batch
    path = write_xlsx(tmp_path / "big.xlsx", rows)

    result = run(path, user)

    assert result.counts["failed"] == 1 and not result.written
    assert Institution.objects.count() == 0


def test_creates_take_a_few_queries_per_batch_not_per_row(db, tmp_path, user, plan):
    rows = [["机构名称", "所属行业", "别名", "联系人"]]
    rows += [[f"机构{n}号", "资产管理", f"别名{n}", f"联系人{n}"] for n in range(1000)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)

    with open_workbook(path) as workbook:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            result = run_import(kind="institutions", workbook=workbook, user=user)

    assert result.counts["create"] == 1000
    # A handful a batch (SQLite splits bulk inserts by its variable limit); a row at a
    # time through institution_save would be about ten thousand.
    assert len(queries) < 150
    assert InstitutionAlias.objects.count() == 1000


# ------------------------------------------------------------ round trip


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_exported_list_imports_back_without_a_change(db, tmp_path, user, plan, language):
    building = BuildingFactory(name_zh="上海中心")
    category = Category.objects.get(code="finance-public-fund")
    usd = InstitutionFactory(
        name_zh="美元基金管理有限公司",
        uscc=USCC,
        lei=LEI,
        registered_capital=Decimal("2000"),
        registered_capital_currency="USD",
        licensed=True,
        building=building,
        owner=user,
        team=user.teams.first(),
        website="https://usd.example",
        description="第一行\n第二行",
    )
    usd.categories.set([category])
    InstitutionAlias.objects.create(institution=usd, name="美元基金")
    InstitutionFactory(name_zh="另一家", name_en="", country="")
    with translation.override(language):
        export = export_list(kind="institutions", user=user, params={})
        path = tmp_path / "export.xlsx"
        path.write_bytes(export.file.read())
        entries = LogEntry.objects.count()

        result = run(path, user)

    assert result.counts == {"create": 0, "update": 0, "unchanged": 2, "duplicate": 0, "failed": 0}
    assert LogEntry.objects.count() == entries


# ------------------------------------------------------------ error workbook


def test_the_error_workbook_holds_the_failed_rows_with_their_errors(ledger, register, user, plan):
    rows = ledger_rows()
    # In English: the Chinese (错误, 列 X：原值 “…”：原因) comes with the translation pass.
    with translation.override("en"):
        result = run(ledger, user, dry_run=True)
        content = error_workbook(rows, rows[result.header_row], result)

    with open_workbook(io.BytesIO(content)) as book:
        written = list(book.rows())
    assert written[0][: len(HEADERS)] == HEADERS
    assert written[0][-1] == "Errors"
    assert len(written) == 2
    assert written[1][1] == "火星金融有限公司"
    assert "Column 国别: value “火星国”: " in written[1][-1]
    assert "; Column 注册资本（万元）: value “很多”: " in written[1][-1]
    # Fixed and imported again, the errors column maps to nothing.
    assert auto_map("institutions", written[0]) == auto_map("institutions", HEADERS)


# ------------------------------------------------------------ the command


def test_the_command_prints_counts_and_writes_the_error_file(ledger, register, user, plan):
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import_workbook", str(ledger), kind="institutions", username=user.username,
                     stdout=out)  # fmt: skip

    assert failure.value.returncode == 1
    assert "1" in out.getvalue() and "台账-errors.xlsx" in out.getvalue()
    assert (ledger.parent / "台账-errors.xlsx").exists()
    assert not Institution.objects.filter(uscc=USCC).exists()


def test_the_command_imports_a_clean_file(db, tmp_path, user, plan):
    path = write_xlsx(tmp_path / "ok.xlsx", [["机构名称", "国别"], ["好公司", "中国香港"]])
    out = io.StringIO()

    call_command("import_workbook", str(path), kind="institutions", username=user.username,
                 stdout=out)  # fmt: skip

    assert Institution.objects.get(name_zh="好公司").country == "HK"
    assert not (tmp_path / "ok-errors.xlsx").exists()


def test_the_command_explains_a_rejected_file(db, tmp_path, user):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)

    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), kind="institutions", username=user.username)
