"""The import wizard through its pages: upload, columns, dry run, import, result, jobs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook

from crm.models import Institution
from spreadsheets import jobs
from spreadsheets.models import ImportJob
from tests.factories import PASSWORD
from tests.spreadsheets import hostile
from tests.spreadsheets.test_importing import ledger_rows
from tests.spreadsheets.test_reading import HOSTILE

State = ImportJob.State


def xlsx(rows: list[list[object]], *, hidden: list[list[object]] | None = None) -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = "台账"
    for row in rows:
        sheet.append(row)
    if hidden is not None:
        secret = book.create_sheet("旧数据")
        secret.sheet_state = "hidden"
        for row in hidden:
            secret.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows(count: int = 3) -> list[list[object]]:
    return [
        ["2024年新增机构台账"],
        ["序号", "企业名称", "国别", "注册资本（万元）"],
        *[[n, f"测试资产管理{n}号有限公司", "美国", 1000 + n] for n in range(1, count + 1)],
    ]


@pytest.fixture
def analyst(world, plan, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.login(username="analyst", password=PASSWORD)
    return world.people["analyst"]


def upload(client, content: bytes, *, name: str = "台账.xlsx", kind: str = "institutions"):
    return client.post(
        reverse("spreadsheets:import_start"),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def imported() -> int:
    """How many institutions the register holds beyond the world's own (tests/world.py)."""
    return Institution.objects.exclude(name_zh="瀚海资产管理有限公司").count()


def the_job() -> ImportJob:
    return ImportJob.objects.get()


def check(client, job: ImportJob, **changes):
    """Post the mapping page as the wizard shows it (with ``changes``): the dry run."""
    data = {
        "sheet": job.sheet,
        "header_row": job.header_row + 1,
        "all_or_nothing": "on",
        "action": "check",
        **{f"column_{i}": field for i, field in job.mapping.items()},
        **changes,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("spreadsheets:import_mapping", args=[job.pk]), data)


# ------------------------------------------------------------------ the steps


def test_the_wizard_finds_the_header_row_below_the_title_and_maps_the_columns(analyst, client):
    response = upload(client, xlsx(ledger_rows()))

    job = the_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("spreadsheets:import_mapping", args=[job.pk])
    assert job.header_row == 2  # below the title and the 单位：万元 line
    assert job.mapping["1"] == "name_zh" and job.mapping["3"] == "uscc"
    assert job.mapping["6"] == "country" and "0" not in job.mapping  # 序号 is not data
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "贝莱德基金管理有限公司" in page.content.decode()  # the first values, shown
    assert job.file.storage.exists(job.file.name)  # kept in Django's storage


def test_a_dry_run_previews_every_row_and_writes_nothing(analyst, client):
    upload(client, xlsx(ledger_rows()))
    job = the_job()

    response = check(client, job)

    job.refresh_from_db()
    assert response["Location"] == reverse("spreadsheets:import_job", args=[job.pk])
    assert job.state == State.CHECKED and not job.written
    assert job.counts == {"create": 3, "update": 0, "unchanged": 0, "duplicate": 1, "failed": 1}
    assert imported() == 0
    with translation.override("en"):
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    failed = next(p for p in job.problems if p["action"] == "failed")
    assert failed["row"] == 8
    assert failed["errors"][0][:2] == ["国别", "火星国"]
    assert "火星国" in page and "火星金融有限公司" in page
    assert 'data-testid="error-workbook"' in page


def test_all_or_nothing_writes_nothing_then_the_good_rows_can_be_imported(analyst, client):
    upload(client, xlsx(ledger_rows()))
    job = the_job()
    check(client, job)

    client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit"})
    job.refresh_from_db()
    assert job.state == State.DONE and not job.written
    assert imported() == 0

    client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit_good"})
    job.refresh_from_db()
    assert job.state == State.DONE and job.written
    assert job.counts["create"] == 3 and job.counts["failed"] == 1
    assert set(Institution.objects.values_list("name_zh", flat=True)) == {
        "瀚海资产管理有限公司",  # the world's own
        "贝莱德基金管理有限公司",
        "安联投资管理有限公司",
        "摩根资产管理(中国)有限公司",
    }


