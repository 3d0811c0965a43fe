"""An admin folds a duplicate into the record that stays, erases a person, and audits both."""

from __future__ import annotations

import re

from accounts.models import Role
from crm.models import Institution
from crm.services import institution_save
from tests.browser.conftest import log_in
from tests.factories import ContactFactory, InstitutionFactory, MembershipFactory, UserFactory


def test_merge_erase_and_find_it_all_in_the_trail(page, transactional_db):
    admin = UserFactory(username="zhao.admin", display_name="赵管理")
    MembershipFactory(user=admin, role=Role.ADMIN)
    keep = institution_save(
        institution=InstitutionFactory(name_zh="贝莱德基金管理有限公司", name_en="", country="US"),
        aliases=["贝莱德"],
    )
    drop = InstitutionFactory(
        name_zh="", name_en="BlackRock Fund Management", uscc="91310110666007217T", country="GB"
    )
    ContactFactory(institution=drop, name="李想")
    log_in(page, "zhao.admin")

    # Merge: pick the other record by searching, compare, keep the USCC of the other one.
    page.goto(keep.get_absolute_url())
    page.get_by_role("link", name="合并").click()
    page.fill("#id_other-ts-control", "blackrock")
    page.locator(".ts-dropdown .option", has_text="BlackRock Fund Management").click()
    page.get_by_role("button", name="比较").click()
    form = page.get_by_test_id("merge-form")
    form.locator("input[name=uscc][value=b]").check()
    form.get_by_role("button", name="合并").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{keep.pk}/$"))
    assert "已将" in page.locator(".alert-success").inner_text()
    # The English name was empty here, so the merge form offered the other record's.
    assert "BlackRock Fund Management" in page.locator("header").inner_text()
    assert page.get_by_test_id("uscc").inner_text().strip() == "91310110666007217T"
    assert not Institution.objects.filter(pk=drop.pk).exists()

    # The contact came along; the admin erases her.
    page.get_by_test_id("contact").get_by_role("link", name="个人信息").click()
    page.fill("#confirm-erase", keep.name_zh)
    page.get_by_role("button", name="删除个人信息").click()
    page.wait_for_url(re.compile(rf"/crm/institutions/{keep.pk}/$"))
    assert "已删除的联系人" in page.get_by_test_id("contact").inner_text()

    # The history tab and the audit search show who did it, and nothing of the person.
    page.get_by_role("link", name="变更历史").click()
    assert "赵管理" in page.get_by_test_id("history").inner_text()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="审计日志").click()
    trail = page.get_by_test_id("audit-entries").inner_text()
    assert "赵管理" in trail and "机构合并" in trail
    assert "李想" not in trail
