"""An analyst takes a filtered list and the quarter's tally out to Excel."""

from __future__ import annotations

import datetime
import io

from openpyxl import load_workbook

from accounts.models import Role
from crm.models import InstitutionType
from tests.browser.conftest import log_in
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory, milestone


def download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    return open(info.value.path(), "rb").read()


def test_an_analyst_exports_the_filtered_list_and_the_quarterly_tally(page, plan, transactional_db):
    analyst = UserFactory(username="ma.chao", display_name="马超")
    MembershipFactory(user=analyst, role=Role.ANALYST)
    for name in ["瀚海资产管理有限公司", "瀚海融资租赁有限公司"]:
        InstitutionFactory(name_zh=name, institution_type=InstitutionType.FINANCIAL_LEASING)
    InstitutionFactory(name_zh="远洋航运有限公司")
    # A formula-looking name stays text in the file.
    InstitutionFactory(
        name_zh='=HYPERLINK("http://x")瀚海', institution_type=InstitutionType.FINANCIAL_LEASING
    )
    landed = InstitutionFactory(name_zh="鼎泰银行(中国)有限公司")
    milestone(landed, "registered", datetime.date(2025, 11, 10))

    log_in(page, "ma.chao")
    page.goto("/crm/institutions/")
    page.get_by_role("searchbox").first.fill("瀚海")
    page.get_by_role("searchbox").first.press("Enter")
    page.get_by_text("共 3 家机构").wait_for()
    page.get_by_test_id("export-menu").get_by_role("button").first.click()
    data = download(page, lambda: page.get_by_role("button", name="这些机构", exact=True).click())
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "中文名称"  # headers in the user's language
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(
        ["瀚海资产管理有限公司", "瀚海融资租赁有限公司", '=HYPERLINK("http://x")瀚海']
    )
    assert all(cell.data_type == "s" for cell in sheet["A"][1:])  # never a formula
    assert sheet.freeze_panes == "A2"

    page.goto(f"/pipeline/progress/{plan.code}/")
    page.get_by_test_id("tally-link").click()
    form = page.get_by_test_id("tally-form")
    form.locator("input[name=quarter]").fill("2025Q4")
    data = download(page, lambda: form.locator("button[type=submit]").click())
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "指标进度"
    assert book.worksheets[0].page_setup.orientation == "landscape"
    landings = book.worksheets[1]
    assert any(
        "鼎泰银行(中国)有限公司" in (row or ()) for row in landings.iter_rows(values_only=True)
    )
