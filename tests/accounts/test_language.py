from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD


def test_pages_open_in_chinese_whatever_the_browser_asks(client_in):
    response = client_in.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "本季度落地" in response.content.decode()


def test_switching_language_is_remembered_on_the_user(client_in, user):
    response = client_in.post(
        reverse("accounts:set_language"), {"language": "en", "next": "/plans/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/plans/"
    user.refresh_from_db()
    assert user.language == "en"


def test_the_remembered_language_follows_the_user_to_a_new_browser(client, user, plan):
    User.objects.filter(pk=user.pk).update(language="en")
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("plans:detail", args=[plan.code])).content.decode()
    assert "Licensed financial institutions" in page
    assert "持牌类金融机构" not in page


def test_the_login_page_follows_the_cookie_before_login(client):
    client.post(reverse("accounts:set_language"), {"language": "en", "next": "/accounts/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Log in to Landfall" in page


def test_a_language_picked_on_the_login_page_becomes_the_users_choice(client, user):
    client.post(reverse("accounts:set_language"), {"language": "en", "next": "/accounts/login/"})
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    assert user.language == "en"


def test_an_unknown_language_is_refused(client_in, user):
    response = client_in.post(reverse("accounts:set_language"), {"language": "klingon"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_switching_language_never_redirects_off_site(client_in):
    response = client_in.post(
        reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
