"""Confidential projects show only their code name to everyone but owner, manager and admins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pipeline.selectors import project_search
from tests.helpers import signed_in


@pytest.mark.parametrize("person", ["officer_b", "officer_a2", "analyst", "viewer"])
def test_others_find_the_code_name_and_nothing_else(client, world, person):
    signed_in(client, world.people[person])
    results = client.get(reverse("pipeline:project_list"), {"q": "猎鹰"}).content.decode()
    assert "猎鹰" in results
    assert "收购某券商股权" not in results and "瀚海" not in results
    page = client.get(world.secret.get_absolute_url()).content.decode()
    assert "猎鹰" in page
    assert "收购某券商股权" not in page and "瀚海" not in page
    # Searching by what the code name hides finds nothing.
    assert not project_search(user=world.people[person], query="瀚海 收购")


@pytest.mark.parametrize("person", ["officer_a", "manager_a", "admin"])
def test_owner_manager_and_admins_see_the_whole_project(client, world, person):
    signed_in(client, world.people[person])
    page = client.get(world.secret.get_absolute_url()).content.decode()
    assert "收购某券商股权" in page and "瀚海资产管理有限公司" in page
    found = dict(project_search(user=world.people[person], query="瀚海"))
    assert found[world.secret] is True


def test_the_institution_page_does_not_give_a_confidential_project_away(client, world):
    signed_in(client, world.people["officer_a2"])
    page = client.get(world.institution.get_absolute_url()).content.decode()
    assert "设立公募基金子公司" in page  # the team's ordinary project
    assert "收购某券商股权" not in page and "猎鹰" not in page


def test_another_teams_ordinary_project_is_not_found(client, world):
    signed_in(client, world.people["officer_b"])
    assert client.get(world.project.get_absolute_url()).status_code == 404
    assert (
        "设立公募基金子公司"
        not in client.get(reverse("pipeline:project_list"), {"q": "公募"}).content.decode()
    )


def test_a_confidential_project_needs_a_code_name(world):
    from django.core.exceptions import ValidationError

    world.secret.code_name = " "
    with pytest.raises(ValidationError):
        world.secret.full_clean()
