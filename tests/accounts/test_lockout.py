from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from config.settings import base
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("axes_on")

LOGIN = reverse("accounts:login")


def attempt(client, username, password="wrong-password", ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_is_configured_as_agreed():
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in base.MIDDLEWARE
    assert base.AXES_FAILURE_LIMIT == 5
    cool_off = base.AXES_COOLOFF_TIME
    assert cool_off == datetime.timedelta(minutes=30)
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert base.AXES_RESET_ON_SUCCESS is True
    assert getattr(base, "AXES_ENABLED", True) is True


def test_four_failures_still_show_the_login_form(client, user):
    for _ in range(4):
        response = attempt(client, user.username)
    assert response.status_code == 200
    assert 'data-testid="lockout"' not in response.content.decode()


def test_the_fifth_failure_locks_out_with_a_translated_message_on_the_login_page(client, user):
    for _ in range(4):
        attempt(client, user.username)
    response = attempt(client, user.username)
    page = response.content.decode()
    assert response.status_code == 429
    assert 'id="login-form"' in page
    assert "登录失败次数过多" in page
    assert "30" in page


def test_a_locked_out_user_cannot_log_in_even_with_the_right_password(client, user):
    for _ in range(5):
        attempt(client, user.username)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_follows_the_language_cookie(client, user):
    client.post(reverse("accounts:set_language"), {"language": "en", "next": LOGIN})
    for _ in range(5):
        response = attempt(client, user.username)
    assert "Too many failed login attempts" in response.content.decode()
    assert "30 minutes" in response.content.decode()


def test_the_lockout_ends_after_thirty_minutes(client, user):
    for _ in range(5):
        attempt(client, user.username)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31)
    )
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_lockout_holds_one_user_name_from_one_address(client, user):
    for _ in range(5):
        attempt(client, user.username, ip="10.0.0.1")
    # The same person from another address, and another name from the same address, go on.
    assert attempt(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 302
    client.post(reverse("accounts:logout"))
    assert attempt(client, "someone-else", ip="10.0.0.1").status_code == 200


def test_a_successful_login_resets_the_failure_count(client, user):
    for _ in range(4):
        attempt(client, user.username)
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        response = attempt(client, user.username)
    assert response.status_code == 200
