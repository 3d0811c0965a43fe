"""The security log: authentication and authorisation failures, without personal data.

Every record goes to the ``landfall.security`` logger at WARNING. A record names a user
by id when one is known; an attempted username and a client address appear only as a
short salted hash (``fingerprint``), so that an operator can tell that the same name or
address comes back without the log holding either in clear.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

security_log = logging.getLogger("landfall.security")


def fingerprint(value: str | None) -> str:
    """A short keyed hash of ``value`` (a username, an address), or "-" when there is none."""
    if not value:
        return "-"
    return salted_hmac("landfall.security.fingerprint", value).hexdigest()[:12]


def client_ip(request: HttpRequest) -> str:
    """The client's address, read behind ``LANDFALL_TRUSTED_PROXY_COUNT`` reverse proxies."""
    proxies = settings.LANDFALL_TRUSTED_PROXY_COUNT
    if proxies:
        # Each trusted proxy appends the address it saw; anything further left is the
        # client's own say and can be forged.
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def log_security_event(
    event: str,
    *,
    request: HttpRequest | None = None,
    user_id: int | None = None,
    username: str | None = None,
    ip: str | None = None,
) -> None:
    """Record one failure on the security log (``event`` is a short fixed word)."""
    if user_id is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id = user.pk
    if ip is None and request is not None:
        ip = client_ip(request)
    path = request.path if request is not None else "-"
    security_log.warning(
        "%s user_id=%s username=%s ip=%s path=%s",
        event,
        user_id if user_id is not None else "-",
        fingerprint(username),
        fingerprint(ip),
        path,
    )
