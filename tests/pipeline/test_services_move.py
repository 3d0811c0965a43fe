"""Moving a project through the stages: the rules, the history, and what follows a move."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from stdnum.cn import uscc as uscc_check

from accounts.models import Role
from crm.models import InstitutionStatus
from crm.services import EditConflict
from pipeline.models import LostReason, Project, Stage, StageChange
from pipeline.services import Registration, project_create, project_move, project_update
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    ProjectFactory,
    TeamFactory,
    UserFactory,
)

BASE = "91310115630218720"
VALID_USCC = BASE + uscc_check.calc_check_digit(BASE)
FAILING_USCC = BASE + ("1" if VALID_USCC[-1] != "1" else "2")
YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


@pytest.fixture
def officer(db):
    user = UserFactory(username="mover", display_name="周航")
    MembershipFactory(user=user, team=TeamFactory(name="资管招商部"), role=Role.OFFICER)
    return user


@pytest.fixture
def project(officer):
    return project_create(
        institution=InstitutionFactory(owner=officer),
        title="设立外商独资基金管理公司",
        actor=officer,
    )


def test_project_create_starts_at_the_first_open_stage_with_its_history(project, officer):
    assert project.stage.code == "lead"
    assert project.probability == stage("lead").default_probability
    assert project.owner == officer and project.team_id == min(officer.working_team_ids)
    (change,) = project.stage_changes.all()
    assert change.from_stage is None and change.to_stage.code == "lead"
    assert change.actor == officer
    project.institution.refresh_from_db()
    assert project.institution.status == InstitutionStatus.IN_PIPELINE


def test_project_create_takes_the_institutions_categories_unless_given(officer, plan):
    first, second = plan.categories.all()[:2]
    institution = InstitutionFactory()
    institution.categories.set([first])
    inherited = project_create(institution=institution, title="设立分公司", actor=officer)
    assert list(inherited.categories.all()) == [first]
    chosen = project_create(
        institution=institution, title="设立研发中心", actor=officer, categories=[second]
    )
    assert list(chosen.categories.all()) == [second]


def test_a_project_made_directly_still_gets_the_first_open_stage(db):
    project = Project.objects.create(institution=InstitutionFactory(), title="旧台账项目")
    assert project.stage.code == "lead"
    assert project.probability == stage("lead").default_probability


def test_landing_needs_registration_date_and_uscc(project, officer):
    with pytest.raises(ValidationError) as error:
        project_move(project=project, to=stage("landed"), actor=officer)
    assert {"registration_date", "uscc"} <= set(error.value.message_dict)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        project_move(
            project=project,
            to=stage("landed"),
            actor=officer,
            registration=Registration(date=tomorrow, uscc=VALID_USCC),
        )
    assert set(error.value.message_dict) == {"registration_date"}

    change = project_move(
        project=project,
        to=stage("landed"),
        actor=officer,
        registration=Registration(date=YESTERDAY, uscc=VALID_USCC),
    )
    assert change.registration_date == YESTERDAY
    project.institution.refresh_from_db()
    assert project.institution.uscc == VALID_USCC
    assert project.institution.status == InstitutionStatus.LANDED


def test_landing_takes_the_institutions_own_uscc(officer):
    institution = InstitutionFactory(uscc=VALID_USCC)
    project = project_create(institution=institution, title="设立子公司", actor=officer)
    project_move(
        project=project,
        to=stage("landed"),
        actor=officer,
        registration=Registration(date=YESTERDAY),
    )
    assert project.stage.code == "landed"


def test_a_failing_uscc_needs_confirmation(project, officer):
    with pytest.raises(ValidationError) as error:
        project_move(
            project=project,
            to=stage("landed"),
            actor=officer,
            registration=Registration(date=YESTERDAY, uscc=FAILING_USCC),
        )
    assert "uscc" in error.value.message_dict
    project_move(
        project=project,
        to=stage("landed"),
        actor=officer,
        registration=Registration(date=YESTERDAY, uscc=FAILING_USCC, confirm_uscc=True),
    )
    project.institution.refresh_from_db()
    assert project.institution.uscc == FAILING_USCC


def test_lost_needs_a_reason(project, officer):
    with pytest.raises(ValidationError) as error:
        project_move(project=project, to=stage("lost"), actor=officer)
    assert "lost_reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        project_move(project=project, to=stage("lost"), actor=officer, lost_reason="bad-luck")
    project_move(
        project=project,
        to=stage("lost"),
        actor=officer,
        lost_reason=LostReason.OTHER_LOCATION,
        lost_note="选择了深圳前海",
    )
    assert project.lost_reason == LostReason.OTHER_LOCATION
    assert project.lost_note == "选择了深圳前海"


def test_a_move_to_the_same_stage_is_refused(project, officer):
    with pytest.raises(ValidationError):
        project_move(project=project, to=stage("lead"), actor=officer)
    assert project.stage_changes.count() == 1


def test_a_backwards_move_is_allowed_and_recorded(project, officer):
    project_move(project=project, to=stage("negotiating"), actor=officer)
    change = project_move(project=project, to=stage("contacted"), actor=officer, note="对方换人")
    assert project.stage.code == "contacted"
    assert (change.from_stage.code, change.to_stage.code) == ("negotiating", "contacted")


def test_the_history_is_complete(project, officer):
    manager = UserFactory(username="manager")
    moves = [
        ("contacted", officer, "首次拜访"),
        ("negotiating", manager, "递交方案"),
        ("hold", officer, "总部暂停"),
        ("negotiating", manager, "重启"),
    ]
    for code, actor, note in moves:
        project_move(project=project, to=stage(code), actor=actor, note=note)
    history = list(StageChange.objects.filter(project=project))
    assert len(history) == len(moves) + 1
    assert [(c.from_stage.code if c.from_stage else None) for c in history] == [
        None,
        "lead",
        "contacted",
        "negotiating",
        "hold",
    ]
    assert [(c.to_stage.code, c.actor, c.note) for c in history[1:]] == moves
    times = [c.changed_at for c in history]
    assert times == sorted(times)


def test_probability_and_stage_entered_at_follow_the_stage(project, officer):
    before = project.stage_entered_at
    change = project_move(project=project, to=stage("committed"), actor=officer)
    assert project.probability == stage("committed").default_probability
    assert project.stage_entered_at == change.changed_at > before


def test_the_institution_status_follows_the_pipeline(project, officer):
    institution = project.institution
    project_move(project=project, to=stage("hold"), actor=officer)
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.IN_PIPELINE
    project_move(project=project, to=stage("lost"), actor=officer, lost_reason=LostReason.COST)
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.LOST
    project_move(project=project, to=stage("contacted"), actor=officer)
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.IN_PIPELINE


def test_a_lost_project_leaves_the_institution_in_the_pipeline_while_another_is_open(
    project, officer
):
    project_create(institution=project.institution, title="设立研发中心", actor=officer)
    project_move(project=project, to=stage("lost"), actor=officer, lost_reason=LostReason.TIMING)
    project.institution.refresh_from_db()
    assert project.institution.status == InstitutionStatus.IN_PIPELINE


def test_a_failing_move_changes_nothing(project, officer):
    version, entered = project.version, project.stage_entered_at
    project.institution.refresh_from_db()
    institution_version = project.institution.version
    with pytest.raises(ValidationError):
        project_move(
            project=project,
            to=stage("landed"),
            actor=officer,
            registration=Registration(date=YESTERDAY, uscc=FAILING_USCC),
        )
    # Valid code, but another institution already holds it: refused at the very end.
    InstitutionFactory(uscc=VALID_USCC)
    with pytest.raises(ValidationError):
        project_move(
            project=project,
            to=stage("landed"),
            actor=officer,
            registration=Registration(date=YESTERDAY, uscc=VALID_USCC),
        )
    project.refresh_from_db()
    project.institution.refresh_from_db()
    assert project.stage.code == "lead"
    assert (project.version, project.stage_entered_at) == (version, entered)
    assert project.stage_changes.count() == 1
    assert project.institution.version == institution_version
    assert project.institution.uscc is None


def test_every_save_through_the_services_bumps_the_version(project, officer):
    assert project.version == 1
    project_move(project=project, to=stage("contacted"), actor=officer)
    assert project.version == 2
    project_update(project=project, actor=officer, expected_version=2, expected_jobs=50)
    assert (project.version, project.expected_jobs) == (3, 50)


def test_a_stale_version_is_refused(project, officer):
    project_update(project=project, actor=officer, expected_version=1, title="设立地区总部")
    with pytest.raises(EditConflict) as conflict:
        project_update(project=project, actor=officer, expected_version=1, title="设立分公司")
    assert conflict.value.changes  # what the other save changed, from the audit trail
    project.refresh_from_db()
    assert project.title == "设立地区总部"


def test_project_update_validates_the_fields(project, officer):
    with pytest.raises(ValidationError) as error:
        project_update(project=project, actor=officer, expected_version=1, expected_year=2027)
    assert "expected_quarter" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        project_update(
            project=project, actor=officer, expected_version=1, competing_locations=["北京", " "]
        )
    assert "competing_locations" in error.value.message_dict
    project_update(
        project=project,
        actor=officer,
        expected_version=1,
        expected_year=2027,
        expected_quarter=3,
        competing_locations=["北京", "深圳前海", "Hong Kong", "Singapore"],
    )
    with translation.override("en"):
        assert project.expected_landing == "2027 Q3"
    with translation.override("zh-hans"):
        assert project.expected_landing == "2027年第三季度"


def test_the_stage_is_not_set_by_update(project, officer):
    with pytest.raises(TypeError):
        project_update(project=project, actor=officer, expected_version=1, stage=stage("landed"))


def test_moves_are_in_the_audit_trail_with_their_actor(project, officer):
    project_move(project=project, to=stage("contacted"), actor=officer, note="首次拜访")
    change = project.stage_changes.last()
    entries = LogEntry.objects.get_for_object(change)
    assert [(e.action, e.actor) for e in entries] == [(LogEntry.Action.CREATE, officer)]
    project_entry = LogEntry.objects.get_for_object(project).order_by("-pk").first()
    assert project_entry.actor == officer
    assert "stage" in project_entry.changes_dict


def test_the_confidential_project_keeps_its_code_name(officer):
    secret = ProjectFactory(
        owner=officer, title="收购某券商股权", confidential=True, code_name="猎鹰"
    )
    assert str(secret) == "猎鹰"
    project_move(project=secret, to=stage("contacted"), actor=officer)
    assert LogEntry.objects.get_for_object(secret).first().object_repr == "猎鹰"


def test_a_landed_institution_stays_landed_when_it_starts_another_project(officer):
    institution = InstitutionFactory(uscc=VALID_USCC, status=InstitutionStatus.LANDED)
    project = project_create(institution=institution, title="增设研发中心", actor=officer)
    project_move(project=project, to=stage("lost"), actor=officer, lost_reason=LostReason.COST)
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.LANDED


def test_taking_back_the_only_landing_puts_the_institution_back_in_the_pipeline(project, officer):
    landed = project_move(
        project=project,
        to=stage("landed"),
        actor=officer,
        registration=Registration(date=YESTERDAY, uscc=VALID_USCC),
    )
    project_move(project=project, to=stage("registering"), actor=officer, note="登记有误")
    project.institution.refresh_from_db()
    assert project.institution.status == InstitutionStatus.IN_PIPELINE
    assert landed.registration_date == YESTERDAY


def test_landing_records_the_registration_that_the_plans_targets_count(officer, plan):
    from crm.models import Milestone
    from pipeline.progress import target_progress

    finance = plan.categories.get(code="finance")
    institution = InstitutionFactory(owner=officer)
    institution.categories.set([finance])
    project = project_create(institution=institution, title="设立子公司", actor=officer)

    def financial_institutions(as_of):
        rows = target_progress(plan=plan, as_of=as_of)
        return next(row for row in rows if row.code == "financial-institutions")

    today = timezone.localdate()
    before = financial_institutions(today).value
    project_move(
        project=project,
        to=stage("landed"),
        actor=officer,
        registration=Registration(date=YESTERDAY, uscc=VALID_USCC),
    )
    milestone = Milestone.objects.get(project=project)
    assert (milestone.kind, milestone.date, milestone.uscc) == ("registered", YESTERDAY, VALID_USCC)
    after = financial_institutions(today)
    assert after.value == before + 1
    assert institution.pk in after.counted_ids
    # Taking the landing back takes its registration back, and the count with it.
    project_move(project=project, to=stage("registering"), actor=officer, note="误操作")
    assert not Milestone.objects.filter(project=project).exists()
    assert financial_institutions(today).value == before


def test_a_history_from_a_ledger_keeps_its_dates(officer):
    begun = timezone.make_aware(datetime.datetime(2022, 3, 1, 10, 0))
    project = project_create(
        institution=InstitutionFactory(owner=officer), title="租赁SPV", actor=officer, at=begun
    )
    moved = begun + datetime.timedelta(days=40)
    change = project_move(project=project, to=stage("contacted"), actor=officer, at=moved)
    assert project.created_at == begun
    assert [c.changed_at for c in project.stage_changes.all()] == [begun, moved]
    assert change.changed_at == moved and project.stage_entered_at == moved


def test_a_move_cannot_be_dated_in_the_future_or_before_the_last_move(project, officer):
    with translation.override("en"), pytest.raises(ValidationError, match="future"):
        project_move(
            project=project,
            to=stage("contacted"),
            actor=officer,
            at=timezone.now() + datetime.timedelta(hours=1),
        )
    with translation.override("en"), pytest.raises(ValidationError, match="last move"):
        project_move(
            project=project,
            to=stage("contacted"),
            actor=officer,
            at=project.stage_entered_at - datetime.timedelta(days=1),
        )
    assert project.stage_changes.count() == 1
