from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Category, Plan, Target, TargetMeasurement

        # Plans are data the office reports against: every change is kept, file loads too.
        auditlog.register(Plan)
        auditlog.register(Category)
        auditlog.register(Target, m2m_fields={"categories"})
        auditlog.register(TargetMeasurement)
