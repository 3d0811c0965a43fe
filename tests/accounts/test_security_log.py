"""Failed logins and lockouts reach the security log, with no name or address in clear."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.security import fingerprint

IP = "203.0.113.7"


def security_records(caplog):
    return [r for r in caplog.records if r.name == "landfall.security"]


def in_clear(record, *values):
    text = record.getMessage() + repr(record.args)
    return [value for value in values if value in text]


def test_a_failed_login_is_logged_without_the_user_name(client, user, caplog):
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": "x"}, REMOTE_ADDR=IP
    )
    [record] = security_records(caplog)
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("login failed")
    assert f"user_id={user.pk}" in record.getMessage()
    assert f"username={fingerprint(user.username)}" in record.getMessage()
    assert f"ip={fingerprint(IP)}" in record.getMessage()
    assert in_clear(record, user.username, user.email, user.display_name, IP) == []


def test_a_failed_login_for_an_unknown_name_has_no_user_id(client, db, caplog):
    client.post(reverse("accounts:login"), {"username": "zhang.san@example.org", "password": "x"})
    [record] = security_records(caplog)
    assert "user_id=-" in record.getMessage()
    assert in_clear(record, "zhang.san") == []


@pytest.mark.usefixtures("axes_on")
def test_a_lockout_is_logged_without_the_user_name_or_address(client, user, caplog):
    for _ in range(5):
        client.post(
            reverse("accounts:login"), {"username": user.username, "password": "x"}, REMOTE_ADDR=IP
        )
    records = security_records(caplog)
    [lockout] = [r for r in records if r.getMessage().startswith("login locked out")]
    assert lockout.levelname == "WARNING"
    assert f"username={fingerprint(user.username)}" in lockout.getMessage()
    # Nothing on any logger, django-axes' own included, names the user or the address.
    for record in caplog.records:
        assert in_clear(record, user.username, IP) == [], record.getMessage()
