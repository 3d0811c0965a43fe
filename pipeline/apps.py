from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        from crm import scoping

        from .selectors import projects_visible_to

        # The institution page lists projects through the pipeline's own scoping.
        scoping.register("projects", projects_visible_to)
