"""Counting landings against a plan's targets: a small plan, worked out by hand."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from crm.models import InstitutionType
from pipeline.progress import quarterly_series, target_progress
from plans.models import Category, Plan, Target, TargetMeasurement
from tests.factories import InstitutionFactory, milestone

d = datetime.date


def _target(plan, code, *, categories=(), **fields):
    defaults = {
        "name_zh": code,
        "name_en": code,
        "kind": Target.Kind.COUNT,
        "unit": Target.Unit.INSTITUTIONS,
        "counting": Target.Counting.STOCK,
        "milestone": Target.Milestone.REGISTERED,
        "comparator": Target.Comparator.GT,
        "due_date": d(2025, 12, 31),
        "position": plan.targets.count(),
    }
    if fields.get("kind") == Target.Kind.MEASURED:
        defaults.update(counting="", milestone="")
    target = Target(plan=plan, code=code, **{**defaults, **fields})
    target.full_clean()
    target.save()
    target.categories.set(categories)
    return target


@pytest.fixture
def small_plan(db):
    """Six targets and eight institutions; the expected figures are in the tests."""
    plan = Plan.objects.create(
        code="test-plan",
        name_zh="测试规划",
        name_en="Test plan",
        baseline_date=d(2020, 12, 31),
        horizon_date=d(2025, 12, 31),
    )

    def category(code, parent=None):
        return Category.objects.create(
            plan=plan, code=code, name_zh=code, name_en=code, parent=parent
        )

    finance = category("finance")
    bank = category("bank", finance)
    bank_wealth = category("bank-wealth", bank)
    hq = category("hq")
    hq_regional = category("hq-regional", hq)

    _target(plan, "fin", categories=[finance], baseline_value=100, target_value=110)
    _target(
        plan,
        "lic",
        categories=[finance],
        milestone=Target.Milestone.LICENSED,
        flags=["licensed"],
        baseline_value=50,
        target_value=60,
    )
    _target(
        plan,
        "hq-new",
        categories=[hq],
        counting=Target.Counting.FLOW,
        milestone=Target.Milestone.RECOGNISED,
        target_value=4,
    )
    _target(plan, "fin-unknown", categories=[finance])
    _target(plan, "banks", institution_types=["bank"], baseline_value=10, target_value=12)
    retail = _target(
        plan,
        "retail",
        kind=Target.Kind.MEASURED,
        unit=Target.Unit.HUNDRED_MILLION_CNY,
        baseline_value=900,
        target_value=1000,
    )
    for year, quarter, value in [(2021, 4, 920), (2022, 2, 950), (2023, 1, 980)]:
        TargetMeasurement.objects.create(target=retail, year=year, quarter=quarter, value=value)

    def institution(name, categories, **fields):
        found = InstitutionFactory(name_zh=name, **fields)
        found.categories.set(categories)
        return found

    people = {
        # a sub-category of finance; registered in Q1 2021, licensed in Q2 2021
        "A": institution("甲", [bank], licensed=True, institution_type=InstitutionType.BANK),
        # two levels below finance; registered in Q2 2022, moved out in Q1 2023
        "B": institution("乙", [bank_wealth]),
        # outside the finance filter; registered, then recognised on 2022-06-30
        "C": institution("丙", [hq_regional]),
        # in the baseline (registered and licensed in 2019), exits on 2022-09-30
        "D": institution("丁", [finance], licensed=True),
        # finance, but only recognised (the wrong kind), and its exit was never counted
        "E": institution("戊", [bank]),
        # finance, licensed in 2021 but without the licensed flag
        "F": institution("己", [finance], licensed=False),
        # a regional HQ recognised in Q1 2023 that moved out in Q2 2023
        "G": institution("庚", [hq_regional]),
        # no category at all
        "H": institution("辛", []),
    }
    A, B, C, D, E, F, G, H = people.values()
    milestone(A, "registered", d(2021, 2, 15))
    milestone(A, "licensed", d(2021, 5, 10))
    milestone(B, "registered", d(2022, 4, 1))
    milestone(B, "exited", d(2023, 3, 15))
    milestone(C, "registered", d(2021, 3, 1))
    milestone(C, "recognised", d(2022, 6, 30))
    milestone(D, "registered", d(2019, 6, 1))
    milestone(D, "licensed", d(2019, 7, 1))
    milestone(D, "exited", d(2022, 9, 30), exit_kind="deregistered")
    milestone(E, "recognised", d(2021, 3, 15))
    milestone(E, "exited", d(2022, 1, 10))
    milestone(F, "registered", d(2021, 1, 5))
    milestone(F, "licensed", d(2021, 6, 1))
    milestone(G, "recognised", d(2023, 1, 20))
    milestone(G, "exited", d(2023, 5, 5))
    milestone(H, "registered", d(2021, 1, 10))
    return plan, people


def _values(plan, as_of):
    return {row.code: row.value for row in target_progress(plan=plan, as_of=as_of)}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # the baseline itself
        (d(2020, 12, 31), {"fin": 100, "lic": 50, "hq-new": 0, "banks": 10, "retail": None}),
        # A and F registered; A not yet licensed; E's recognition is the wrong kind
        (d(2021, 3, 31), {"fin": 102, "lic": 50, "hq-new": 0, "banks": 11, "retail": None}),
        # B registered; E's exit subtracts nothing; C recognised on the day itself
        (d(2022, 6, 30), {"fin": 103, "lic": 51, "hq-new": 1, "banks": 11, "retail": 950}),
        # the day before D's exit, and the day of it (D was in the baseline)
        (d(2022, 9, 29), {"fin": 103, "lic": 51, "hq-new": 1, "banks": 11, "retail": 950}),
        (d(2022, 9, 30), {"fin": 102, "lic": 50, "hq-new": 1, "banks": 11, "retail": 950}),
        # B moved out; G's exit does not undo a flow
        (d(2023, 6, 30), {"fin": 101, "lic": 50, "hq-new": 2, "banks": 11, "retail": 980}),
    ],
)
def test_count_targets_add_landings_and_subtract_exits(small_plan, as_of, expected):
    plan, _ = small_plan
    values = _values(plan, as_of)
    assert {code: values[code] for code in expected} == expected
    assert values["fin-unknown"] is None  # no published baseline: no stock to show


def test_the_figures_on_one_date_in_full(small_plan):
    plan, people = small_plan
    rows = {row.code: row for row in target_progress(plan=plan, as_of=d(2023, 6, 30))}
    fin = rows["fin"]
    assert (fin.baseline, fin.value, fin.target) == (100, 101, 110)
    assert fin.percent == Decimal("10.0")
    assert fin.required_pace == Decimal("0.50")  # 10 over 20 quarters
    assert fin.actual_pace == Decimal("0.10")  # 1 over 10 quarters
    assert fin.projection == Decimal("102.00")  # 10 more quarters at 0.1
    assert set(fin.counted_ids) == {people["A"].pk, people["F"].pk}
    assert set(fin.exited_ids) == {people["B"].pk, people["D"].pk}
    assert rows["hq-new"].percent == Decimal("50.0")  # a flow starts at zero
    assert set(rows["hq-new"].counted_ids) == {people["C"].pk, people["G"].pk}
    assert rows["retail"].percent == Decimal("80.0")
    assert rows["fin-unknown"].percent is None
    assert rows["fin-unknown"].required_pace is None


def test_a_measured_target_takes_the_last_quarter_ended(small_plan):
    plan, _ = small_plan
    assert _values(plan, d(2022, 6, 29))["retail"] == 920
    assert _values(plan, d(2022, 6, 30))["retail"] == 950


def test_the_quarterly_series_gives_each_quarter_end(small_plan):
    plan, _ = small_plan
    series = quarterly_series(
        target=plan.targets.get(code="fin"), start=d(2021, 1, 1), end=d(2023, 6, 30)
    )
    assert series == [
        (d(2021, 3, 31), 102),
        (d(2021, 6, 30), 102),
        (d(2021, 9, 30), 102),
        (d(2021, 12, 31), 102),
        (d(2022, 3, 31), 102),
        (d(2022, 6, 30), 103),
        (d(2022, 9, 30), 102),
        (d(2022, 12, 31), 102),
        (d(2023, 3, 31), 101),
        (d(2023, 6, 30), 101),
    ]


def test_counting_takes_a_fixed_number_of_queries(small_plan, django_assert_max_num_queries):
    plan, _ = small_plan
    with django_assert_max_num_queries(6):
        target_progress(plan=plan, as_of=d(2023, 6, 30))
    for n in range(5):
        _target(plan, f"more-{n}", baseline_value=1)
    with django_assert_max_num_queries(6):
        target_progress(plan=plan, as_of=d(2023, 6, 30))


def test_a_date_before_the_baseline_or_in_the_future_is_refused(small_plan):
    plan, _ = small_plan
    with translation.override("en"), pytest.raises(ValidationError) as error:
        target_progress(plan=plan, as_of=d(2020, 12, 30))
    assert "2020-12-31" in error.value.messages[0]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        target_progress(plan=plan, as_of=tomorrow)
    assert "未来" in error.value.messages[0]


def test_the_shipped_plan_starts_at_its_baselines(plan):
    rows = {row.code: row for row in target_progress(plan=plan, as_of=d(2021, 3, 31))}
    assert rows["financial-institutions"].value == 6000
    assert rows["regional-hq"].percent == 0
    assert rows["new-hq-all-kinds"].value == 0
    assert rows["retail-sales"].value is None


def test_the_command_prints_json(small_plan):
    out = io.StringIO()
    call_command("target_progress", plan="test-plan", as_of="2023-06-30", fmt="json", stdout=out)
    rows = {row["code"]: row for row in json.loads(out.getvalue())}
    assert rows["fin"] == {
        "code": "fin",
        "baseline": 100,
        "value": 101,
        "target": 110,
        "percent": 10,
    }
    assert rows["fin-unknown"] == {
        "code": "fin-unknown",
        "baseline": None,
        "value": None,
        "target": None,
        "percent": None,
    }
    assert rows["retail"]["percent"] == 80


def test_the_command_prints_a_table_by_default(small_plan):
    out = io.StringIO()
    call_command("target_progress", "--plan", "test-plan", "--as-of", "2023-06-30", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + 6
    assert lines[1].split() == ["fin", "100", "101", "110", "10"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "test-plan", "--as-of", "2023-02-30"], "2023-02-30"),
        (["--plan", "no-such-plan", "--as-of", "2023-06-30"], "no-such-plan"),
        (["--plan", "test-plan", "--as-of", "2019-01-01"], "2020-12-31"),
    ],
)
def test_the_command_refuses_bad_arguments(small_plan, args, message):
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("target_progress", *args, stdout=io.StringIO())
    assert message in str(error.value)
