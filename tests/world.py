"""Two teams and every kind of person, with team A's records: the ground of access tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Role, Team, User
from crm.models import Building, Contact, FollowUp, Institution, Interaction
from pipeline.models import Project
from tests.factories import (
    BuildingFactory,
    ContactFactory,
    FollowUpFactory,
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)


@dataclass
class World:
    team_a: Team
    team_b: Team
    people: dict[str, User]  # officer_a, officer_a2, officer_b, manager_a, analyst, viewer, admin
    institution: Institution
    contact: Contact
    interaction: Interaction
    follow_up: FollowUp
    project: Project
    secret: Project  # confidential, code name 猎鹰
    building: Building


def make_world() -> World:
    team_a = TeamFactory(name="A组")
    team_b = TeamFactory(name="B组")
    people = {}
    for name, team, role in [
        ("officer_a", team_a, Role.OFFICER),
        ("officer_a2", team_a, Role.OFFICER),
        ("officer_b", team_b, Role.OFFICER),
        ("manager_a", team_a, Role.MANAGER),
        ("analyst", team_b, Role.ANALYST),
        ("viewer", team_a, Role.VIEWER),
        ("admin", team_b, Role.ADMIN),
    ]:
        people[name] = UserFactory(username=name)
        MembershipFactory(user=people[name], team=team, role=role)
    owner = people["officer_a"]
    institution = InstitutionFactory(name_zh="瀚海资产管理有限公司", owner=owner, team=team_a)
    contact = ContactFactory(institution=institution, name="李想")
    interaction = Interaction.objects.create(
        institution=institution,
        kind="visit",
        date=timezone.localdate(),
        summary="A组拜访瀚海",
        team=team_a,
        created_by=owner,
    )
    follow_up = FollowUpFactory(
        title="A组待办",
        institution=institution,
        assignee=owner,
        team=team_a,
        created_by=owner,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    project = Project.objects.create(
        institution=institution, title="设立公募基金子公司", owner=owner, team=team_a
    )
    secret = Project.objects.create(
        institution=institution,
        title="收购某券商股权",
        owner=owner,
        team=team_a,
        confidential=True,
        code_name="猎鹰",
    )
    return World(
        team_a,
        team_b,
        people,
        institution,
        contact,
        interaction,
        follow_up,
        project,
        secret,
        BuildingFactory(),
    )
