"""Importing a visit ledger (走访台账): interactions with institutions already in the register."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

import spreadsheets.importing.interactions  # noqa: F401  (registers the importer)
from accounts.models import Role, User
from crm.models import Contact, Institution, Interaction, InteractionKind
from crm.services import interaction_log
from tests.factories import (
    ContactFactory,
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from tests.spreadsheets.ledgers import import_file, write_xlsx

USCC = "91310000MA1FL0000N"
USCC_FULL_WIDTH = "９１３１００００ＭＡ１ＦＬ００００Ｎ"

HEADERS = [
    "序号",
    "走访日期",
    "走访企业",
    "统一社会信用代码",
    "接洽方式",
    "走访情况",
    "结果",
    "下一步工作",
    "拜访人员",
    "企业参会人员",
]


def ledger_rows() -> list[list[object]]:
    """A 走访台账 as offices keep them: a title, a blank line, headers, rows, a totals row."""
    return [
        ["2024年金融机构走访台账"],
        [],
        HEADERS,
        [1, "2024年3月5日", "贝莱德基金管理有限公司", None, "拜访", "介绍陆家嘴资管政策",
         "有意设立子公司", "4月再访", "王明、赵丽", "李四、张三"],
        [2, datetime.date(2024, 3, 20), None, USCC_FULL_WIDTH, "Meeting", "讨论QFLP试点",
         None, None, "王明", None],
        [3, "2024/1/10", "安联投资", None, "电话", "电话沟通落户意向", "同意来访", None, None,
         None],
        [4, "2024-03-05", "贝莱德基金管理有限公司 ", None, "Visit", "介绍陆家嘴资管政策 ",
         None, None, None, None],
        [5, "2024.5", "火星金融有限公司", None, "拜访", "初次接触", None, None, None, None],
        [],
        ["合计", 5],
    ]  # fmt: skip


def run(path: Path, user, **options):
    return import_file(path, user, kind="interactions", **options)


def actions(result) -> dict[int, str]:
    return {o.row: o.action for o in result.outcomes}


def stored() -> tuple[int, int, int]:
    """How many interactions, contacts and audit entries there are."""
    return Interaction.objects.count(), Contact.objects.count(), LogEntry.objects.count()


@pytest.fixture
def colleague(user):
    zhao = UserFactory(username="zhao", display_name="赵丽")
    MembershipFactory(user=zhao, team=user.teams.first(), role=Role.OFFICER)
    return zhao


@pytest.fixture
def register(db, user, colleague):
    """Two institutions, a contact of one, and a call with the other logged already."""
    blackrock = InstitutionFactory(name_zh="贝莱德基金管理有限公司", uscc=USCC)
    allianz = InstitutionFactory(name_zh="安联投资", name_en="")
    ContactFactory(institution=blackrock, name="李四")
    call = interaction_log(
        institution=allianz,
        actor=user,
        kind=InteractionKind.CALL,
        date=datetime.date(2024, 1, 10),
        summary="电话沟通落户意向",
    )
    return blackrock, allianz, call


@pytest.fixture
def ledger(tmp_path) -> Path:
    return write_xlsx(tmp_path / "走访台账.xlsx", ledger_rows())


def one_row(tmp_path, **cells) -> Path:
    """A ledger of one row naming 贝莱德, with ``cells`` (header → value) changed."""
    values = {
        "走访日期": "2024-03-05",
        "走访企业": "贝莱德基金管理有限公司",
        "接洽方式": "拜访",
        "走访情况": "介绍政策",
        **cells,
    }
    headers = list(values)
    return write_xlsx(tmp_path / "one.xlsx", [headers, [values[h] for h in headers]])


# ------------------------------------------------------------ what rows do


def test_it_reads_a_visit_ledger_and_decides_each_row(ledger, register, user):
    result = run(ledger, user, all_or_nothing=False)

    assert result.header_row == 2
    assert actions(result) == {4: "create", 5: "create", 6: "update", 7: "duplicate", 8: "failed"}
    assert result.written


def test_it_logs_each_interaction_as_the_ledger_means_it(ledger, register, user, colleague):
    blackrock, _allianz, _call = register

    run(ledger, user, all_or_nothing=False)

    visit = Interaction.objects.get(institution=blackrock, kind=InteractionKind.VISIT)
    assert visit.date == datetime.date(2024, 3, 5)
    assert (visit.summary, visit.outcome, visit.next_step) == (
        "介绍陆家嘴资管政策",
        "有意设立子公司",
        "4月再访",
    )
    assert set(visit.officers.all()) == {user, colleague}
    assert visit.created_by == user
    assert visit.team_id == user.teams.first().pk
    assert sorted(visit.contacts.values_list("name", flat=True)) == ["张三", "李四"]
    new_contact = Contact.objects.get(name="张三")
    assert (new_contact.institution, new_contact.lawful_basis) == (blackrock, "public")
    meeting = Interaction.objects.get(institution=blackrock, kind=InteractionKind.MEETING)
    assert meeting.date == datetime.date(2024, 3, 20)
    assert list(meeting.officers.all()) == [user]
    blackrock.refresh_from_db()
    assert blackrock.last_contacted_on == datetime.date(2024, 3, 20)
    logged = LogEntry.objects.get_for_object(visit).get(action=LogEntry.Action.CREATE)
    assert logged.actor == user
    assert logged.changes["summary"] == ["None", "介绍陆家嘴资管政策"]
    assert logged.changes["officers"]["objects"]


def test_an_officer_left_out_is_the_importing_user(tmp_path, register, user):
    run(one_row(tmp_path), user)

    assert list(Interaction.objects.get(summary="介绍政策").officers.all()) == [user]


def test_an_update_adds_the_outcome_and_keeps_the_rest(ledger, register, user):
    _blackrock, allianz, call = register

    run(ledger, user, all_or_nothing=False)

    call.refresh_from_db()
    assert call.outcome == "同意来访"
    assert (call.summary, call.kind, call.date) == (
        "电话沟通落户意向",
        "call",
        datetime.date(2024, 1, 10),
    )
    assert Interaction.objects.filter(institution=allianz).count() == 1


def test_an_empty_cell_never_blanks_an_outcome(tmp_path, register, user):
    _blackrock, _allianz, call = register
    call.outcome = "同意来访"
    call.save()
    path = one_row(tmp_path, 走访日期="2024-01-10", 走访企业="安联投资", 接洽方式="电话",
                   走访情况="电话沟通落户意向", 结果="—")  # fmt: skip

    result = run(path, user)

    assert actions(result) == {2: "unchanged"}
    call.refresh_from_db()
    assert call.outcome == "同意来访"


# ------------------------------------------------------------ values


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5)),
        (datetime.datetime(2024, 3, 5, 14, 30), datetime.date(2024, 3, 5)),
        (45356, datetime.date(2024, 3, 5)),  # an Excel serial
        ("2024-03-05", datetime.date(2024, 3, 5)),
        ("2024/3/5", datetime.date(2024, 3, 5)),
        ("2024年3月5日", datetime.date(2024, 3, 5)),
        ("２０２４年３月５日", datetime.date(2024, 3, 5)),
        ("20240305", datetime.date(2024, 3, 5)),
        ("2024.3", datetime.date(2024, 3, 1)),  # a month: its first day
        ("2024年3月", datetime.date(2024, 3, 1)),
    ],
)
def test_it_reads_dates_in_every_format(tmp_path, register, user, cell, expected):
    result = run(one_row(tmp_path, 走访日期=cell), user)

    assert actions(result) == {2: "create"}
    assert Interaction.objects.get(summary="介绍政策").date == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("拜访", "visit"),
        ("走访", "visit"),
        ("Visit", "visit"),
        ("会谈", "meeting"),
        ("座谈", "meeting"),
        ("meeting", "meeting"),
        ("电话", "call"),
        ("Call", "call"),
        ("邮件", "email"),
        ("E-mail", "email"),
        ("活动或论坛", "event"),
        ("论坛", "event"),
        ("实地考察", "site-visit"),
        ("Site visit", "site-visit"),
        ("函件", "letter"),
    ],
)
def test_it_reads_kinds_in_chinese_and_english(tmp_path, register, user, cell, expected):
    run(one_row(tmp_path, 接洽方式=cell), user)

    assert Interaction.objects.get(summary="介绍政策").kind == expected


def test_a_team_column_files_the_interaction_under_that_team(tmp_path, register, user):
    second = TeamFactory(name="金融机构招商二部")
    MembershipFactory(user=user, team=second, role=Role.OFFICER)
    user = User.objects.get(pk=user.pk)  # its teams as they are now

    run(one_row(tmp_path, 所属部门="金融机构招商二部"), user)

    assert Interaction.objects.get(summary="介绍政策").team == second


# ------------------------------------------------------------ failures


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        ({"走访企业": "火星金融有限公司"}, "走访企业", "火星金融有限公司",
         "No institution in the register is called “火星金融有限公司”; import it first."),
        ({"走访企业": None, "统一社会信用代码": "91310000MA1FL0001R"}, "统一社会信用代码",
         "91310000MA1FL0001R", "No institution in the register has this code; import it first."),
        ({"走访日期": "2099-01-01"}, "走访日期", "2099-01-01",
         "An interaction cannot be dated in the future."),
        ({"走访日期": "上周"}, "走访日期", "上周", "“上周” is not a date."),
        ({"走访日期": None}, "走访日期", "", "The row gives no date."),
        ({"接洽方式": "吃饭"}, "接洽方式", "吃饭", "“吃饭” is not one of: Visit, Meeting"),
        ({"走访情况": "  "}, "走访情况", "", "The row has no summary."),
        ({"拜访人员": "王明、钱七"}, "拜访人员", "王明、钱七",
         "No colleague in Landfall is called “钱七”."),
        ({"拜访人员": "孙五、钱七"}, "拜访人员", "孙五、钱七",
         "No colleagues in Landfall are called 孙五、钱七."),
        ({"所属部门": "不存在部"}, "所属部门", "不存在部", "No team in Landfall is called “不存在部”."),
    ],
)  # fmt: skip
def test_a_failed_row_says_which_cell_and_why(tmp_path, register, user, cells, column, value,
                                              reason):  # fmt: skip
    with translation.override("en"):
        result = run(one_row(tmp_path, **cells), user)

    [outcome] = result.outcomes
    assert outcome.action == "failed"
    [error] = outcome.errors
    assert (error.row, error.column, error.value) == (2, column, value)
    assert error.reason.startswith(reason)
    assert not Interaction.objects.filter(summary="介绍政策").exists()


def test_tomorrow_is_the_future(tmp_path, register, user):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    result = run(one_row(tmp_path, 走访日期=tomorrow), user)

    assert actions(result) == {2: "failed"}


def test_an_officer_may_not_file_under_another_team(tmp_path, register, user):
    TeamFactory(name="航运招商部")

    with translation.override("en"):
        result = run(one_row(tmp_path, 所属部门="航运招商部"), user)

    assert (
        result.outcomes[0].errors[0].reason == "You may log interactions only for your own teams."
    )


@pytest.mark.parametrize("role", [Role.ANALYST, Role.VIEWER])
def test_only_those_who_log_interactions_may_import_them(tmp_path, register, role):
    reader = UserFactory(username="reader")
    MembershipFactory(user=reader, role=role)

    with translation.override("en"):
        result = run(one_row(tmp_path), reader)

    assert actions(result) == {2: "failed"}
    assert result.outcomes[0].errors[0].reason == "You may not log interactions."
    assert not result.written


def test_adding_to_someone_elses_interaction_is_refused(tmp_path, register):
    _blackrock, _allianz, call = register
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, team=TeamFactory(name="航运招商部"), role=Role.OFFICER)
    path = one_row(tmp_path, 走访日期="2024-01-10", 走访企业="安联投资", 接洽方式="电话",
                   走访情况="电话沟通落户意向", 结果="同意来访")  # fmt: skip

    result = run(path, stranger)

    assert actions(result) == {2: "failed"}
    call.refresh_from_db()
    assert call.outcome == ""


# ------------------------------------------------------------ the run


def test_reimporting_the_same_file_changes_nothing(ledger, register, user):
    run(ledger, user, all_or_nothing=False)
    counts = stored()

    result = run(ledger, user, all_or_nothing=False)

    assert actions(result) == {4: "unchanged", 5: "unchanged", 6: "unchanged", 7: "duplicate",
                               8: "failed"}  # fmt: skip
    assert stored() == counts


def test_a_dry_run_writes_nothing(ledger, register, user):
    before = stored()

    result = run(ledger, user, dry_run=True, all_or_nothing=False)

    assert result.counts["create"] == 2 and not result.written
    assert stored() == before


def test_one_bad_row_writes_nothing_by_default(ledger, register, user):
    _blackrock, _allianz, call = register
    before = Interaction.objects.count(), Contact.objects.count()

    result = run(ledger, user)

    assert not result.written
    assert (Interaction.objects.count(), Contact.objects.count()) == before
    call.refresh_from_db()
    assert call.outcome == ""


def test_a_large_ledger_takes_a_few_queries_per_batch(
    tmp_path, register, user, django_assert_max_num_queries
):
    institutions = [InstitutionFactory(name_zh=f"机构{n}号") for n in range(20)]
    rows = [["日期", "机构名称", "方式", "内容", "在场联系人"]]
    start = datetime.date(2023, 1, 1)
    rows += [
        [start + datetime.timedelta(days=n // 20), f"机构{n % 20}号", "拜访", f"第{n}次走访",
         f"联系人{n % 20}"]
        for n in range(1200)
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "big.xlsx", rows)

    with django_assert_max_num_queries(100):
        result = run(path, user)

    assert result.counts["create"] == 1200
    assert Interaction.objects.filter(institution__in=institutions).count() == 1200
    assert Contact.objects.filter(institution__in=institutions).count() == 20
    last = Institution.objects.get(pk=institutions[0].pk).last_contacted_on
    assert last == start + datetime.timedelta(days=59)

    with django_assert_max_num_queries(40):
        again = run(path, user)
    assert again.counts["unchanged"] == 1200


# ------------------------------------------------------------ the command


def test_the_command_imports_a_clean_ledger(tmp_path, register, user):
    path = one_row(tmp_path)
    out = io.StringIO()

    call_command("import_workbook", str(path), kind="interactions", username=user.username,
                 stdout=out)  # fmt: skip

    assert Interaction.objects.filter(summary="介绍政策").exists()
    assert "1" in out.getvalue()


def test_the_command_writes_the_failed_rows_and_nothing_else(ledger, register, user):
    with pytest.raises(CommandError):
        call_command("import_workbook", str(ledger), kind="interactions", username=user.username,
                     stdout=io.StringIO())  # fmt: skip

    assert (ledger.parent / "走访台账-errors.xlsx").exists()
    assert not Interaction.objects.filter(summary="介绍陆家嘴资管政策").exists()
