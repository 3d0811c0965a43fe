"""An analyst records a landing found on a registry list; the owning team records its exit.

The plan's count of financial institutions rises with the registration and falls back with
the exit, and the target's drill-down says which institution was counted, then subtracted.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from accounts.models import Role
from crm.models import Institution, InstitutionStatus, Milestone
from plans.models import Category
from tests.browser.conftest import log_in
from tests.factories import InstitutionFactory, MembershipFactory, TeamFactory, UserFactory

BASE = "91310115MA1K7PLB2"
USCC = BASE + uscc_check.calc_check_digit(BASE)
TARGET = "financial-institutions"  # 各类金融机构: registrations tagged finance or below
NAME = "鼎泰基金管理有限公司"


def value_of(page) -> int:
    link = page.locator(f"tr[data-target='{TARGET}'] [data-testid=value] a")
    return int(link.inner_text().replace(",", ""))


def open_progress(page) -> int:
    page.get_by_role("link", name="进度", exact=True).click()
    page.wait_for_url(re.compile(r"/pipeline/progress/lujiazui-14th/$"))
    return value_of(page)


def open_drill_down(page) -> None:
    page.locator(f"tr[data-target='{TARGET}'] [data-testid=value] a").click()
    page.wait_for_url(re.compile(rf"/pipeline/progress/lujiazui-14th/{TARGET}/"))


def test_a_registry_landing_counts_and_its_exit_takes_it_back(page, plan, transactional_db):
    team = TeamFactory(name="资管招商部")
    officer = UserFactory(username="li.na", display_name="李娜")
    MembershipFactory(user=officer, team=team, role=Role.OFFICER)
    analyst = UserFactory(username="chen.jing", display_name="陈静")
    MembershipFactory(user=analyst, team=TeamFactory(name="研究分析部"), role=Role.ANALYST)
    institution = InstitutionFactory(name_zh=NAME, owner=officer, team=team, uscc="")
    # A sub-category of 金融: the target counts its whole subtree.
    institution.categories.set([Category.objects.get(plan=plan, code="finance-public-fund")])
    today = timezone.localdate()
    registered = today - datetime.timedelta(days=20)
    exited = today - datetime.timedelta(days=2)

    log_in(page, "chen.jing")
    before = open_progress(page)

    # The analyst found the registration on the registry list: no project is needed.
    page.goto(institution.get_absolute_url())
    page.get_by_role("link", name="记录里程碑").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{institution.pk}/milestones/new/$"))
    page.select_option("#id_kind", "registered")
    page.fill("#id_date", registered.isoformat())
    page.fill("#id_uscc", USCC)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{institution.pk}/$"))
    assert "已记录里程碑" in page.locator(".alert-success").inner_text()
    card = page.get_by_test_id("milestones").locator("[data-milestone=registered]")
    assert "已注册(领取营业执照)" in card.inner_text()
    assert registered.isoformat() in card.inner_text()
    assert USCC in card.inner_text()
    assert "陈静" in card.inner_text()
    assert page.get_by_test_id("uscc").inner_text().strip() == USCC
    milestone = Milestone.objects.get(institution=institution)
    assert (milestone.kind, milestone.date, milestone.uscc) == ("registered", registered, USCC)
    assert (milestone.project, milestone.created_by) == (None, analyst)
    institution.refresh_from_db()
    assert (institution.uscc, institution.status) == (USCC, InstitutionStatus.LANDED)

    # 进度: the target counts it, and its drill-down names it.
    assert open_progress(page) == before + 1
    open_drill_down(page)
    counted = page.get_by_test_id("counted").locator(f"tr[data-institution='{institution.pk}']")
    assert NAME in counted.inner_text()
    assert registered.isoformat() in counted.inner_text()

    # The owning team's officer records the exit: first without saying how it left.
    page.context.clear_cookies()
    log_in(page, "li.na")
    page.goto(institution.get_absolute_url())
    page.get_by_role("link", name="记录里程碑").click()
    page.select_option("#id_kind", "exited")
    page.fill("#id_date", exited.isoformat())
    page.fill("#id_reason", "集团整合,迁往前海")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#id_exit_kind ~ .invalid-feedback, #id_exit_kind + .invalid-feedback")
    error.first.wait_for()
    assert error.first.inner_text().strip() == "此类里程碑须填写本项。"
    assert Milestone.objects.count() == 1
    page.select_option("#id_exit_kind", label="迁出")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{institution.pk}/$"))
    card = page.get_by_test_id("milestones").locator("[data-milestone=exited]")
    assert "已退出" in card.inner_text() and "迁出" in card.inner_text()
    assert "集团整合,迁往前海" in card.inner_text()
    exit_ = Milestone.objects.get(institution=institution, kind="exited")
    assert (exit_.date, exit_.exit_kind, exit_.created_by) == (exited, "moved-out", officer)
    assert exit_.reason == "集团整合,迁往前海"

    # The count drops back, and the drill-down lists it among the exits.
    assert open_progress(page) == before
    open_drill_down(page)
    row = f"tr[data-institution='{institution.pk}']"
    assert page.get_by_test_id("counted").locator(row).count() == 0
    gone = page.get_by_test_id("exited").locator(row)
    assert NAME in gone.inner_text()
    assert exited.isoformat() in gone.inner_text() and "迁出" in gone.inner_text()
    assert Institution.objects.get(pk=institution.pk).status == InstitutionStatus.LANDED