def test_a_clean_file_imports_and_the_result_page_links_to_the_records(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    check(client, job)
    client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit"})

    job.refresh_from_db()
    assert job.state == State.DONE and job.written and not job.error_file
    assert imported() == 3
    page = client.get(reverse("spreadsheets:import_job", args=[job.pk])).content.decode()
    assert reverse("crm:institution_list") in page
    assert Institution.objects.get(name_zh="测试资产管理2号有限公司").registered_capital == 1002


def test_importing_the_same_file_twice_creates_nothing_the_second_time(analyst, client):
    for _time in range(2):
        upload(client, xlsx(good_rows()))
        job = ImportJob.objects.first()
        check(client, job)
        client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit"})

    job = ImportJob.objects.first()
    assert job.counts == {"create": 0, "update": 0, "unchanged": 3, "duplicate": 0, "failed": 0}
    assert imported() == 3


def test_the_error_workbook_download_holds_the_failed_rows_and_their_reasons(analyst, client):
    upload(client, xlsx(ledger_rows()))
    job = the_job()
    with translation.override("en"):
        check(client, job)

    response = client.get(reverse("spreadsheets:import_errors", args=[job.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][1] == "企业名称" and rows[0][-1]
    assert [row[1] for row in rows[1:]] == ["火星金融有限公司"]
    assert "火星国" in rows[1][-1]


def test_the_mapping_can_be_corrected_and_a_field_takes_one_column_only(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()

    twice = check(client, job, column_2="name_zh")
    assert twice.status_code == 200
    assert "already taken" in twice.content.decode() or "已" in twice.content.decode()
    job.refresh_from_db()
    assert job.state == State.NEW

    check(client, job, column_2=None, column_3=None)  # country and capital not imported
    job.refresh_from_db()
    assert job.mapping == {"1": "name_zh"}
    assert job.state == State.CHECKED and job.counts["create"] == 3


def test_a_wrong_header_row_can_be_given_and_read_again(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    url = reverse("spreadsheets:import_mapping", args=[job.pk])

    client.post(url, {"sheet": job.sheet, "header_row": "1", "action": "refresh"})
    job.refresh_from_db()
    assert job.header_row == 0 and job.mapping == {}
    client.post(url, {"sheet": job.sheet, "header_row": "2", "action": "refresh"})
    job.refresh_from_db()
    assert job.header_row == 1 and job.mapping["1"] == "name_zh"


def test_a_hidden_sheet_is_offered_marked_hidden_and_read_only_when_chosen(analyst, client):
    hidden = [["机构名称"], ["隐藏表里的机构"]]
    upload(client, xlsx(good_rows(), hidden=hidden))
    job = the_job()
    assert job.sheet == "台账"
    page = client.get(reverse("spreadsheets:import_mapping", args=[job.pk])).content.decode()
    assert "旧数据" in page

    client.post(
        reverse("spreadsheets:import_mapping", args=[job.pk]),
        {"sheet": "旧数据", "header_row": "2", "action": "refresh"},
    )
    job.refresh_from_db()
    assert job.sheet == "旧数据" and job.header_row == 0 and job.mapping == {"0": "name_zh"}
    check(client, job)
    job.refresh_from_db()
    assert job.counts["create"] == 1


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("make, fragment", HOSTILE, ids=[fragment[:40] for _, fragment in HOSTILE])
def test_a_hostile_file_is_refused_on_the_upload_page_never_with_a_500(
    analyst, client, make, fragment
):
    with translation.override("en"):
        response = upload(client, make(), name="ledger.xlsx")

    assert response.status_code == 200
    assert ImportJob.objects.count() == 0
    form = response.context["form"]
    assert form.errors["file"]


def test_a_file_over_the_size_limit_is_refused_with_its_size(analyst, client, settings):
    settings.LANDFALL_IMPORT_MAX_BYTES = 1000
    with translation.override("en"):
        response = upload(client, hostile.ledger_xlsx())
    assert response.status_code == 200
    assert "1000" in " ".join(response.context["form"].errors["file"])


def test_a_sheet_without_recognisable_headers_still_opens_the_mapping_page(analyst, client):
    upload(client, xlsx([["甲", "乙"], [1, 2]]))
    job = the_job()
    page = client.get(reverse("spreadsheets:import_mapping", args=[job.pk]))
    assert page.status_code == 200
    response = check(client, job)
    assert response.status_code == 200  # nothing mapped: said on the form, nothing run
    assert "at least one column" in response.content.decode() or "至少" in response.content.decode()


def test_a_mapping_that_names_no_institution_fails_every_row_not_the_page(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    check(client, job, column_1=None)  # only country and capital
    job.refresh_from_db()
    assert job.state == State.CHECKED and job.counts["failed"] == 3


# ------------------------------------------------------------------ who may


@pytest.mark.parametrize("who", ["officer_a", "viewer"])
def test_officers_and_viewers_cannot_import(world, client, who):
    client.login(username=who, password=PASSWORD)
    assert client.get(reverse("spreadsheets:import_start")).status_code == 403
    assert client.get(reverse("spreadsheets:import_list")).status_code == 403


def test_a_manager_imports_institutions_but_not_measurements(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.login(username="manager_a", password=PASSWORD)
    page = client.get(reverse("spreadsheets:import_start"))
    kinds = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert kinds == ["institutions", "interactions", "projects"]
    response = upload(client, xlsx(good_rows()), kind="measurements")
    assert response.status_code == 200 and ImportJob.objects.count() == 0


def test_someone_elses_import_is_not_found(analyst, client, world):
    upload(client, xlsx(good_rows()))
    job = the_job()
    client.logout()
    client.login(username="manager_a", password=PASSWORD)
    for name in ("import_job", "import_mapping", "import_progress", "import_errors"):
        assert client.get(reverse(f"spreadsheets:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("spreadsheets:import_run", args=[job.pk])).status_code == 404
    assert list(client.get(reverse("spreadsheets:import_list")).context["page"].object_list) == []


def test_an_admin_sees_every_import_but_runs_only_their_own(analyst, client, world):
    upload(client, xlsx(good_rows()))
    job = the_job()
    check(client, job)
    client.logout()
    client.login(username="admin", password=PASSWORD)
    assert client.get(reverse("spreadsheets:import_job", args=[job.pk])).status_code == 200
    listed = client.get(reverse("spreadsheets:import_list")).context["page"].object_list
    assert list(listed) == [job]
    response = client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "check"})
    assert response.status_code == 403


# ------------------------------------------------------------------ jobs


def test_a_large_file_runs_as_a_celery_job(
    analyst, client, settings, django_capture_on_commit_callbacks
):
    settings.LANDFALL_IMPORT_INLINE_ROWS = 2
    upload(client, xlsx(good_rows(5)))
    job = the_job()
    assert not jobs.runs_inline(job)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        check(client, job)

    assert len(callbacks) == 1  # the task, sent once the run was recorded (eager in tests)
    job.refresh_from_db()
    assert job.state == State.CHECKED and job.counts["create"] == 5
    assert job.done == job.total == 5


def test_cancelling_a_queued_run_stops_it_before_it_starts(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    job.state, job.run = State.QUEUED, 1
    job.save()

    client.post(reverse("spreadsheets:import_cancel", args=[job.pk]))
    jobs.execute(job.pk, 1)  # the worker takes the message afterwards

    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert imported() == 0


@pytest.mark.django_db(transaction=True)  # the run reads the cancel as a worker would: committed
def test_cancelling_a_running_import_rolls_back_what_it_wrote(
    analyst, client, monkeypatch, django_capture_on_commit_callbacks
):
    upload(client, xlsx(good_rows(1200)))
    job = the_job()
    with django_capture_on_commit_callbacks(execute=True):
        check(client, job)
    job.refresh_from_db()
    assert job.state == State.CHECKED

    def cancel_while_writing(self, phase, done, total):
        """The user presses Cancel: their request commits on a connection of its own."""
        if phase == "write" and done >= 500:
            if self.side is None:  # SQLite: one connection, as the run reads it
                ImportJob.objects.filter(pk=self.job_id).update(cancel_requested=True)
                return
            other = connections.create_connection("default")
            with other.cursor() as cursor:
                cursor.execute(
                    "UPDATE spreadsheets_importjob SET cancel_requested = true WHERE id = %s",
                    [self.job_id],
                )
            other.close()

    monkeypatch.setattr(jobs._Reporter, "progress", cancel_while_writing)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit"})

    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert imported() == 0


def test_a_run_whose_worker_went_quiet_is_marked_failed_and_runs_again(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    check(client, job)
    job.refresh_from_db()
    quiet = timezone.now() - datetime.timedelta(minutes=10)
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.RUNNING, mode="commit", heartbeat_at=quiet
    )

    page = client.get(reverse("spreadsheets:import_job", args=[job.pk])).content.decode()

    job.refresh_from_db()
    assert job.state == State.FAILED
    assert 'data-testid="run-again"' in page
    jobs.execute(job.pk, job.run)  # the dead worker's message, redelivered: not run
    job.refresh_from_db()
    assert job.state == State.FAILED and imported() == 0

    client.post(reverse("spreadsheets:import_run", args=[job.pk]), {"action": "commit"})
    job.refresh_from_db()
    assert job.state == State.DONE and imported() == 3


def test_the_progress_partial_asks_the_page_to_reload_once_the_run_ends(analyst, client):
    upload(client, xlsx(good_rows()))
    job = the_job()
    job.state, job.phase, job.done, job.total = State.RUNNING, "write", 40, 160
    job.heartbeat_at = timezone.now()
    job.save()

    running = client.get(reverse("spreadsheets:import_progress", args=[job.pk]))
    assert 'value="25"' in running.content.decode() and "HX-Refresh" not in running
    ImportJob.objects.filter(pk=job.pk).update(state=State.DONE)
    ended = client.get(reverse("spreadsheets:import_progress", args=[job.pk]))
    assert ended["HX-Refresh"] == "true"


def test_each_role_is_offered_the_kinds_it_may_write(world, client, settings, tmp_path):
    offered = {}
    for who in ("analyst", "manager_a", "admin"):
        client.login(username=who, password=PASSWORD)
        page = client.get(reverse("spreadsheets:import_start"))
        offered[who] = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert offered == {
        "analyst": ["institutions", "measurements"],
        "manager_a": ["institutions", "interactions", "projects"],
        "admin": ["institutions", "interactions", "projects", "measurements"],
    }


def test_the_scheduled_sweep_marks_only_quiet_runs_failed(analyst, client):
    from spreadsheets.tasks import refresh_stale_imports

    upload(client, xlsx(good_rows()))
    upload(client, xlsx(good_rows()))
    quiet, alive = ImportJob.objects.order_by("pk")
    ImportJob.objects.filter(pk=quiet.pk).update(
        state=State.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    ImportJob.objects.filter(pk=alive.pk).update(state=State.RUNNING, heartbeat_at=timezone.now())

    assert refresh_stale_imports.delay().get() == 1

    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {quiet.pk: State.FAILED, alive.pk: State.RUNNING}


def test_the_pages_of_imports_take_a_fixed_number_of_queries(
    analyst, client, django_assert_max_num_queries
):
    for _time in range(3):
        upload(client, xlsx(ledger_rows()))
        check(client, ImportJob.objects.first())
    job = ImportJob.objects.first()
    assert len(job.problems) == 2

    # However many jobs and problems: the list and a job's page do not query per row.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("spreadsheets:import_list")).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("spreadsheets:import_job", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("spreadsheets:import_progress", args=[job.pk])).status_code == 200
