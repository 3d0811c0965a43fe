from __future__ import annotations

import re
from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.sessions import ENROL_KEY, OTP_PENDING
from config.settings import base
from tests.factories import PASSWORD, MembershipFactory, UserFactory

LOGIN = reverse("accounts:login")
CODE_STEP = reverse("accounts:otp_verify")
TWO_FACTOR = reverse("accounts:two_factor")


def code_for(key: str) -> str:
    return str(TOTP(unhexlify(key)).token()).zfill(6)


@pytest.fixture
def device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


@pytest.fixture
def admin(db):
    return MembershipFactory(user=UserFactory(username="root"), role=Role.ADMIN).user


def password_login(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


# Setting it up ------------------------------------------------------------------------


def test_the_user_menu_offers_two_factor_login(client_in):
    page = client_in.get(reverse("home")).content.decode()
    assert f'href="{TWO_FACTOR}"' in page


def test_the_set_up_page_shows_a_qr_code_as_an_image_and_the_key(client_in):
    page = client_in.get(TWO_FACTOR).content.decode()
    assert re.search(r'<img src="data:image/svg\+xml;[^"]+"', page)
    key = client_in.session[ENROL_KEY]
    assert 'data-testid="totp-secret"' in page
    assert TOTPDevice.objects.count() == 0  # nothing is saved until a code proves the app
    # The same key until it is confirmed: reloading does not invalidate a scanned code.
    client_in.get(TWO_FACTOR)
    assert client_in.session[ENROL_KEY] == key


def test_a_right_code_turns_two_factor_on_and_verifies_the_session(client_in, user):
    client_in.get(TWO_FACTOR)
    key = client_in.session[ENROL_KEY]
    response = client_in.post(TWO_FACTOR, {"otp_token": code_for(key)})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    assert ENROL_KEY not in client_in.session
    # This session gave the code: it goes on without being asked again.
    assert client_in.get(reverse("home")).status_code == 200


def test_a_wrong_code_does_not_turn_two_factor_on(client_in):
    client_in.get(TWO_FACTOR)
    response = client_in.post(TWO_FACTOR, {"otp_token": "000000"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert TOTPDevice.objects.count() == 0


def test_a_user_turns_two_factor_off_with_a_current_code(client, user, device):
    password_login(client, user)
    client.post(CODE_STEP, {"otp_token": code_for(device.key)})
    assert (
        client.post(reverse("accounts:two_factor_off"), {"otp_token": "000000"}).status_code == 200
    )
    assert TOTPDevice.objects.filter(user=user).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.last_t = -1
    device.save()
    response = client.post(reverse("accounts:two_factor_off"), {"otp_token": code_for(device.key)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


# Logging in with it ---------------------------------------------------------------------


def test_a_user_with_an_authenticator_is_asked_for_a_code_after_the_password(client, user, device):
    response = password_login(client, user)
    assert response.status_code == 302
    assert response["Location"] == CODE_STEP
    assert client.session[OTP_PENDING] is True


@pytest.mark.parametrize(
    "url", ["/", "/plans/", "/crm/institutions/", "/crm/my-work/", "/admin/", TWO_FACTOR]
)
def test_before_the_code_the_session_reaches_nothing_else(client, user, device, url):
    password_login(client, user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(CODE_STEP)


def test_before_the_code_a_post_elsewhere_is_refused_too(client, user, device):
    password_login(client, user)
    response = client.post(reverse("accounts:set_language"), {"language": "en"})
    assert response["Location"].startswith(CODE_STEP)
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_before_the_code_an_htmx_request_redirects_the_whole_page(client, user, device):
    password_login(client, user)
    response = client.get(
        "/crm/my-work/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/plans/"
    )
    assert response["HX-Redirect"] == CODE_STEP + "?next=/plans/"


def test_before_the_code_the_user_can_log_out(client, user, device):
    password_login(client, user)
    assert client.get(CODE_STEP).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_right_code_opens_the_session_under_a_new_key(client, user, device):
    password_login(client, user)
    before = client.session.session_key
    response = client.post(CODE_STEP, {"otp_token": code_for(device.key), "next": "/plans/"})
    assert response.status_code == 302
    assert response["Location"] == "/plans/"
    assert client.session.session_key != before
    assert OTP_PENDING not in client.session
    assert client.get(reverse("home")).status_code == 200


def test_the_code_step_keeps_where_the_user_was_going(client, user, device):
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "next": "/plans/"}
    )
    assert response["Location"] == CODE_STEP + "?next=/plans/"


def test_a_wrong_code_is_refused_and_logged(client, user, device, caplog):
    password_login(client, user)
    response = client.post(CODE_STEP, {"otp_token": "000000"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(CODE_STEP)
    [record] = [r for r in caplog.records if r.name == "landfall.security"]
    assert "otp failed" in record.getMessage()
    assert f"user_id={user.pk}" in record.getMessage()


def test_repeated_wrong_codes_slow_down(client, user, device):
    password_login(client, user)
    client.post(CODE_STEP, {"otp_token": "000000"})
    response = client.post(CODE_STEP, {"otp_token": code_for(device.key)})
    assert "错误次数过多" in response.content.decode()


def test_a_user_without_an_authenticator_logs_in_with_the_password_alone(client, user):
    assert password_login(client, user)["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


# Required for administrators -------------------------------------------------------------


def test_admins_are_not_forced_by_default(client, admin):
    assert base.LANDFALL_REQUIRE_2FA_FOR_ADMINS is False
    password_login(client, admin)
    assert client.get(reverse("home")).status_code == 200


def test_an_admin_without_an_authenticator_must_set_one_up_first(client, admin, settings):
    settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS = True
    password_login(client, admin)
    response = client.get("/plans/")
    assert response["Location"] == TWO_FACTOR + "?next=/plans/"
    page = client.get(TWO_FACTOR).content.decode()
    assert 'data-testid="two-factor-required"' in page
    key = client.session[ENROL_KEY]
    response = client.post(TWO_FACTOR, {"otp_token": code_for(key), "next": "/plans/"})
    assert response["Location"] == "/plans/"
    assert client.get("/plans/").status_code == 200


def test_a_superuser_counts_as_an_admin(client, settings, db):
    settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS = True
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    password_login(client, boss)
    assert client.get("/")["Location"] == TWO_FACTOR


def test_officers_are_not_forced_when_admins_are(client_in, settings):
    settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS = True
    assert client_in.get(reverse("home")).status_code == 200


def test_an_admin_who_must_use_two_factor_cannot_turn_it_off(client, admin, settings):
    settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS = True
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    password_login(client, admin)
    client.post(CODE_STEP, {"otp_token": code_for(device.key)})
    page = client.get(TWO_FACTOR).content.decode()
    assert 'id="two-factor-off-form"' not in page
    client.post(reverse("accounts:two_factor_off"), {"otp_token": code_for(device.key)})
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_an_admin_with_an_authenticator_signed_in_some_other_way_still_owes_the_code(
    client, admin, settings
):
    settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS = True
    client.force_login(admin)
    TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    assert client.get("/")["Location"] == CODE_STEP
