"""An officer's day in the register: create, meet a duplicate, log a visit, find the follow-up."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from crm.models import FollowUp, Institution
from tests.browser.conftest import log_in
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def test_create_warn_log_and_find_it_in_my_work(page, plan, transactional_db):
    officer = UserFactory(username="li.na", display_name="李娜")
    MembershipFactory(user=officer, team=TeamFactory(name="资管招商部"), role=Role.OFFICER)
    log_in(page, "li.na")

    # Create an institution, choosing its owner with the search-as-you-type chooser.
    page.get_by_role("link", name="机构", exact=True).click()
    page.get_by_role("link", name="新建机构").click()
    page.fill("#id_name_zh", "瀚海资产管理有限公司")
    page.fill("#id_name_en", "Hanhai Asset Management Co., Ltd.")
    page.select_option("#id_institution_type", "public-fund")
    page.select_option("#id_ownership", "private")
    page.fill("#id_owner-ts-control", "李")
    page.locator(".ts-dropdown .option", has_text="李娜").click()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/crm/institutions/\d+/$"))
    original = Institution.objects.get()
    assert original.owner == officer
    assert page.locator("h1").inner_text() == "瀚海资产管理有限公司"

    # A near-duplicate: the panel warns while typing, and saving asks first.
    page.get_by_role("link", name="机构", exact=True).click()
    page.get_by_role("link", name="新建机构").click()
    page.fill("#id_name_zh", "瀚海资产管理(上海)股份有限公司")
    live = page.locator("#live-duplicates")
    live.get_by_role("link", name="瀚海资产管理有限公司").wait_for()
    page.select_option("#id_institution_type", "public-fund")
    page.select_option("#id_ownership", "private")
    page.get_by_role("button", name="保存").click()
    warning = page.get_by_test_id("duplicate-warning")
    assert "机构库中可能已有这家机构" in warning.inner_text()
    assert Institution.objects.count() == 1
    # The officer opens the existing record instead.
    warning.get_by_role("link", name="瀚海资产管理有限公司").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{original.pk}/$"))

    # Log a visit and its follow-up without leaving the page.
    url = page.url
    due = timezone.localdate() + datetime.timedelta(days=5)
    page.get_by_role("button", name="记录一次接洽").click()
    form = page.locator("#interaction-form")
    form.locator("#id_kind").select_option("visit")
    form.locator("#id_summary").fill("拜访总经理,介绍陆家嘴资管政策")
    form.locator("#id_follow_up_title").fill("寄送政策汇编")
    form.locator("#id_follow_up_due").fill(due.isoformat())
    form.get_by_role("button", name="记录接洽").click()
    page.get_by_test_id("logged").wait_for()
    assert page.url == url
    assert "拜访总经理" in page.get_by_test_id("timeline").inner_text()
    assert "寄送政策汇编" in page.get_by_test_id("follow-ups").inner_text()
    # Folded away until the next one (waits out the collapse's animation).
    expect(page.locator("#id_summary")).to_be_hidden()
    assert page.locator("#id_summary").input_value() == ""
    assert FollowUp.objects.get().assignee == officer

    # The follow-up waits in My work, and is ticked off there.
    page.get_by_role("link", name="我的工作", exact=True).click()
    upcoming = page.get_by_test_id("upcoming")
    assert "寄送政策汇编" in upcoming.inner_text()
    assert due.isoformat() in upcoming.inner_text()
    upcoming.get_by_role("button", name="标记为已完成").click()
    upcoming.get_by_role("button", name="标记为未完成").wait_for()
    assert FollowUp.objects.get().done


def test_the_list_filters_and_searches_as_the_officer_types(page, transactional_db):
    from tests.factories import InstitutionFactory

    UserFactory(username="zhou.jie")
    InstitutionFactory(name_zh="贝莱德基金管理有限公司", name_en="BlackRock Fund Management")
    InstitutionFactory(name_zh="浦江融资租赁有限公司", institution_type="financial-leasing")
    log_in(page, "zhou.jie")
    page.goto("/crm/institutions/")
    results = page.get_by_test_id("institutions")
    assert "浦江融资租赁有限公司" in results.inner_text()
    page.fill("#id_q", "ｂｌａｃｋ")  # full width, as a Chinese keyboard may type it
    page.wait_for_url(re.compile(r"q=%EF%BD%82"))
    page.get_by_test_id("result-count").filter(has_text="共 1 家机构").wait_for()
    assert "浦江" not in results.inner_text()
    assert "贝莱德基金管理有限公司" in results.inner_text()
