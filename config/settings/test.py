"""Settings for the test suite (``make test``): DATABASE_URL picks SQLite or PostgreSQL."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="landfall-test-key-not-for-production")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Lockout stays off by default because Django's test client logs in without a request,
# which django-axes refuses; the tests of lockout turn it on (tests/accounts/conftest.py).
AXES_ENABLED = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
