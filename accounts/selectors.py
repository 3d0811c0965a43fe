"""Reads on users: their second factor."""

from __future__ import annotations

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role, User


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def two_factor_required_for(user: User) -> bool:
    """Whether the user must use two-factor login (administrators, when the setting says so)."""
    return settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS and user.has_any_role(Role.ADMIN)
