from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Role, User
from plans.models import Plan
from plans.services import plan_load_file
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "lujiazui-14th.yaml"


@pytest.fixture
def plan(db) -> Plan:
    """The shipped 14th plan, loaded from its file."""
    return plan_load_file(path=PLAN_FILE).plan


@pytest.fixture
def user(db) -> User:
    """A promotion officer of one team, the product's everyday user."""
    officer = UserFactory(username="officer", display_name="王明")
    MembershipFactory(user=officer, team=TeamFactory(name="金融机构招商一部"), role=Role.OFFICER)
    return officer


@pytest.fixture
def client_in(client: Client, user: User) -> Client:
    """A test client signed in as ``user``."""
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def world(db):
    """Team A's records, and people of every role in teams A and B (tests/world.py)."""
    from tests.world import make_world

    return make_world()
