from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.parametrize("url", ["/", "/plans/", "/plans/lujiazui-14th/"])
def test_every_page_requires_login(client, plan, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_logs_in_and_lands_on_the_home_page(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_bad_login_gets_a_clear_translated_message(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "x"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_rotates_the_session(client, user):
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen"
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen"


def test_logout_ends_the_session(client_in):
    response = client_in.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client_in.get(reverse("home")).status_code == 302


def test_login_gives_the_session_a_new_key_and_forgets_the_old_one(client, user):
    session = client.session  # an anonymous session, e.g. one planted by an attacker
    session["planted"] = True
    session.save()
    before = session.session_key
    assert client.cookies["sessionid"].value == before
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after != before
    assert not SessionStore().exists(before)
    assert client.session["_auth_user_id"] == str(user.pk)
