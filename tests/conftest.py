from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from plans.models import Plan
from plans.services import plan_load_file
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "lujiazui-14th.yaml"


@pytest.fixture
def plan(db) -> Plan:
    """The shipped 14th plan, loaded from its file."""
    return plan_load_file(path=PLAN_FILE).plan


@pytest.fixture
def user(db) -> User:
    return UserFactory(username="officer", display_name="王明")


@pytest.fixture
def client_in(client: Client, user: User) -> Client:
    """A test client signed in as ``user``."""
    assert client.login(username=user.username, password=PASSWORD)
    return client
