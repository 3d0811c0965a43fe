from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import FollowUp, Interaction, InteractionKind
from crm.services import (
    FollowUpDraft,
    follow_up_set_done,
    interaction_delete,
    interaction_log,
)
from tests.factories import ContactFactory, FollowUpFactory, InstitutionFactory, UserFactory

TODAY = timezone.localdate()


def log(institution, actor, days_ago=0, **extra):
    return interaction_log(
        institution=institution,
        actor=actor,
        kind=InteractionKind.VISIT,
        date=TODAY - datetime.timedelta(days=days_ago),
        summary="拜访了首席代表",
        **extra,
    )


def test_logging_an_interaction_with_its_follow_up(user):
    institution = InstitutionFactory()
    contact = ContactFactory(institution=institution)
    colleague = UserFactory()
    interaction = log(
        institution,
        user,
        officers=[user, colleague],
        contacts=[contact],
        follow_up=FollowUpDraft("寄送政策汇编", colleague, TODAY + datetime.timedelta(days=7)),
    )
    assert set(interaction.officers.all()) == {user, colleague}
    assert list(interaction.contacts.all()) == [contact]
    follow_up = FollowUp.objects.get()
    assert follow_up.interaction == interaction
    assert follow_up.institution == institution
    assert follow_up.assignee == colleague
    assert follow_up.created_by == user
    institution.refresh_from_db()
    assert institution.last_contacted_on == TODAY


def test_the_officer_who_logs_is_present_unless_others_are_named(user):
    interaction = log(InstitutionFactory(), user)
    assert list(interaction.officers.all()) == [user]


def test_last_contact_only_moves_forward_and_comes_back_on_delete(user):
    institution = InstitutionFactory()
    recent = log(institution, user, days_ago=2)
    log(institution, user, days_ago=30)
    institution.refresh_from_db()
    assert institution.last_contacted_on == TODAY - datetime.timedelta(days=2)
    interaction_delete(interaction=recent)
    institution.refresh_from_db()
    assert institution.last_contacted_on == TODAY - datetime.timedelta(days=30)


def test_an_interaction_cannot_be_in_the_future(user):
    with pytest.raises(ValidationError) as error:
        log(InstitutionFactory(), user, days_ago=-1)
    assert "date" in error.value.message_dict
    assert not Interaction.objects.exists()


def test_contacts_of_another_institution_cannot_be_present(user):
    stranger = ContactFactory()
    with pytest.raises(ValidationError):
        log(InstitutionFactory(), user, contacts=[stranger])
    assert not Interaction.objects.exists()


def test_a_bad_follow_up_leaves_no_half_logged_interaction(user):
    with pytest.raises(ValidationError):
        log(InstitutionFactory(), user, follow_up=FollowUpDraft("", user, TODAY))
    assert not Interaction.objects.exists()
    assert not FollowUp.objects.exists()


def test_marking_a_follow_up_done_stamps_when(user):
    follow_up = FollowUpFactory(assignee=user)
    follow_up_set_done(follow_up=follow_up, done=True)
    follow_up.refresh_from_db()
    assert follow_up.done and follow_up.done_at is not None
    follow_up_set_done(follow_up=follow_up, done=False)
    follow_up.refresh_from_db()
    assert not follow_up.done and follow_up.done_at is None
