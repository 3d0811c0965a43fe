from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        from core.audit import register as audit_register
        from crm import scoping

        from .models import Project, Stage, StageChange
        from .selectors import projects_named_to

        audit_register(Project, m2m_fields={"categories"})
        audit_register(Stage)
        audit_register(StageChange)

        # The institution page lists projects through the pipeline's own scoping, and only
        # those it may show by name: a confidential one must not give its institution away.
        scoping.register("projects", projects_named_to)
