"""Importing the quarterly values of measured plan targets (指标季度完成情况)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

import spreadsheets.importing.measurements  # noqa: F401  (registers the importer)
from accounts.models import Role
from plans.models import Plan, Target, TargetMeasurement
from plans.services import measurement_record
from tests.factories import MembershipFactory, UserFactory
from tests.spreadsheets.ledgers import import_file, write_xlsx

HEADERS = ["序号", "指标", "期间", "数值", "备注"]


def ledger_rows() -> list[list[object]]:
    """A quarterly sheet as analysts keep it: a title, headers, rows, a totals row."""
    return [
        ["陆家嘴金融城规划指标季度完成情况"],
        HEADERS,
        [1, "航运保险规模占全国比重", "2024Q4", "８５％", "航运保险协会"],
        [2, "retail-sales", "2024年第四季度", "1,050亿元", None],
        [3, "Retail sales of consumer goods", "2024 Q3", 980, None],
        [4, "国际资管机构（集团）", datetime.date(2024, 12, 31), "80家", None],
        [5, "航运保险规模占全国比重", "2024Q4", 85, None],
        [6, "各类金融机构", "2024Q4", 9800, None],
        [],
        ["合计", None, None, 2995],
    ]  # fmt: skip


def run(path: Path, user, **options):
    return import_file(path, user, kind="measurements", **options)


def actions(result) -> dict[int, str]:
    return {o.row: o.action for o in result.outcomes}


def value_of(code: str, year: int, quarter: int) -> Decimal:
    return TargetMeasurement.objects.get(target__code=code, year=year, quarter=quarter).value


@pytest.fixture
def analyst(db):
    person = UserFactory(username="analyst", display_name="钱分析")
    MembershipFactory(user=person, role=Role.ANALYST)
    return person


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_xlsx(tmp_path / "指标.xlsx", ledger_rows())


def one_row(tmp_path, headers=("指标", "期间", "数值"), values=()) -> Path:
    return write_xlsx(tmp_path / "one.xlsx", [list(headers), list(values)])


# ------------------------------------------------------------ what rows do


def test_it_reads_a_quarterly_sheet_and_decides_each_row(ledger, plan, analyst):
    result = run(ledger, analyst, all_or_nothing=False)

    assert result.header_row == 1
    assert actions(result) == {
        3: "create",
        4: "create",
        5: "create",
        6: "create",
        7: "duplicate",
        8: "failed",
    }
    assert value_of("shipping-insurance-share", 2024, 4) == Decimal("85")
    assert value_of("retail-sales", 2024, 4) == Decimal("1050")
    assert value_of("retail-sales", 2024, 3) == Decimal("980")
    assert value_of("international-asset-managers", 2024, 4) == Decimal("80")
    share = TargetMeasurement.objects.get(target__code="shipping-insurance-share")
    assert (share.note, share.recorded_by) == ("航运保险协会", analyst)


def test_a_count_target_is_refused_with_its_reason(ledger, plan, analyst):
    with translation.override("en"):
        result = run(ledger, analyst, all_or_nothing=False)

    [error] = next(o for o in result.outcomes if o.row == 8).errors
    assert (error.column, error.value) == ("指标", "各类金融机构")
    assert "count target" in error.reason and "landings" in error.reason


@pytest.mark.parametrize(
    ("headers", "values", "code", "year", "quarter", "expected"),
    [
        (("指标", "期间", "数值"), ("shipping-insurance-share", "2025Q4", "85%"),
         "shipping-insurance-share", 2025, 4, "85"),
        (("指标", "期间", "数值"), ("shipping-insurance-share", "2025年第四季度", 0.855),
         "shipping-insurance-share", 2025, 4, "85.5"),  # a cell formatted as a percentage
        (("指标", "期间", "数值"), ("regional-hq-share-of-city", "2025 Q1", "18.5"),
         "regional-hq-share-of-city", 2025, 1, "18.5"),
        (("指标", "期间", "数值"), ("retail-sales", "2023-09-30", "1.2万亿元"),
         "retail-sales", 2023, 3, "12000"),
        (("指标", "期间", "数值"), ("retail-sales", "Q2 2023", "９８０．５"),
         "retail-sales", 2023, 2, "980.5"),
        (("指标", "期间", "完成值（万元）"), ("retail-sales", "2023Q2", 9805000),
         "retail-sales", 2023, 2, "980.5"),  # the header's unit wins
        (("指标", "年份", "季度", "数值"), ("税收亿元楼宇", 2022, 4, 118),
         "buildings-tax-100m", 2022, 4, "118"),
        (("指标", "年度", "季度", "数值"), ("Buildings with tax of 100 million yuan or more",
         "2022年", "第三季度", "115栋"), "buildings-tax-100m", 2022, 3, "115"),
        (("指标", "年份", "季度", "数值"), ("buildings-tax-100m", "２０２２", "Q2", "１１２"),
         "buildings-tax-100m", 2022, 2, "112"),
        (("指标", "年份", "季度", "数值"), ("buildings-tax-100m", 2022, "一季度", 110),
         "buildings-tax-100m", 2022, 1, "110"),
        (("指标", "期间", "数值"), ("international-asset-managers", "2020Q4", 74),
         "international-asset-managers", 2020, 4, "74"),  # the baseline's own quarter
    ],
)  # fmt: skip
def test_it_reads_every_period_and_value_format(
    tmp_path, plan, analyst, headers, values, code, year, quarter, expected
):
    result = run(one_row(tmp_path, headers, values), analyst)

    assert actions(result) == {2: "create"}, result.outcomes
    assert value_of(code, year, quarter) == Decimal(expected)


# ------------------------------------------------------------ failures


@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        (("不存在的指标", "2024Q4", 1), "指标", "No plan target is called “不存在的指标”."),
        (("retail-sales", "2020Q3", 900), "期间",
         "2020Q3 ends before the baseline date of"),
        (("retail-sales", "2026Q1", 900), "期间", "2026Q1 ends after the horizon of"),
        (("retail-sales", "2024.4", 900), "期间", "“2024.4” is a month, not a quarter"),
        (("retail-sales", "明年", 900), "期间", "“明年” is not a quarter."),
        (("retail-sales", None, 900), "期间", "The row gives no quarter"),
        (("retail-sales", "2024Q4", "很多"), "数值", "“很多” is not an amount."),
        (("retail-sales", "2024Q4", "USD 20m"), "数值", "“USD 20m”: this target is counted in"),
        (("shipping-insurance-share", "2024Q4", "120%"), "数值",
         "A share cannot be more than 100%."),
        (("buildings-tax-100m", "2024Q4", "-3"), "数值", "A value cannot be negative."),
        (("buildings-tax-100m", "2024Q4", None), "数值", "The row gives no value."),
        ((None, "2024Q4", 3), "指标", "The row names no plan target."),
    ],
)  # fmt: skip
def test_a_failed_row_says_which_cell_and_why(tmp_path, plan, analyst, values, column, reason):
    with translation.override("en"):
        result = run(one_row(tmp_path, values=values), analyst)

    [outcome] = result.outcomes
    assert outcome.action == "failed"
    assert (outcome.errors[0].row, outcome.errors[0].column) == (2, column)
    assert outcome.errors[0].reason.startswith(reason), outcome.errors
    assert not TargetMeasurement.objects.exists()


def test_separate_year_and_quarter_columns_name_the_failing_one(tmp_path, plan, analyst):
    path = one_row(
        tmp_path, ("指标", "年份", "季度", "数值"), ("retail-sales", 2024, "第五季度", 1)
    )

    with translation.override("en"):
        [outcome] = run(path, analyst).outcomes

    assert [(e.column, e.value) for e in outcome.errors] == [("季度", "第五季度")]


def test_two_values_for_one_quarter_in_a_file_fail(tmp_path, plan, analyst):
    rows = [["指标", "期间", "数值"], ["retail-sales", "2024Q4", 1050],
            ["社会消费品零售总额", "2024年第四季度", 1060]]  # fmt: skip

    with translation.override("en"):
        result = run(write_xlsx(tmp_path / "two.xlsx", rows), analyst, all_or_nothing=False)

    assert actions(result) == {2: "create", 3: "failed"}
    assert "Row 2 of this file gives another value (1050.00)" in result.outcomes[1].errors[0].reason


def test_a_target_named_in_two_plans_is_found_by_the_quarter(tmp_path, plan, analyst):
    fifteenth = Plan.objects.create(code="lujiazui-15th", name_zh="十五五规划", name_en="15th plan",
                                    baseline_date=datetime.date(2025, 12, 31),
                                    horizon_date=datetime.date(2030, 12, 31))  # fmt: skip
    retail = Target.objects.get(plan=plan, code="retail-sales")
    later = Target.objects.create(plan=fifteenth, code="retail-sales", name_zh=retail.name_zh,
                                  name_en=retail.name_en, kind="measured", unit="100m_cny",
                                  due_date=datetime.date(2030, 12, 31))  # fmt: skip
    rows = [["指标", "期间", "数值"], ["retail-sales", "2025Q4", 1100],
            ["社会消费品零售总额", "2026Q1", 300]]  # fmt: skip

    result = run(write_xlsx(tmp_path / "two.xlsx", rows), analyst)

    assert actions(result) == {2: "create", 3: "create"}
    assert TargetMeasurement.objects.get(year=2025).target == retail
    assert TargetMeasurement.objects.get(year=2026).target == later


@pytest.mark.parametrize("role", [Role.OFFICER, Role.VIEWER])
def test_only_analysts_and_admins_record_values(tmp_path, plan, role):
    officer = UserFactory(username="someone")
    MembershipFactory(user=officer, role=role)

    result = run(one_row(tmp_path, values=("retail-sales", "2024Q4", 1)), officer)

    assert actions(result) == {2: "failed"} and not result.written
    assert not TargetMeasurement.objects.exists()


# ------------------------------------------------------------ updates and the run


def test_a_different_value_updates_and_the_trail_keeps_the_old_one(tmp_path, plan, analyst):
    retail = Target.objects.get(plan=plan, code="retail-sales")
    measurement_record(target=retail, year=2024, quarter=4, value=Decimal("1000"), note="初值",
                       actor=analyst)  # fmt: skip
    path = one_row(tmp_path, values=("retail-sales", "2024Q4", "1,050"))

    result = run(path, analyst)

    assert actions(result) == {2: "update"}
    measurement = TargetMeasurement.objects.get(target=retail)
    assert (measurement.value, measurement.note) == (Decimal("1050"), "初值")  # no note: kept
    changed = LogEntry.objects.get_for_object(measurement).filter(action=LogEntry.Action.UPDATE)
    assert changed.get().changes["value"] == ["1000.00", "1050.00"]


def test_the_same_value_is_unchanged(tmp_path, plan, analyst):
    retail = Target.objects.get(plan=plan, code="retail-sales")
    measurement_record(target=retail, year=2024, quarter=4, value=Decimal("1050"), actor=analyst)

    result = run(one_row(tmp_path, values=("社会消费品零售总额", "2024-12-31", "1050亿")), analyst)

    assert actions(result) == {2: "unchanged"}


def test_reimporting_the_same_file_changes_nothing(ledger, plan, analyst):
    run(ledger, analyst, all_or_nothing=False)
    before = TargetMeasurement.objects.count(), LogEntry.objects.count()

    result = run(ledger, analyst, all_or_nothing=False)

    assert set(actions(result).values()) == {"unchanged", "duplicate", "failed"}
    assert (TargetMeasurement.objects.count(), LogEntry.objects.count()) == before


def test_a_dry_run_writes_nothing(ledger, plan, analyst):
    result = run(ledger, analyst, dry_run=True, all_or_nothing=False)

    assert result.counts["create"] == 4 and not result.written
    assert not TargetMeasurement.objects.exists()


def test_one_bad_row_writes_nothing_by_default(ledger, plan, analyst):
    result = run(ledger, analyst)

    assert result.counts["failed"] == 1 and not result.written
    assert not TargetMeasurement.objects.exists()


def test_reading_a_sheet_takes_no_query_per_row(tmp_path, plan, analyst,
                                                django_assert_max_num_queries):  # fmt: skip
    rows = [["指标", "年份", "季度", "数值"]]
    rows += [[code, year, quarter, 50]
             for code in ("retail-sales-share-of-city", "shipping-insurance-share")
             for year in range(2021, 2026) for quarter in range(1, 5)]  # fmt: skip
    path = write_xlsx(tmp_path / "all.xlsx", rows)

    with django_assert_max_num_queries(10):
        result = run(path, analyst, dry_run=True)

    assert result.counts["create"] == 40


# ------------------------------------------------------------ the command


def test_the_command_imports_a_clean_sheet(tmp_path, plan, analyst):
    path = one_row(tmp_path, values=("retail-sales", "2024Q4", 1050))

    call_command("import_workbook", str(path), kind="measurements", username=analyst.username,
                 stdout=io.StringIO())  # fmt: skip

    assert value_of("retail-sales", 2024, 4) == Decimal("1050")


def test_the_command_reports_a_failed_row_and_writes_nothing(ledger, plan, analyst):
    with pytest.raises(CommandError):
        call_command("import_workbook", str(ledger), kind="measurements",
                     username=analyst.username, stdout=io.StringIO())  # fmt: skip

    assert (ledger.parent / "指标-errors.xlsx").exists()
    assert not TargetMeasurement.objects.exists()
