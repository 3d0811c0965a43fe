"""Writes on users and teams, and on their second factor."""

from __future__ import annotations

import time
from binascii import unhexlify

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .models import User


def user_set_language(*, user: User, language: str) -> None:
    """Remember the user's preferred interface language."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language: %(code)s") % {"code": language})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def totp_new_key() -> str:
    """A fresh secret for an authenticator app (hex, as django-otp keeps it)."""
    return random_hex(20)


def totp_config_url(*, user: User, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


@transaction.atomic
def two_factor_enable(*, user: User, key: str, token: str) -> TOTPDevice:
    """Turn on two-factor login with the app set up from ``key``, once it shows a right code."""
    totp = TOTP(unhexlify(key.encode()))
    totp.time = time.time()
    token = token.replace(" ", "").strip()
    if not (token.isdigit() and totp.verify(int(token), tolerance=1)):
        raise ValidationError(
            _("That code is not right. Check the time on your phone and try again."),
            code="invalid_token",
        )
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice(user=user, name="authenticator", key=key, confirmed=True, last_t=totp.t())
    device.full_clean()
    device.save()
    return device


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Turn off two-factor login: forget the user's authenticator."""
    TOTPDevice.objects.filter(user=user).delete()


def two_factor_check(*, user: User, token: str) -> TOTPDevice:
    """The user's authenticator, if ``token`` is its current code (wrong codes slow it down)."""
    # The failure count must be saved even when the code is refused: decide inside the
    # transaction, raise after it.
    with transaction.atomic():
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        )
        if device is None:
            error = ValidationError(_("Two-factor login is not set up."), code="no_device")
        elif not (allowed := device.verify_is_allowed())[0]:
            until = (allowed[1] or {}).get("locked_until")
            seconds = int((until - timezone.now()).total_seconds()) + 1 if until else 1
            error = ValidationError(
                _("Too many wrong codes. Wait %(seconds)s seconds and try again."),
                code="throttled",
                params={"seconds": max(seconds, 1)},
            )
        elif not device.verify_token(token.replace(" ", "").strip()):
            error = ValidationError(_("That code is not right."), code="invalid_token")
        else:
            return device
    raise error
