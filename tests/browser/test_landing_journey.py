"""An officer lands a project on the board and sees the plan's target count rise."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from accounts.models import Role
from crm.models import Milestone
from pipeline.models import Stage
from pipeline.services import project_create, project_move
from plans.models import Category
from tests.browser.conftest import log_in
from tests.factories import InstitutionFactory, MembershipFactory, TeamFactory, UserFactory

BASE = "91310115MA1K4QWX3"
USCC = BASE + uscc_check.calc_check_digit(BASE)
TARGET = "financial-institutions"  # 各类金融机构: registrations tagged finance or below


def value_of(page, target: str) -> str:
    return page.locator(f"tr[data-target='{target}'] [data-testid=value] a").inner_text()


def test_landing_a_project_on_the_board_raises_the_target_count(page, plan, transactional_db):
    officer = UserFactory(username="li.na", display_name="李娜")
    MembershipFactory(user=officer, team=TeamFactory(name="资管招商部"), role=Role.OFFICER)
    institution = InstitutionFactory(name_zh="鼎泰基金管理有限公司", owner=officer, uscc="")
    # A sub-category of 金融: the target counts its whole subtree.
    institution.categories.set([Category.objects.get(plan=plan, code="finance-public-fund")])
    project = project_create(institution=institution, title="设立公募基金管理公司", actor=officer)
    project_move(project=project, to=Stage.objects.get(code="registering"), actor=officer)

    log_in(page, "li.na")
    page.goto(f"/pipeline/progress/{plan.code}/")
    before = int(value_of(page, TARGET).replace(",", ""))

    page.goto("/pipeline/board/")
    card = page.locator(f"#card-{project.pk}")
    assert "鼎泰基金管理" in card.inner_text()
    # Drag by hand with the mouse: Chromium starts an HTML5 drag only after several moves.
    landed = page.get_by_test_id("column-landed")
    landed.scroll_into_view_if_needed()
    card.hover()
    page.mouse.down()
    box = landed.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40, steps=8)
    page.mouse.up()
    form = page.get_by_test_id("move-form")
    form.wait_for()
    registered = timezone.localdate() - datetime.timedelta(days=2)
    form.locator("input[name=registration_date]").fill(registered.isoformat())
    # Landing without the code is refused, with the reason next to the field.
    form.get_by_test_id("move-submit").click()
    error = page.get_by_test_id("move-form").locator("#id_uscc ~ .invalid-feedback")
    error.wait_for()
    assert "统一社会信用代码" in error.inner_text()
    assert Milestone.objects.count() == 0
    page.get_by_test_id("move-form").locator("input[name=uscc]").fill(USCC)
    page.get_by_test_id("move-form").get_by_test_id("move-submit").click()
    page.get_by_test_id("column-landed").locator(f"#card-{project.pk}").wait_for()

    project.refresh_from_db()
    assert project.stage.code == "landed"
    milestone = Milestone.objects.get(institution=institution)
    assert (milestone.kind, milestone.date, milestone.uscc) == ("registered", registered, USCC)

    page.goto(f"/pipeline/progress/{plan.code}/")
    assert int(value_of(page, TARGET).replace(",", "")) == before + 1
    # The drill-down names exactly the institution that was counted.
    page.locator(f"tr[data-target='{TARGET}'] [data-testid=value] a").click()
    page.wait_for_url(re.compile(rf"/pipeline/progress/{plan.code}/{TARGET}/"))
    assert "鼎泰基金管理有限公司" in page.locator("main").inner_text()
