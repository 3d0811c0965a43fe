"""ASGI entry point."""

from __future__ import annotations

import os
import sys

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

try:
    application = get_asgi_application()
except ImproperlyConfigured as exc:  # say what to set, without a traceback
    sys.exit(f"Landfall configuration error: {exc}")
