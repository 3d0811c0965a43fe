from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User
from tests.factories import PASSWORD


def codes(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def test_a_password_needs_at_least_twelve_characters():
    assert "password_too_short" in codes("Lujiazui#21")  # 11
    assert codes("Lujiazui#212") == set()  # 12


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("password1234", "password_too_common"),
        ("740216385019", "password_entirely_numeric"),
    ],
)
def test_common_and_numeric_passwords_are_refused(password, code):
    assert code in codes(password)


def test_a_password_like_the_user_name_is_refused(db):
    user = User(username="zhang.wei.lujiazui", email="zhang.wei@example.org")
    assert "password_too_similar" in codes("zhang.wei.lujiazui", user)


def test_the_test_suites_password_passes_the_rules():
    assert codes(PASSWORD) == set()
