"""Smoke journey: log in, switch language, read the plan's targets."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in
from tests.factories import UserFactory


def target_row(page, code):
    return page.locator(f'tr[data-target="{code}"]')


def test_an_officer_logs_in_switches_language_and_reads_the_plan(page, plan, transactional_db):
    UserFactory(username="li.na", display_name="李娜")

    # The browser asks for English, but the office works in Chinese first.
    log_in(page, "li.na")
    assert page.locator("h1").inner_text() == "欢迎,李娜"

    page.get_by_role("link", name="规划", exact=True).click()
    page.wait_for_url(re.compile(r"/plans/lujiazui-14th/$"))
    licensed = target_row(page, "licensed-financial-institutions")
    assert licensed.locator("th").inner_text().strip() == "持牌类金融机构"
    assert licensed.get_by_test_id("baseline").inner_text().strip() == "901"
    assert licensed.get_by_test_id("target").inner_text().strip() == "> 1,000"
    assert licensed.get_by_test_id("due").inner_text().strip() == "2025-12-31"
    hq = target_row(page, "regional-hq")
    assert hq.get_by_test_id("baseline").inner_text().strip() == "124"
    assert hq.get_by_test_id("target").inner_text().strip() == "≥ 200"
    assert page.locator("tr[data-target]").count() == 24

    page.get_by_test_id("language-en").click()
    page.wait_for_url(re.compile(r"/plans/lujiazui-14th/$"))
    assert licensed.locator("th").inner_text().strip() == "Licensed financial institutions"
    assert target_row(page, "retail-sales").get_by_test_id("baseline").inner_text().strip() == (
        "not published"
    )
    assert page.get_by_role("heading", name="Categories").is_visible()

    # The choice is the user's, not the browser's: a new session opens in English.
    page.context.clear_cookies()
    log_in(page, "li.na")
    assert page.locator("h1").inner_text() == "Welcome, 李娜"


def test_a_wrong_password_is_told_plainly(page, transactional_db):
    UserFactory(username="zhang.wei")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", "not-the-password")
    page.click("#login-form button[type=submit]")
    assert "请输入一个正确的" in page.locator(".alert").inner_text()
