from __future__ import annotations

import pytest

from accounts.models import Role, User
from tests.factories import MembershipFactory, UserFactory


def member(username: str, role: str) -> User:
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role)
    return user


@pytest.fixture
def manager(db) -> User:
    return member("manager", Role.MANAGER)


@pytest.fixture
def admin_user(db) -> User:
    return member("admin", Role.ADMIN)


@pytest.fixture
def officer(db) -> User:
    return member("officer2", Role.OFFICER)
