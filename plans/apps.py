from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Plans")

    def ready(self) -> None:
        from core.audit import register as audit_register

        from .models import Category, Plan, Target, TargetMeasurement

        # Plans are data the office reports against: every change is kept, file loads too.
        audit_register(Plan)
        audit_register(Category)
        audit_register(Target, m2m_fields={"categories"})
        audit_register(TargetMeasurement)
