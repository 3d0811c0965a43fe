"""An officer of another team meets a confidential project and learns only its code name."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in


def test_team_b_finds_a_confidential_project_by_code_name_only(page, transactional_db, world):
    log_in(page, "officer_b")
    page.get_by_role("link", name="招商项目", exact=True).click()
    page.get_by_role("searchbox").fill("猎鹰")
    page.get_by_role("button", name="搜索").click()
    results = page.get_by_test_id("project-results")
    assert "猎鹰" in results.inner_text()
    assert "瀚海" not in results.inner_text()

    results.get_by_role("link", name=re.compile("猎鹰")).click()
    page.wait_for_url(re.compile(rf"/pipeline/projects/{world.secret.pk}/$"))
    assert page.get_by_test_id("project-name").inner_text().strip() == "猎鹰"
    body = page.locator("main").inner_text()
    assert "收购某券商股权" not in body
    assert "瀚海资产管理有限公司" not in body
    assert page.get_by_test_id("confidential-note").is_visible()

    # Nor does the shared register give it away.
    page.goto(world.institution.get_absolute_url())
    body = page.locator("main").inner_text()
    assert "猎鹰" not in body and "收购某券商股权" not in body

    # And team A's ordinary project is simply not there for team B.
    response = page.goto(world.project.get_absolute_url())
    assert response.status == 404
