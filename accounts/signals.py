"""Receivers for login events: stamp the new session, and log failures without personal data."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from core.security import log_security_event

from .models import User
from .sessions import session_begin


@receiver(user_logged_in, dispatch_uid="landfall_session_begin")
def on_user_logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_begin(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="landfall_log_login_failed")
def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = credentials.get(User.USERNAME_FIELD) or ""
    # The id of the account under attack helps the operator; the name itself stays out.
    known = User.objects.filter(**{User.USERNAME_FIELD: username}).values_list("pk", flat=True)
    user_id = known.first() if username else None
    log_security_event("login failed", request=request, user_id=user_id, username=username)


@receiver(user_locked_out, dispatch_uid="landfall_log_locked_out")
def on_user_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    log_security_event("login locked out", request=request, username=username, ip=ip_address)
