"""An officer starts a project from an institution, edits it, moves it on and loses it."""

from __future__ import annotations

import re
from decimal import Decimal

from accounts.models import Role
from pipeline.models import LostReason, Project, StageChange
from pipeline.services import project_create
from tests.browser.conftest import log_in
from tests.factories import InstitutionFactory, MembershipFactory, TeamFactory, UserFactory

PROJECT_URL = re.compile(r"/pipeline/projects/(\d+)/$")


def open_move_form(page, stage: str):
    """The project page's Move menu, then the stage: the form arrives in the modal."""
    page.get_by_test_id("move-button").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name=stage, exact=True).click()
    form = page.locator("#move-modal").get_by_test_id("move-form")
    form.wait_for()
    return form


def test_an_officer_creates_edits_moves_and_loses_a_project(page, transactional_db):
    officer = UserFactory(username="li.na", display_name="李娜")
    team = TeamFactory(name="资管招商部")
    MembershipFactory(user=officer, team=team, role=Role.OFFICER)
    institution = InstitutionFactory(name_zh="鼎泰基金管理有限公司", owner=officer, team=team)
    # Another of the team's projects, still open: the list filtered by 流失 must leave it out.
    project_create(institution=institution, title="设立私募子公司", actor=officer)
    log_in(page, "li.na")

    # New project, from the institution's page: the institution is already chosen.
    page.goto(institution.get_absolute_url())
    page.get_by_role("link", name="新建项目").click()
    page.wait_for_url(re.compile(rf"/pipeline/projects/new/\?institution={institution.pk}$"))
    assert page.locator("#id_institution").input_value() == str(institution.pk)
    page.fill("#id_title", "设立公募基金管理公司")
    page.select_option("#id_vehicle", label="子公司")
    page.fill("#id_expected_registered_capital", "20000")
    page.fill("#id_expected_year", "2027")
    page.select_option("#id_expected_quarter", label="第一季度")
    page.fill("#id_competing_locations", "北京、新加坡")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(PROJECT_URL)
    project = Project.objects.get(title="设立公募基金管理公司")
    assert page.url.endswith(project.get_absolute_url())
    assert "已创建" in page.locator(".alert-success").inner_text()
    assert page.get_by_test_id("project-name").inner_text() == "设立公募基金管理公司"
    assert page.get_by_test_id("competing-locations").inner_text().strip() == "北京、新加坡"
    assert "子公司" in page.get_by_test_id("tags").inner_text()
    assert "线索" in page.get_by_test_id("stage").inner_text()
    assert (project.institution, project.owner, project.team) == (institution, officer, team)
    assert project.vehicle == "subsidiary"
    assert project.expected_registered_capital == Decimal("20000")
    assert project.competing_locations == ["北京", "新加坡"]
    assert (project.expected_year, project.expected_quarter) == (2027, 1)
    assert project.stage.code == "lead"

    # Edit: the landing slips to the third quarter.
    page.get_by_test_id("edit-button").click()
    page.wait_for_url(re.compile(rf"/pipeline/projects/{project.pk}/edit/$"))
    assert page.locator("#id_competing_locations").input_value() == "北京、新加坡"
    page.select_option("#id_expected_quarter", label="第三季度")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(PROJECT_URL)
    assert "2027年第三季度" in page.locator("main").inner_text()
    project.refresh_from_db()
    assert (project.expected_year, project.expected_quarter) == (2027, 3)
    assert project.competing_locations == ["北京", "新加坡"]  # untouched fields stay
    assert project.version == 2

    # Move with the button (no dragging): to 在谈, with a note.
    form = open_move_form(page, "在谈")
    assert "移至“在谈”" in form.get_by_test_id("move-submit").inner_text()
    form.locator("textarea[name=note]").fill("首次高层会谈,对方确认设立意向")
    form.get_by_test_id("move-submit").click()
    history = page.get_by_test_id("stage-history")
    history.get_by_text("线索 → 在谈").wait_for()
    assert "首次高层会谈" in history.inner_text()
    assert "李娜" in history.inner_text()
    assert "在谈" in page.get_by_test_id("stage").inner_text()
    project.refresh_from_db()
    assert project.stage.code == "negotiating"
    move = StageChange.objects.filter(project=project).last()
    assert (move.from_stage.code, move.to_stage.code, move.actor) == (
        "lead",
        "negotiating",
        officer,
    )
    assert move.note == "首次高层会谈,对方确认设立意向"

    # Lost without a reason: refused, with the reason asked for in Chinese; nothing written.
    changes = StageChange.objects.count()
    form = open_move_form(page, "流失")
    form.get_by_test_id("move-submit").click()
    error = page.locator("#move-form #id_lost_reason ~ .invalid-feedback")
    error.wait_for()
    assert error.inner_text().strip() == "请说明项目流失的原因。"
    project.refresh_from_db()
    assert project.stage.code == "negotiating"
    assert StageChange.objects.count() == changes
    assert project.lost_reason == ""

    # With a reason it goes through.
    form = page.locator("#move-form")
    form.locator("#id_lost_reason").select_option(label="选择了其他地区")
    form.locator("textarea[name=lost_note]").fill("最终选择新加坡")
    form.get_by_test_id("move-submit").click()
    page.get_by_test_id("stage-history").get_by_text("在谈 → 流失").wait_for()
    assert "选择了其他地区" in page.get_by_test_id("lost-reason").inner_text()
    project.refresh_from_db()
    assert project.stage.code == "lost"
    assert (project.lost_reason, project.lost_note) == (LostReason.OTHER_LOCATION, "最终选择新加坡")
    assert StageChange.objects.count() == changes + 1

    # The project list, filtered by the stage 流失, shows it and not the open one.
    page.get_by_role("link", name="招商项目", exact=True).click()
    page.wait_for_url(re.compile(r"/pipeline/projects/$"))
    results = page.get_by_test_id("project-results")
    assert "设立私募子公司" in results.inner_text()
    page.fill("#id_stage-ts-control", "流失")
    page.get_by_role("listbox", name="阶段").get_by_role("option", name="流失", exact=True).click()
    page.wait_for_url(re.compile(rf"stage={project.stage_id}"))
    page.get_by_test_id("result-count").filter(has_text="共 1 个项目").wait_for()
    rows = page.get_by_test_id("project-row")
    assert rows.count() == 1
    assert "设立公募基金管理公司" in rows.inner_text()
    assert "流失" in rows.inner_text()
