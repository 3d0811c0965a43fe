"""Settings for a deployment. Every secret and host comes from the environment.

A missing variable stops start-up with one message that names it (manage.py and the
WSGI entry point print it without a traceback).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)

_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
_missing = [name for name in _REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "set the environment variable(s) %s (see docs/configuration.md)." % ", ".join(_missing)
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:  # noqa: F405
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters with at least 5 distinct characters."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# check --deploy asks for preload; it is hard to undo, so an operator may turn it off.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Administrators hold the keys to every account: without an authenticator they are sent
# to set one up before anything else. An operator may turn this off (docs/configuration.md).
LANDFALL_REQUIRE_2FA_FOR_ADMINS = env.bool("LANDFALL_REQUIRE_2FA_FOR_ADMINS", default=True)
