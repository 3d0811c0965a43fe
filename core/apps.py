from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared, model-free pieces: bilingual names, number formatting, the home page."""

    name = "core"
    verbose_name = _("Core")
