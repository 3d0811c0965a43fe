"""What a signed-in session keeps about itself: when it began, when it was last used, and
whether it still owes the second factor.

The timeouts (``LANDFALL_SESSION_IDLE_TIMEOUT``, ``LANDFALL_SESSION_ABSOLUTE_TIMEOUT``) are
enforced by ``accounts.middleware.SessionTimeoutMiddleware``; the second factor by
``accounts.middleware.TwoFactorMiddleware``.
"""

from __future__ import annotations

import time
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, QueryDict
from django.shortcuts import resolve_url

from .models import User
from .selectors import totp_device_for

LOGIN_AT = "landfall_login_at"
SEEN_AT = "landfall_seen_at"
OTP_PENDING = "landfall_otp_pending"
ENROL_KEY = "landfall_totp_key"

# Writing the last-seen time on every request would save the session on every request;
# a minute's precision is plenty for a timeout counted in hours.
TOUCH_EVERY = 60


class Expiry(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


def session_begin(*, request: HttpRequest, user: User) -> None:
    """Stamp a new login on the session; a user with an authenticator still owes a code."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[OTP_PENDING] = totp_device_for(user) is not None


def session_expiry(request: HttpRequest) -> Expiry | None:
    """Which timeout, if any, this signed-in session has run past; else note the visit."""
    now = int(time.time())
    session = request.session
    login_at = session.setdefault(LOGIN_AT, now)
    seen_at = session.setdefault(SEEN_AT, now)
    if now - login_at > settings.LANDFALL_SESSION_ABSOLUTE_TIMEOUT:
        return Expiry.ABSOLUTE
    if now - seen_at > settings.LANDFALL_SESSION_IDLE_TIMEOUT:
        return Expiry.IDLE
    if now - seen_at >= TOUCH_EVERY:
        session[SEEN_AT] = now
    return None


def with_next(url: str, next_url: str) -> str:
    """``url`` asked to carry on to ``next_url`` afterwards (left out when that is the start page)."""
    if not next_url or next_url == resolve_url(settings.LOGIN_REDIRECT_URL):
        return url
    query = QueryDict(mutable=True)
    query[REDIRECT_FIELD_NAME] = next_url
    return f"{url}?{query.urlencode(safe='/')}"
