"""A manager's morning: the team's pipeline, a colleague's overdue follow-up, this quarter's
landings, their own projects at a click, and the board one more click away."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from pipeline.models import Project, StageKind
from pipeline.services import project_create
from tests.browser.conftest import log_in
from tests.factories import FollowUpFactory, InstitutionFactory, milestone

BASE = "91310115MA1K9DTX5"
USCC = BASE + uscc_check.calc_check_digit(BASE)


def test_a_manager_reads_the_dashboard_and_opens_the_board(page, plan, transactional_db, world):
    manager = world.people["manager_a"]
    today = timezone.localdate()
    own = project_create(institution=world.institution, title="设立区域总部", actor=manager)
    FollowUpFactory(
        title="寄送尽调清单",
        institution=world.institution,
        assignee=world.people["officer_a2"],
        team=world.team_a,
        created_by=world.people["officer_a2"],
        due_date=today - datetime.timedelta(days=4),
    )
    # Another team's overdue work is not this manager's business.
    FollowUpFactory(
        title="B组逾期待办",
        assignee=world.people["officer_b"],
        team=world.team_b,
        created_by=world.people["officer_b"],
        due_date=today - datetime.timedelta(days=2),
    )
    landed = InstitutionFactory(name_zh="鼎泰基金管理有限公司", uscc=USCC)
    milestone(landed, "registered", today, uscc=USCC)

    log_in(page, "manager_a")
    # The team's pipeline by default: world.project, world.secret (猎鹰) and the manager's own.
    team_open = Project.objects.filter(team=world.team_a, stage__kind=StageKind.OPEN).count()
    assert team_open == 3
    assert page.get_by_test_id("open-projects").inner_text().strip() == "3"
    page.locator("[data-chart=pipeline-chart] canvas").first.wait_for()
    assert "线索" in page.get_by_test_id("pipeline-table").inner_text()
    assert (
        page.get_by_role("link", name="本团队", exact=True).get_attribute("aria-current") == "true"
    )

    overdue = page.get_by_test_id("overdue")
    assert page.get_by_test_id("overdue-count").inner_text().strip() == "1"
    assert "寄送尽调清单" in overdue.inner_text()
    assert world.people["officer_a2"].display_name in overdue.inner_text()  # whose it is
    assert (today - datetime.timedelta(days=4)).isoformat() in overdue.inner_text()
    assert "B组逾期待办" not in overdue.inner_text()
    assert "A组待办" not in overdue.inner_text()  # due in three days: not overdue

    assert page.get_by_test_id("landings-this-quarter").inner_text().strip() == "1"
    latest = page.get_by_test_id("latest-landings")
    assert "鼎泰基金管理有限公司" in latest.inner_text()
    assert today.isoformat() in latest.inner_text()

    # 我的: only the manager's own project.
    page.get_by_role("link", name="我的", exact=True).click()
    page.wait_for_url(re.compile(r"/\?scope=mine$"))
    assert page.get_by_test_id("open-projects").inner_text().strip() == "1"
    assert Project.objects.filter(owner=manager, stage__kind=StageKind.OPEN).count() == 1
    page.get_by_role("link", name="本团队", exact=True).click()
    page.wait_for_url(re.compile(r"/\?scope=team$"))
    assert page.get_by_test_id("open-projects").inner_text().strip() == "3"

    # The board, with the team's cards.
    page.get_by_role("link", name="打开招商看板").click()
    page.wait_for_url(re.compile(r"/pipeline/board/$"))
    assert "设立区域总部" in page.locator(f"#card-{own.pk}").inner_text()
    assert "设立公募基金子公司" in page.locator(f"#card-{world.project.pk}").inner_text()
