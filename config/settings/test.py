"""Settings for the test suite (``make test``): DATABASE_URL picks SQLite or PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

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
# Tasks run in the test's process; the tests of a real worker (tests/spreadsheets/
# test_import_worker.py) send them to the broker in CELERY_BROKER_URL instead.
CELERY_TASK_ALWAYS_EAGER = True
# Uploads and error workbooks of the tests go to a folder of their own, never ./media.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="landfall-test-media-")))
