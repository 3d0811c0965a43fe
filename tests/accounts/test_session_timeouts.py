from __future__ import annotations

from django.urls import reverse

from accounts.sessions import LOGIN_AT, SEEN_AT
from config.settings import base
from tests.config.test_settings import manage

HOURS = 3600


def backdate(client, key, seconds):
    session = client.session
    session[key] -= seconds
    session.save()


def test_login_stamps_the_session(client_in):
    assert LOGIN_AT in client_in.session
    assert SEEN_AT in client_in.session


def test_an_active_session_within_both_limits_carries_on(client_in):
    backdate(client_in, LOGIN_AT, 11 * HOURS)
    backdate(client_in, SEEN_AT, 1 * HOURS)
    assert client_in.get(reverse("home")).status_code == 200
    # The visit counts as activity.
    assert abs(client_in.session[SEEN_AT] - client_in.session[LOGIN_AT] - 11 * HOURS) < 60


def test_an_idle_session_is_logged_out_and_sent_to_the_login_page(client_in):
    backdate(client_in, SEEN_AT, 2 * HOURS + 60)
    response = client_in.get(reverse("plans:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/plans/"
    page = client_in.get(response["Location"]).content.decode()
    assert "由于长时间未操作" in page
    assert "_auth_user_id" not in client_in.session


def test_a_session_past_its_absolute_limit_ends_however_active(client_in):
    backdate(client_in, LOGIN_AT, 12 * HOURS + 60)
    response = client_in.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "会话已达到时长上限" in client_in.get(response["Location"]).content.decode()


def test_an_htmx_request_on_an_expired_session_redirects_the_whole_page(client_in):
    backdate(client_in, SEEN_AT, 2 * HOURS + 60)
    response = client_in.get(
        reverse("crm:my_work"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/crm/institutions/?q=abc",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        reverse("accounts:login") + "?next=/crm/institutions/%3Fq%3Dabc"
    )
    assert response.content == b""


def test_the_timeouts_default_to_two_and_twelve_hours():
    assert base.LANDFALL_SESSION_IDLE_TIMEOUT == 2 * HOURS
    assert base.LANDFALL_SESSION_ABSOLUTE_TIMEOUT == 12 * HOURS
    assert base.SESSION_COOKIE_AGE == 12 * HOURS


def test_the_timeouts_are_read_from_the_environment():
    code = (
        "from django.conf import settings; print(settings.LANDFALL_SESSION_IDLE_TIMEOUT,"
        " settings.LANDFALL_SESSION_ABSOLUTE_TIMEOUT, settings.SESSION_COOKIE_AGE)"
    )
    env = {"LANDFALL_SESSION_IDLE_TIMEOUT": "900", "LANDFALL_SESSION_ABSOLUTE_TIMEOUT": "28800"}
    result = manage("shell", "-c", code, env=env)
    assert result.stdout.strip().endswith("900 28800 28800"), result.stderr


def test_an_expired_session_on_the_login_page_is_not_sent_back_to_it(client_in):
    backdate(client_in, SEEN_AT, 2 * HOURS + 60)
    response = client_in.get(reverse("accounts:login"))
    assert response["Location"] == reverse("accounts:login")
