"""Journey: an analyst fills in a figure the plan did not publish, in the admin."""

from __future__ import annotations

import re

from accounts.models import Role
from tests.browser.conftest import log_in
from tests.factories import MembershipFactory, UserFactory


def test_an_analyst_fills_in_an_unpublished_baseline(page, plan, transactional_db):
    MembershipFactory(user=UserFactory(username="ma.chao", display_name="马超"), role=Role.ANALYST)
    log_in(page, "ma.chao")
    page.goto("/plans/lujiazui-14th/")
    row = page.locator('tr[data-target="retail-sales"]')
    assert row.get_by_test_id("baseline").inner_text().strip() == "未公布"

    page.get_by_role("link", name="在后台编辑").click()
    page.get_by_role("link", name="retail-sales", exact=True).click()
    page.fill("input[name=baseline_value]", "1275.5")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/plans/target/"))
    assert page.locator(".messagelist").is_visible()

    page.goto("/plans/lujiazui-14th/")
    assert row.get_by_test_id("baseline").inner_text().strip() == "1,275.5"
