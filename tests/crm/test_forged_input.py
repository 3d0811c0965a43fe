"""Forged ids and fields a form does not show are refused, never a 500."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.models import Institution, Interaction
from tests.helpers import INSTITUTION_FORM, client_as


def test_an_officer_cannot_file_a_record_under_another_team(world):
    response = client_as(world.people["officer_b"]).post(
        reverse("crm:institution_create"),
        {**INSTITUTION_FORM, "name_zh": "新机构", "team": world.team_a.pk},
    )
    assert "team" in response.context["form"].errors
    assert not Institution.objects.filter(name_zh="新机构").exists()


def test_fields_the_form_does_not_show_cannot_be_set(world):
    institution = world.institution
    before = Institution.objects.get(pk=institution.pk)
    client_as(world.people["officer_a"]).post(
        reverse("crm:institution_edit", args=[institution.pk]),
        {
            **INSTITUTION_FORM,
            "version": institution.version,
            "created_by": world.people["admin"].pk,
            "search_text": "hijacked",
            "last_contacted_on": "2001-01-01",
            "name_key_zh": "x",
        },
    )
    after = Institution.objects.get(pk=institution.pk)
    assert after.created_by_id == before.created_by_id
    assert "hijacked" not in after.search_text
    assert after.last_contacted_on == before.last_contacted_on
    assert after.version == before.version + 1


def test_an_interaction_cannot_be_filed_under_another_teams_project(world):
    officer_b = world.people["officer_b"]
    response = client_as(officer_b).post(
        reverse("crm:interaction_create", args=[world.institution.pk]),
        {
            "kind": "visit",
            "date": timezone.localdate().isoformat(),
            "summary": "B组拜访",
            "project": world.project.pk,
        },
    )
    # Team B sees no project of this institution, so the field is not offered and the
    # forged id is dropped: the note is B's, and A's project gets nothing.
    assert response.status_code == 302
    assert Interaction.objects.get(summary="B组拜访").project is None


def test_an_interaction_logged_by_team_b_stays_with_team_b(world):
    officer_b = world.people["officer_b"]
    client_as(officer_b).post(
        reverse("crm:interaction_create", args=[world.institution.pk]),
        {
            "kind": "call",
            "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "summary": "B组电话",
        },
    )
    interaction = Interaction.objects.get(summary="B组电话")
    assert interaction.team == world.team_b
    # Team A's officer does not see team B's note on the shared institution.
    page = client_as(world.people["officer_a2"]).get(world.institution.get_absolute_url())
    assert "B组电话" not in page.content.decode()
    assert "A组拜访瀚海" in page.content.decode()
