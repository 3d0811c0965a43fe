#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing or bad environment variable is an operator's mistake, not a bug:
        # say what to set instead of printing a traceback.
        sys.exit(f"Landfall configuration error: {exc}")


if __name__ == "__main__":
    main()
