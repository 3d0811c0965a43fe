from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.models import ExitKind, InstitutionStatus, Milestone, MilestoneKind, Regulator
from crm.services import milestone_delete, milestone_record
from tests.factories import BuildingFactory, InstitutionFactory, ProjectFactory

VALID = "91310000710934640Y"
OTHER_VALID = "91310115666007210D"
BAD_CHECK = "91350211M00013FA1N"
DAY = datetime.date(2022, 5, 10)


def test_registering_gives_the_institution_its_code_and_lands_it(user):
    institution = InstitutionFactory(status=InstitutionStatus.IN_PIPELINE)
    building = BuildingFactory()
    milestone = milestone_record(
        institution=institution,
        kind=MilestoneKind.REGISTERED,
        date=DAY,
        actor=user,
        uscc=" 9131 0000 7109 3464 0y ",
        registered_capital=5000,
        building=building,
    )
    institution.refresh_from_db()
    assert milestone.uscc == VALID and milestone.project is None
    assert institution.uscc == VALID
    assert institution.status == InstitutionStatus.LANDED
    assert milestone.created_by == user


def test_a_registration_takes_the_code_the_institution_already_has(user):
    institution = InstitutionFactory(uscc=VALID, status=InstitutionStatus.AFTERCARE)
    milestone = milestone_record(
        institution=institution, kind=MilestoneKind.REGISTERED, date=DAY, actor=user
    )
    institution.refresh_from_db()
    assert milestone.uscc == VALID
    assert institution.status == InstitutionStatus.AFTERCARE


def test_a_registration_under_another_code_than_the_institutions_is_refused(user):
    institution = InstitutionFactory(uscc=VALID)
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=institution,
            kind=MilestoneKind.REGISTERED,
            date=DAY,
            actor=user,
            uscc=OTHER_VALID,
        )
    assert "uscc" in error.value.message_dict


def test_a_code_failing_its_check_needs_confirmation(user):
    institution = InstitutionFactory()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        milestone_record(
            institution=institution,
            kind=MilestoneKind.REGISTERED,
            date=DAY,
            actor=user,
            uscc=BAD_CHECK,
        )
    assert "校验" in error.value.message_dict["uscc"][0]
    assert not Milestone.objects.exists()

    milestone_record(
        institution=institution,
        kind=MilestoneKind.REGISTERED,
        date=DAY,
        actor=user,
        uscc=BAD_CHECK,
        confirm_uscc=True,
    )
    institution.refresh_from_db()
    assert institution.uscc == BAD_CHECK


def test_a_code_another_institution_holds_is_a_field_error(user):
    InstitutionFactory(uscc=VALID, name_zh="甲资产管理有限公司")
    institution = InstitutionFactory()
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=institution,
            kind=MilestoneKind.REGISTERED,
            date=DAY,
            actor=user,
            uscc=VALID,
        )
    assert "甲资产管理有限公司" in error.value.message_dict["uscc"][0]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("kind", "fields", "missing"),
    [
        (MilestoneKind.REGISTERED, {}, {"uscc"}),
        (MilestoneKind.LICENSED, {"licence_type": "金融许可证"}, {"regulator"}),
        (MilestoneKind.LICENSED, {}, {"licence_type", "regulator"}),
        (MilestoneKind.RECOGNISED, {"recognition": "跨国公司地区总部认定"}, {"recognised_by"}),
        (MilestoneKind.EXITED, {"reason": "集团重组"}, {"exit_kind"}),
    ],
)
def test_each_kind_needs_its_own_fields(user, kind, fields, missing):
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=InstitutionFactory(), kind=kind, date=DAY, actor=user, **fields
        )
    assert set(error.value.message_dict) == missing


def test_a_field_of_another_kind_is_refused(user):
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=InstitutionFactory(),
            kind=MilestoneKind.EXITED,
            date=DAY,
            actor=user,
            exit_kind=ExitKind.DEREGISTERED,
            licence_type="金融许可证",
        )
    assert set(error.value.message_dict) == {"licence_type"}


def test_every_kind_is_recorded_without_a_project(user):
    institution = InstitutionFactory(uscc=VALID)
    milestone_record(
        institution=institution,
        kind=MilestoneKind.LICENSED,
        date=DAY,
        actor=user,
        licence_type="金融许可证",
        regulator=Regulator.NFRA,
    )
    milestone_record(
        institution=institution,
        kind=MilestoneKind.RECOGNISED,
        date=DAY,
        actor=user,
        recognition="跨国公司地区总部认定",
        recognised_by="市商务委",
    )
    milestone_record(
        institution=institution,
        kind=MilestoneKind.EXITED,
        date=DAY,
        actor=user,
        exit_kind=ExitKind.MOVED_OUT,
        reason="迁往前海",
    )
    assert institution.milestones.filter(project=None).count() == 3
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.PROSPECT  # an exit keeps the status


def test_a_milestone_in_the_future_is_refused(user):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=InstitutionFactory(),
            kind=MilestoneKind.EXITED,
            date=tomorrow,
            actor=user,
            exit_kind=ExitKind.MOVED_OUT,
        )
    assert "date" in error.value.message_dict


def test_recording_and_deleting_leave_audit_entries_by_the_actor(user):
    institution = InstitutionFactory()
    milestone = milestone_record(
        institution=institution,
        kind=MilestoneKind.RECOGNISED,
        date=DAY,
        actor=user,
        recognition="跨国公司地区总部认定",
        recognised_by="市商务委",
    )
    pk = milestone.pk
    milestone_delete(milestone=milestone, actor=user)
    entries = LogEntry.objects.filter(content_type__model="milestone", object_pk=str(pk)).order_by(
        "pk"
    )
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]
    assert all(e.actor == user for e in entries)
    assert not Milestone.objects.filter(pk=pk).exists()


def test_a_milestone_may_name_the_project_that_produced_it(user):
    institution = InstitutionFactory()
    project = ProjectFactory(institution=institution, title="设立理财子公司")
    milestone = milestone_record(
        institution=institution,
        kind=MilestoneKind.REGISTERED,
        date=DAY,
        actor=user,
        project=project,
        uscc=VALID,
    )
    assert list(project.milestones.all()) == [milestone]
    with pytest.raises(ValidationError) as error:
        milestone_record(
            institution=InstitutionFactory(),
            kind=MilestoneKind.EXITED,
            date=DAY,
            actor=user,
            project=project,
            exit_kind=ExitKind.MOVED_OUT,
        )
    assert "project" in error.value.message_dict
