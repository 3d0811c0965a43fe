"""An analyst imports an old ledger: upload, columns, dry run with its progress bar, the
preview, the import of the good rows, the result page and its error workbook.

The run is queued as a Celery job; this test plays the worker (``jobs.execute``) while the
page waits on its progress bar, so the journey does not depend on a broker. A real worker
is tested in tests/spreadsheets/test_import_worker.py.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook

from accounts.models import Role
from crm.models import Institution
from spreadsheets import jobs
from spreadsheets.models import ImportJob
from tests.browser.conftest import log_in
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import MembershipFactory, UserFactory

ROWS = 60


def ledger() -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = "2024台账"
    sheet.append(["2024年陆家嘴金融城新引进机构台账"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "企业名称", "国别", "注册资本（万元）", "内部备注"])
    for n in range(1, ROWS + 1):
        sheet.append([n, f"旅程资产管理{n:03d}号有限公司", "新加坡", 2000 + n, "勿导入"])
    sheet.append([ROWS + 1, "火星金融有限公司", "火星国", 100, None])
    sheet.append(["合计", None, None, 999999, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def play_the_worker(queued: list[tuple[int, int]]) -> None:
    """Take the queued run, as a worker would."""
    assert queued, "no run was queued"
    jobs.execute(*queued.pop(0))


def test_an_analyst_imports_a_ledger_through_the_wizard(
    page, plan, transactional_db, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    settings.LANDFALL_IMPORT_INLINE_ROWS = 10  # this ledger runs as a job
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "spreadsheets.tasks.run_import_job.delay", lambda job, run: queued.append((job, run))
    )
    analyst = UserFactory(username="zhou.yu", display_name="周瑜")
    MembershipFactory(user=analyst, role=Role.ANALYST)

    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)

    log_in(page, "zhou.yu")
    page.get_by_role("link", name="导入", exact=True).click()
    # The template of the kind: its headers are the ones the import maps.
    with page.expect_download() as template:
        page.get_by_test_id("templates").get_by_role("link").first.click()
    headers = next(
        load_workbook(io.BytesIO(Path(template.value.path()).read_bytes()))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert headers[:3] == ("机构名称", "英文名称", "统一社会信用代码")
    page.locator("input[name=kind][value=institutions]").check()
    page.locator("input[name=file]").set_input_files(
        files=[
            {"name": "2024台账.xlsx", "mimeType": "application/octet-stream", "buffer": ledger()}
        ]
    )
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()

    # The columns: found below the merged title, matched by name; the user drops one.
    mapping = page.get_by_test_id("mapping")
    mapping.wait_for()
    assert page.locator("input[name=header_row]").input_value() == "2"
    assert page.locator("select[name=column_1]").input_value() == "name_zh"
    assert page.locator("select[name=column_2]").input_value() == "country"
    page.locator("select[name=column_4]").select_option("")  # 内部备注: not imported
    page.get_by_test_id("mapping-form").locator("button[value=check]").click()

    # The dry run waits on its progress bar until the worker takes it, then the page
    # reloads itself with the preview.
    page.get_by_test_id("import-progress").wait_for()
    assert page.get_by_test_id("import-bar").is_visible()
    play_the_worker(queued)
    page.get_by_test_id("counts").wait_for()
    problems += page.evaluate("window.__cspViolations")
    assert page.get_by_test_id("count-create").inner_text() == str(ROWS)
    assert page.get_by_test_id("count-failed").inner_text() == "1"
    table = page.get_by_test_id("problems")
    assert "火星国" in table.inner_text() and "火星金融有限公司" in table.inner_text()
    assert not Institution.objects.exists()  # a dry run writes nothing

    # All or nothing would write nothing: the analyst imports the good rows only.
    page.get_by_test_id("commit-good").click()
    page.get_by_test_id("import-progress").wait_for()
    play_the_worker(queued)
    page.get_by_test_id("see-records").wait_for()
    assert page.get_by_test_id("count-create").inner_text() == str(ROWS)
    assert Institution.objects.count() == ROWS
    assert not Institution.objects.exclude(description="").exists()  # the dropped column

    with page.expect_download() as info:
        page.get_by_test_id("error-workbook").click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("序号", "企业名称")
    assert [row[1] for row in rows[1:]] == ["火星金融有限公司"]
    assert "火星国" in rows[1][-1]

    page.get_by_test_id("see-records").click()
    page.get_by_text("旅程资产管理001号有限公司").first.wait_for()

    # The earlier imports list it, with what it did.
    page.goto("/spreadsheets/import/")
    page.get_by_role("link", name="以往导入").click()
    listed = page.get_by_test_id("import-list")
    assert "2024台账.xlsx" in listed.inner_text() and str(ROWS) in listed.inner_text()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE and job.written
    assert problems == []  # no script error, no content-security-policy violation
