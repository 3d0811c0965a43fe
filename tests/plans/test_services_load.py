from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from plans.loader import PlanFileError
from plans.models import Category, Plan, Target
from plans.services import plan_load_file
from tests.conftest import PLAN_FILE

# Every category DESIGN.md lists, by its Chinese name.
DESIGN_CATEGORIES = [
    "金融业", "航运业", "现代商贸业", "专业服务业", "科技服务业",
    "资产管理", "融资租赁", "总部经济", "大宗商品", "文化创意", "专业服务",
    "银行", "证券", "公募基金", "期货", "人身保险", "再保险", "保险资产管理", "银行理财",
    "信托", "私募基金", "金融科技", "支付清算",
    "QFII/RQFII", "合格境外有限合伙人(QFLP)", "合格境内有限合伙人(QDLP)", "离岸金融",
    "跨国公司地区总部", "亚太区/全球总部", "国内大企业总部", "区域性总部", "第二总部",
    "多功能复合型总部",
    "高端航运服务", "航运科技", "航运保险", "国际航运组织",
    "离岸贸易", "大宗商品贸易", "数字贸易",
    "绿色金融/ESG/碳金融", "数字经济", "跨境贸易",
]  # fmt: skip


def snapshot() -> list:
    """Every stored value of the plans tables, to compare before and after."""
    return [
        list(Plan.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
        list(Target.objects.order_by("pk").values()),
        sorted(Target.categories.through.objects.values_list("target_id", "category_id")),
    ]


def write_plan(tmp_path: Path, data: dict, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def plan_data() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def test_the_shipped_plan_holds_every_category_design_lists(plan):
    names = set(Category.objects.filter(plan=plan).values_list("name_zh", flat=True))
    assert not [n for n in DESIGN_CATEGORIES if n not in names]
    assert plan.code == "lujiazui-14th"
    assert str(plan.baseline_date) == "2020-12-31"
    assert str(plan.horizon_date) == "2025-12-31"


def test_every_category_and_target_has_both_names(plan):
    for row in [*Category.objects.filter(plan=plan), *Target.objects.filter(plan=plan)]:
        assert row.name_zh and row.name_en, row.code


@pytest.mark.parametrize(
    ("code", "baseline", "target"),
    [
        ("financial-institutions", Decimal(6000), Decimal(10000)),
        ("licensed-financial-institutions", Decimal(901), Decimal(1000)),
        ("regional-hq", Decimal(124), Decimal(200)),
        ("professional-service-institutions", Decimal(3000), Decimal(3500)),
        ("shipping-service-institutions", Decimal(1345), Decimal(1550)),
        ("buildings-tax-1bn", Decimal(32), Decimal(64)),
        ("buildings-tax-2bn", Decimal(20), Decimal(40)),
        ("buildings-tax-10bn", None, Decimal(5)),
        ("retail-sales", None, Decimal(1000)),
        ("shipping-insurance-share", None, Decimal(80)),
        ("financial-leasing-assets", Decimal(11500), None),
        ("financial-leasing-firms", Decimal(216), None),
        ("foreign-asset-management-companies", Decimal(102), None),
        ("international-asset-managers", Decimal(74), None),
        ("national-factor-markets", Decimal(12), None),
        ("buildings-tax-100m", Decimal(110), None),
        ("buildings-tax-6bn", Decimal(4), None),
    ],
)
def test_baselines_and_targets_come_from_the_plan_text(plan, code, baseline, target):
    row = Target.objects.get(plan=plan, code=code)
    assert row.baseline_value == baseline
    assert row.target_value == target
    assert str(row.due_date) == "2025-12-31"


def test_figures_the_plan_does_not_publish_stay_empty(plan):
    # "Doubled" with no published baseline, and "further raised": no invented number.
    for code in ("buildings-tax-5bn", "new-hq-all-kinds", "multifunctional-hq-share"):
        row = Target.objects.get(plan=plan, code=code)
        assert row.basis == Target.Basis.DOUBLE
        assert row.target_value is None
    assert Target.objects.get(plan=plan, code="licensed-share-of-city").target_value is None


def test_shares_are_measured_percentages(plan):
    shares = Target.objects.filter(plan=plan, unit=Target.Unit.PERCENT)
    assert {t.code for t in shares} >= {
        "licensed-share-of-city",
        "regional-hq-share-of-city",
        "shipping-insurance-share",
    }
    assert all(t.kind == Target.Kind.MEASURED for t in shares)


def test_count_targets_say_what_they_count(plan):
    licensed = Target.objects.get(plan=plan, code="licensed-financial-institutions")
    assert licensed.kind == Target.Kind.COUNT
    assert licensed.milestone == Target.Milestone.LICENSED
    assert licensed.flags == ["licensed"]
    assert [c.code for c in licensed.categories.all()] == ["finance"]
    hq = Target.objects.get(plan=plan, code="regional-hq")
    assert hq.milestone == Target.Milestone.RECOGNISED
    assert [c.code for c in hq.categories.all()] == ["hq-regional-mnc"]
    foreign_am = Target.objects.get(plan=plan, code="foreign-asset-management-companies")
    assert foreign_am.ownerships == ["wfoe", "joint-venture", "foreign-controlled"]


def test_loading_twice_leaves_the_database_identical(plan):
    before = snapshot()
    report = plan_load_file(path=PLAN_FILE)
    assert (report.created, report.updated) == (0, 0)
    assert snapshot() == before


def test_an_edited_file_updates_in_place(plan, plan_data, tmp_path):
    target_ids = dict(Target.objects.values_list("code", "pk"))
    plan_data["targets"][1]["target"]["value"] = 1100
    plan_data["targets"][1]["name"]["en"] = "Licensed institutions"
    plan_data["categories"][0]["children"][0]["name"]["en"] = "Financial services"
    report = plan_load_file(path=write_plan(tmp_path, plan_data))
    assert report.created == 0
    assert report.updated == 2
    licensed = Target.objects.get(code="licensed-financial-institutions")
    assert licensed.pk == target_ids["licensed-financial-institutions"]
    assert (licensed.target_value, licensed.name_en) == (Decimal(1100), "Licensed institutions")
    assert Category.objects.get(code="finance").name_en == "Financial services"
    assert dict(Target.objects.values_list("code", "pk")) == target_ids


def test_changing_a_baseline_recomputes_a_doubled_target(plan, plan_data, tmp_path):
    entry = next(t for t in plan_data["targets"] if t["code"] == "buildings-tax-5bn")
    entry["baseline"] = {"value": 7}
    plan_load_file(path=write_plan(tmp_path, plan_data))
    assert Target.objects.get(code="buildings-tax-5bn").target_value == Decimal(14)


def test_entries_dropped_from_the_file_are_kept_and_reported(plan, plan_data, tmp_path):
    plan_data["targets"] = [t for t in plan_data["targets"] if t["code"] != "retail-sales"]
    report = plan_load_file(path=write_plan(tmp_path, plan_data))
    assert report.not_in_file == ["retail-sales"]
    assert Target.objects.filter(code="retail-sales").exists()


def broken(plan_data: dict, how: str) -> dict:
    if how == "missing key":
        del plan_data["targets"][3]["unit"]
    elif how == "bad number":
        plan_data["targets"][1]["baseline"]["value"] = "九百"
    elif how == "unknown category":
        plan_data["targets"][0]["counts"]["categories"] = ["no-such-category"]
    elif how == "unknown ownership":
        plan_data["targets"][3]["counts"]["ownerships"] = ["martian"]
    elif how == "bad date":
        plan_data["targets"][2]["due"] = "2025-13-45"
    elif how == "duplicate code":
        plan_data["targets"][2]["code"] = plan_data["targets"][1]["code"]
    elif how == "name too long":  # caught by the model, after earlier rows were written
        plan_data["targets"][-1]["name"]["zh"] = "长" * 300
    return plan_data


@pytest.mark.parametrize(
    ("how", "key"),
    [
        ("missing key", "targets[3].unit"),
        ("bad number", "targets[1].baseline.value"),
        ("unknown category", "targets[0].counts.categories[0]"),
        ("unknown ownership", "targets[3].counts.ownerships[0]"),
        ("bad date", "targets[2].due"),
        ("duplicate code", "targets[2].code"),
        ("name too long", "targets.buildings-tax-10bn.name_zh"),
    ],
)
def test_a_malformed_file_names_the_file_and_key_and_changes_nothing(
    db, plan_data, tmp_path, how, key
):
    path = write_plan(tmp_path, broken(plan_data, how), name="broken-plan.yaml")
    with pytest.raises(PlanFileError) as error:
        plan_load_file(path=path)
    assert str(error.value).startswith(f"broken-plan.yaml: {key}: ")
    assert not Plan.objects.exists()
    assert not Category.objects.exists()


def test_a_malformed_edit_leaves_the_loaded_plan_as_it_was(plan, plan_data, tmp_path):
    before = snapshot()
    plan_data["targets"][0]["target"]["value"] = 12000
    path = write_plan(tmp_path, broken(plan_data, "name too long"))
    with pytest.raises(PlanFileError):
        plan_load_file(path=path)
    assert snapshot() == before


def test_invalid_yaml_names_the_line(db, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("code: x\nname: {zh: 甲\n  en: b\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"^plan\.yaml: line \d+, column \d+: not valid YAML"):
        plan_load_file(path=path)


def test_a_missing_file_is_reported(db, tmp_path):
    with pytest.raises(PlanFileError, match="file not found"):
        plan_load_file(path=tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code: a\ncode: b\n", "duplicate key 'code'"),
        ("code: a\nbaseline_date: 2020-02-30\n", "not valid YAML"),
    ],
)
def test_yaml_traps_are_reported_not_swallowed(db, tmp_path, text, message):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError, match=message):
        plan_load_file(path=path)


def test_a_folder_is_not_a_plan_file(db, tmp_path):
    with pytest.raises(PlanFileError, match="is a folder"):
        plan_load_file(path=tmp_path)


def test_a_model_rule_names_the_field(db, plan_data, tmp_path):
    plan_data["targets"][0]["name"]["zh"] = "长" * 300
    with pytest.raises(
        PlanFileError, match=r"^plan\.yaml: targets\.financial-institutions\.name_zh: "
    ):
        plan_load_file(path=write_plan(tmp_path, plan_data))


def test_too_many_decimal_places_are_refused_by_key(db, plan_data, tmp_path):
    plan_data["targets"][1]["baseline"]["value"] = 901.125
    with pytest.raises(PlanFileError, match=r"targets\[1\]\.baseline\.value: at most"):
        plan_load_file(path=write_plan(tmp_path, plan_data))


def test_reloading_keeps_a_figure_an_analyst_filled_in(plan):
    target = Target.objects.get(code="buildings-tax-5bn")
    target.baseline_value = Decimal(9)
    target.full_clean()
    target.save()
    plan_load_file(path=PLAN_FILE)
    target.refresh_from_db()
    assert (target.baseline_value, target.target_value) == (Decimal(9), Decimal(18))


def test_notes_are_bilingual(plan):
    target = Target.objects.get(code="retail-sales")
    assert target.note_zh == "规划未公布基数。"
    assert target.note_en == "The plan publishes no baseline."


def test_a_target_in_the_admin_refuses_unknown_codes(plan):
    from django.core.exceptions import ValidationError

    target = Target.objects.get(code="regional-hq")
    target.institution_types = ["bank", "martian-bank"]
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "martian-bank" in str(error.value)
