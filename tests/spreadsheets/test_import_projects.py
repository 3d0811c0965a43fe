"""Importing a project ledger: projects, their stages and history, and their landings."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

import spreadsheets.importing.projects  # noqa: F401  (registers the importer)
from accounts.models import Role
from crm.models import Institution, InstitutionStatus, Milestone, MilestoneKind
from pipeline.models import Project, Stage, StageChange
from pipeline.services import project_move
from tests.factories import (
    BuildingFactory,
    InstitutionFactory,
    MembershipFactory,
    ProjectFactory,
    TeamFactory,
    UserFactory,
)
from tests.spreadsheets.ledgers import import_file, write_xlsx

USCC = "91310000MA1FL0000N"
USCC_2 = "91310000MA1FL0001R"

HEADERS = [
    "序号", "企业名称", "统一社会信用代码", "项目名称", "设立形式", "所属行业", "负责人", "阶段",
    "阶段日期", "落地概率", "预计注册资本（万元）", "预计落地时间", "预计就业人数", "竞争地区",
    "流失原因", "流失说明", "搁置原因", "是否保密", "项目代号", "注册日期", "注册资本（万元）",
    "楼宇",
]  # fmt: skip
COLUMN = {header.split("（")[0]: index for index, header in enumerate(HEADERS)}


def line(**cells: object) -> list[object]:
    """A ledger row from its cells by header; the rest are blank, as merged cells read."""
    row: list[object] = [None] * len(HEADERS)
    for header, value in cells.items():
        row[COLUMN[header]] = value
    return row


def ledger_rows() -> list[list[object]]:
    """A 项目台账 as offices keep them: a title, a unit line, the headers, then the projects."""
    return [
        ["2024年陆家嘴金融城重点招商项目台账"],
        ["单位：万元"],
        HEADERS,
        line(序号=1, 企业名称="贝莱德基金管理有限公司", 统一社会信用代码=USCC,
             项目名称="设立公募基金子公司", 设立形式="子公司", 所属行业="资产管理、公募基金",
             负责人="王明", 阶段="已落地", 阶段日期="2023年6月30日", 预计注册资本="5亿",
             注册日期="2023-06-15", 注册资本=50000, 楼宇="上海中心"),
        # The institution's cells are merged over its second project: blank here.
        line(序号=2, 项目名称="设立QFLP基金", 设立形式="基金", 阶段="在谈", 阶段日期="2024/3/1",
             落地概率="60%", 预计注册资本=2000, 预计落地时间="2026年二季度", 预计就业人数="30人"),
        line(序号=3, 企业名称="安联投资管理有限公司", 项目名称="设立地区总部", 阶段="流失",
             阶段日期=datetime.date(2024, 1, 10), 竞争地区="北京、深圳前海", 流失原因="选择其他地区",
             流失说明="母公司选择落户深圳前海"),
        line(序号=4, 企业名称="淡马锡资本管理有限公司", 项目名称="设立外商独资私募",
             设立形式="WFOE", 阶段="搁置", 阶段日期="2024-02-01", 搁置原因="等待母公司审批",
             是否保密="是", 项目代号="猎鹰"),
        [],
        ["合计", None, None, None, None, None, None, None, None, None, 57000],
    ]  # fmt: skip


def run(path: Path, user, **options):
    return import_file(path, user, kind="projects", **options)


def outcome_of(result, row: int):
    return next(o for o in result.outcomes if o.row == row)


def counts(**expected: int) -> dict[str, int]:
    return {"create": 0, "update": 0, "unchanged": 0, "duplicate": 0, "failed": 0, **expected}


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_xlsx(tmp_path / "项目台账.xlsx", ledger_rows())


@pytest.fixture
def register(db, user):
    """The register before the import: two of the institutions, and the building."""
    BuildingFactory(name_zh="上海中心")
    blackrock = InstitutionFactory(name_zh="贝莱德基金管理有限公司", name_en="", team=None)
    allianz = InstitutionFactory(name_zh="安联投资管理有限公司", name_en="", team=None)
    return blackrock, allianz


def snapshot() -> tuple[int, ...]:
    return (
        Project.objects.count(),
        StageChange.objects.count(),
        Milestone.objects.count(),
        Institution.objects.count(),
        LogEntry.objects.count(),
    )


# ------------------------------------------------------------ what rows do


def test_it_reads_a_project_ledger_and_decides_each_row(ledger, register, user, plan):
    result = run(ledger, user, dry_run=True)

    assert result.header_row == 2
    assert {o.row: o.action for o in result.outcomes} == {
        4: "create",
        5: "create",
        6: "create",
        7: "create",
    }
    assert "贝莱德基金管理有限公司" in outcome_of(result, 5).label  # the merged cell above


def test_it_creates_each_project_at_its_stage_with_a_dated_history(ledger, register, user, plan):
    result = run(ledger, user)

    assert result.written and result.counts == counts(create=4)
    qflp = Project.objects.get(title="设立QFLP基金")
    assert qflp.institution.name_zh == "贝莱德基金管理有限公司"
    assert qflp.stage.code == "negotiating"
    assert qflp.vehicle == "fund"
    assert qflp.probability == 60  # the file's, not the stage's default of 40
    assert qflp.expected_registered_capital == Decimal("2000.00")
    assert (qflp.expected_year, qflp.expected_quarter) == (2026, 2)
    assert qflp.expected_jobs == 30
    assert qflp.owner == user  # no owner in the row: the importing officer
    moves = list(qflp.stage_changes.values_list("from_stage__code", "to_stage__code"))
    assert moves == [(None, "lead"), ("lead", "negotiating")]
    entered = timezone.localtime(qflp.stage_entered_at)
    assert entered.date() == datetime.date(2024, 3, 1)
    assert timezone.localtime(qflp.created_at).date() == datetime.date(2024, 3, 1)
    created = LogEntry.objects.get_for_object(qflp).get(action=LogEntry.Action.CREATE)
    assert created.actor == user and created.changes["title"] == ["None", "设立QFLP基金"]


def test_a_landed_row_lands_the_project_and_records_its_registration(ledger, register, user, plan):
    blackrock, _allianz = register

    run(ledger, user)

    project = Project.objects.get(title="设立公募基金子公司")
    assert project.stage.code == "landed"
    assert project.owner == user
    assert set(project.categories.values_list("name_zh", flat=True)) == {"资产管理", "公募基金"}
    assert project.expected_registered_capital == Decimal("50000.00")  # 5亿 in 万
    milestone = Milestone.objects.get(institution=blackrock)
    assert milestone.kind == MilestoneKind.REGISTERED
    assert milestone.project == project
    assert milestone.date == datetime.date(2023, 6, 15)
    assert milestone.uscc == USCC
    assert milestone.registered_capital == Decimal("50000.00")
    assert milestone.building.name_zh == "上海中心"
    blackrock.refresh_from_db()
    assert blackrock.uscc == USCC
    assert blackrock.status == InstitutionStatus.LANDED
    landing = project.stage_changes.get(to_stage__code="landed")
    assert landing.registration_date == datetime.date(2023, 6, 15)
    assert timezone.localtime(landing.changed_at).date() == datetime.date(2023, 6, 30)
    # Begun on the registration date, the earliest the row gives.
    assert timezone.localtime(project.created_at).date() == datetime.date(2023, 6, 15)


def test_a_lost_row_keeps_its_reason_and_competing_locations(ledger, register, user, plan):
    _blackrock, allianz = register

    run(ledger, user)

    project = Project.objects.get(institution=allianz)
    assert project.stage.code == "lost"
    assert project.lost_reason == "other-location"
    assert project.lost_note == "母公司选择落户深圳前海"
    assert project.competing_locations == ["北京", "深圳前海"]
    allianz.refresh_from_db()
    assert allianz.status == InstitutionStatus.LOST


def test_an_institution_the_register_lacks_is_added_and_the_row_says_so(
    ledger, register, user, plan
):
    result = run(ledger, user)

    institution = Institution.objects.get(name_zh="淡马锡资本管理有限公司")
    assert institution.created_by == user
    assert institution.name_key_zh  # added through the register's service, keys and all
    project = institution.projects.get()
    assert project.stage.code == "hold"
    assert project.hold_reason == "等待母公司审批"
    assert project.vehicle == "wfoe-fund-manager"
    assert (project.confidential, project.code_name) == (True, "猎鹰")
    assert institution.status == InstitutionStatus.IN_PIPELINE
    assert result.counts == counts(create=4)


def test_the_label_of_a_new_institution_says_it_is_new(ledger, register, user, plan):
    with translation.override("en"):
        result = run(ledger, user, dry_run=True)

    assert outcome_of(result, 7).label == (
        "淡马锡资本管理有限公司 (new to the register) · 设立外商独资私募"
    )
    assert outcome_of(result, 6).label == "安联投资管理有限公司 · 设立地区总部"


# ------------------------------------------------------------ re-import


def test_reimporting_the_same_file_changes_nothing(ledger, register, user, plan):
    run(ledger, user)
    before = snapshot()

    again = run(ledger, user)

    assert again.counts == counts(unchanged=4)
    assert snapshot() == before


def test_the_landed_row_records_one_milestone_however_often_it_is_imported(
    ledger, register, user, plan
):
    blackrock, _allianz = register
    registered = blackrock.milestones.filter(kind=MilestoneKind.REGISTERED)
    assert registered.count() == 0

    run(ledger, user)
    run(ledger, user)

    assert registered.count() == 1


def test_an_update_changes_only_what_differs_and_blanks_nothing(db, tmp_path, user, plan):
    institution = InstitutionFactory(name_zh="甲基金管理有限公司", name_en="")
    project = ProjectFactory(
        institution=institution, title="设立子公司", owner=user, expected_jobs=50, vehicle="branch"
    )
    rows = [["机构名称", "项目名称", "阶段", "预计就业人数", "设立形式", "竞争地区"],
            ["甲基金管理有限公司", "设立 子公司", "签约", None, "分公司", "新加坡"]]  # fmt: skip
    path = write_xlsx(tmp_path / "a.xlsx", rows)

    result = run(path, user)

    assert result.counts == counts(update=1)
    project.refresh_from_db()
    assert project.stage.code == "committed"
    assert project.expected_jobs == 50  # blank in the file: kept
    assert project.vehicle == "branch"
    assert project.competing_locations == ["新加坡"]
    assert Project.objects.count() == 1  # matched by its title, written with a space


def test_a_row_without_a_title_means_the_institutions_only_open_project(db, tmp_path, user, plan):
    institution = InstitutionFactory(name_zh="乙证券有限公司", name_en="")
    lost = ProjectFactory(institution=institution, title="旧项目", owner=user)
    project_move(project=lost, to=stage("lost"), actor=user, lost_reason="cost")
    current = ProjectFactory(institution=institution, title="设立资管子公司", owner=user)
    path = write_xlsx(tmp_path / "a.xlsx", [["机构名称", "阶段"], ["乙证券有限公司", "在谈"]])

    result = run(path, user)

    assert result.counts == counts(update=1)
    current.refresh_from_db()
    assert current.stage.code == "negotiating"


def test_a_row_without_a_title_fails_when_the_institution_has_several_open_projects(
    db, tmp_path, user, plan
):
    institution = InstitutionFactory(name_zh="丙保险有限公司", name_en="")
    ProjectFactory(institution=institution, title="一", owner=user)
    ProjectFactory(institution=institution, title="二", owner=user)
    path = write_xlsx(tmp_path / "a.xlsx", [["机构名称", "阶段"], ["丙保险有限公司", "在谈"]])

    with translation.override("en"):
        result = run(path, user)

    (error,) = result.outcomes[0].errors
    assert error.column == ""  # the file has no title column
    assert "several projects" in error.reason


def test_the_same_project_twice_in_a_file_is_a_duplicate(db, tmp_path, user, plan):
    rows = [["机构名称", "项目名称"], ["丁银行", "设立分行"], ["丁银行", "设立分行 "]]
    path = write_xlsx(tmp_path / "a.xlsx", rows)

    with translation.override("en"):
        result = run(path, user)

    assert [o.action for o in result.outcomes] == ["create", "duplicate"]
    assert result.outcomes[1].errors[0].reason == "The same project as row 2 of this file."
    assert Project.objects.count() == 1


# ------------------------------------------------------------ failures


def test_a_failed_row_says_which_cell_and_why(db, tmp_path, user, plan):
    rows = [HEADERS,
            line(企业名称="戊资本", 项目名称="一", 阶段="不存在的阶段", 落地概率="150%"),
            line(企业名称="戊资本", 项目名称="二", 阶段="已落地"),
            line(企业名称="戊资本", 项目名称="三", 阶段="流失"),
            line(企业名称="戊资本", 项目名称="四", 阶段="在谈", 阶段日期="2099-01-01")]  # fmt: skip
    path = write_xlsx(tmp_path / "a.xlsx", rows)

    with translation.override("en"):
        result = run(path, user)

    assert result.counts == counts(failed=4)
    found = {(e.row, e.column, e.value) for o in result.outcomes for e in o.errors}
    assert found == {
        (2, "阶段", "不存在的阶段"),
        (2, "落地概率", "150%"),
        (3, "注册日期", ""),
        (3, "统一社会信用代码", ""),
        (4, "流失原因", ""),
        (5, "阶段日期", "2099-01-01"),
    }
    reasons = {e.column: e.reason for o in result.outcomes for e in o.errors}
    assert reasons["阶段"].startswith("“不存在的阶段” is not a stage. The stages are: Lead")
    assert reasons["注册日期"] == "A landing needs the date of registration."
    assert reasons["流失原因"] == "Say why the project was lost."
    assert reasons["阶段日期"] == "A change cannot be dated in the future."
    assert Institution.objects.count() == 0  # all or nothing


def test_a_stage_date_before_the_last_move_fails_on_the_stage_date(db, tmp_path, user, plan):
    institution = InstitutionFactory(name_zh="己基金", name_en="")
    project = ProjectFactory(institution=institution, title="设立子公司", owner=user)
    project_move(project=project, to=stage("committed"), actor=user)
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["机构名称", "项目名称", "阶段", "阶段日期"],
            ["己基金", "设立子公司", "在谈", "2020-01-01"],
        ],
    )

    with translation.override("en"):
        result = run(path, user)

    (error,) = result.outcomes[0].errors
    assert (error.column, error.value) == ("阶段日期", "2020-01-01")
    assert error.reason.startswith("A move cannot be dated before the project's last move")
    project.refresh_from_db()
    assert project.stage.code == "committed"


def test_an_import_does_not_take_a_landing_back(ledger, register, user, plan, tmp_path):
    run(ledger, user)
    rows = ledger_rows()
    rows[3][COLUMN["阶段"]] = "在谈"
    path = write_xlsx(tmp_path / "back.xlsx", rows)

    result = run(path, user, all_or_nothing=False)

    assert outcome_of(result, 4).action == "failed"
    assert outcome_of(result, 4).errors[0].column == "阶段"
    assert Milestone.objects.filter(kind=MilestoneKind.REGISTERED).count() == 1


def test_a_project_of_another_team_is_not_changed(db, tmp_path, user, plan):
    other_team = TeamFactory(name="航运招商部")
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, team=other_team, role=Role.OFFICER)
    institution = InstitutionFactory(name_zh="庚航运", name_en="")
    project = ProjectFactory(institution=institution, title="设立航运子公司", owner=colleague)
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["机构名称", "项目名称", "阶段"], ["庚航运", "设立航运子公司", "签约"]],
    )

    result = run(path, user)

    assert result.counts == counts(failed=1)
    project.refresh_from_db()
    assert project.stage.code == "lead"
    assert Project.objects.count() == 1  # neither changed nor copied


# ------------------------------------------------------------ dry run, all or nothing


def test_a_dry_run_writes_nothing(ledger, register, user, plan):
    before = snapshot()

    result = run(ledger, user, dry_run=True)

    assert result.counts == counts(create=4)
    assert not result.written
    assert snapshot() == before


def test_one_bad_row_writes_nothing_by_default(ledger, register, user, plan, tmp_path):
    rows = ledger_rows()
    rows.insert(7, line(企业名称="安联投资管理有限公司", 项目名称="坏行", 落地概率="很高"))
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = snapshot()

    result = run(path, user)

    assert result.counts["failed"] == 1 and result.counts["create"] == 4
    assert not result.written
    assert snapshot() == before

    partial = run(path, user, all_or_nothing=False)

    assert partial.written
    assert Project.objects.count() == 4


# ------------------------------------------------------------ speed


def test_deciding_takes_a_few_queries_per_batch_not_per_row(db, tmp_path, user, plan):
    institutions = [
        InstitutionFactory(name_zh=f"机构{n}号", name_en="", team=None) for n in range(30)
    ]
    for institution in institutions:
        ProjectFactory(institution=institution, title="设立子公司", owner=user)
    rows = [["机构名称", "项目名称", "阶段", "落地概率"]]
    rows += [[f"机构{n}号", "设立子公司", "在谈", 50] for n in range(30)]
    rows += [[f"新机构{n}号", "设立子公司", "线索", None] for n in range(30)]
    path = write_xlsx(tmp_path / "a.xlsx", rows)

    with CaptureQueriesContext(connection) as queries:
        result = run(path, user, dry_run=True)

    assert result.counts == counts(create=30, update=30)
    assert len(queries) < 25  # the register, stages, lookups once; three reads for the batch


# ------------------------------------------------------------ the command


def test_the_command_imports_projects(ledger, register, user, plan):
    out = io.StringIO()

    call_command("import_workbook", str(ledger), kind="projects", username=user.username,
                 stdout=out)  # fmt: skip

    assert Project.objects.count() == 4
    assert "4" in out.getvalue()


def test_the_command_writes_the_failed_rows_next_to_the_file(db, tmp_path, user, plan):
    path = write_xlsx(
        tmp_path / "p.xlsx", [["机构名称", "项目名称", "阶段"], ["辛", "一", "暂停合作"]]
    )

    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), kind="projects", username=user.username,
                     stdout=io.StringIO())  # fmt: skip

    assert (tmp_path / "p-errors.xlsx").exists()
    assert Project.objects.count() == 0
