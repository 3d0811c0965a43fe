"""Who sees and who changes the register's records."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from crm import permissions
from crm.selectors import (
    follow_ups_visible_to,
    institutions_visible_to,
    interactions_visible_to,
)
from pipeline.selectors import is_named_to, projects_named_to, projects_visible_to

EVERYONE = ["officer_a", "officer_a2", "officer_b", "manager_a", "analyst", "viewer", "admin"]
TEAM_A_AND_OVERSEERS = {"officer_a", "officer_a2", "manager_a", "analyst", "admin"}


@pytest.mark.parametrize("person", EVERYONE)
def test_the_institution_register_is_shared_by_all_staff(world, person):
    assert world.institution in institutions_visible_to(world.people[person])


@pytest.mark.parametrize("person", EVERYONE)
def test_interactions_follow_ups_and_projects_stay_with_the_owning_team(world, person):
    user = world.people[person]
    expected = person in TEAM_A_AND_OVERSEERS
    assert (world.interaction in interactions_visible_to(user)) is expected
    assert (world.follow_up in follow_ups_visible_to(user)) is expected
    assert (world.project in projects_visible_to(user)) is expected


@pytest.mark.parametrize(
    "person, named",
    [
        ("officer_a", True),  # the owner
        ("manager_a", True),  # the team's manager
        ("admin", True),
        ("officer_a2", False),  # same team, not the owner
        ("analyst", False),
    ],
)
def test_a_confidential_project_shows_its_institution_only_to_owner_manager_and_admins(
    world, person, named
):
    user = world.people[person]
    assert world.secret in projects_visible_to(user)
    assert is_named_to(user, world.secret) is named
    assert (world.secret in projects_named_to(user)) is named


def test_a_follow_up_assigned_across_teams_is_seen_by_its_assignee(world):
    world.follow_up.assignee = world.people["officer_b"]
    world.follow_up.save()
    assert world.follow_up in follow_ups_visible_to(world.people["officer_b"])


@pytest.mark.parametrize(
    "person, may_edit",
    [
        ("officer_a", True),
        ("manager_a", True),
        ("admin", True),
        ("officer_a2", False),
        ("officer_b", False),
        ("analyst", False),
        ("viewer", False),
    ],
)
def test_the_owner_the_team_manager_and_admins_edit_a_record(world, person, may_edit):
    user = world.people[person]
    assert permissions.can_edit_institution(user, world.institution) is may_edit
    assert permissions.can_edit_interaction(user, world.interaction) is may_edit
    assert permissions.can_edit_contact(user, world.contact) is may_edit


def test_an_unowned_institution_may_be_claimed_by_anyone_who_creates_but_not_by_viewers(world):
    world.institution.owner = None
    assert permissions.can_edit_institution(world.people["officer_b"], world.institution)
    assert not permissions.can_edit_institution(world.people["viewer"], world.institution)


@pytest.mark.parametrize("person", EVERYONE)
def test_viewers_change_nothing(world, person):
    user = world.people[person]
    is_viewer = person == "viewer"
    assert permissions.can_create_institution(user) is not is_viewer
    assert permissions.can_log_interaction(user) is (person not in ("viewer", "analyst"))


def test_nobody_signed_out_sees_anything(world):
    anonymous = AnonymousUser()
    assert not institutions_visible_to(anonymous).exists()
    assert not interactions_visible_to(anonymous).exists()
    assert not follow_ups_visible_to(anonymous).exists()
    assert not projects_visible_to(anonymous).exists()
