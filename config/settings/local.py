"""Settings for a developer's machine: ``make run``. SQLite, eager tasks, DEBUG on."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Only ever used on a developer's own machine; production requires its own key.
SECRET_KEY = env("SECRET_KEY", default="landfall-local-development-key-not-for-production")
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
