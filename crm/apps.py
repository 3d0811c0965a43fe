from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from plans import vocabulary

        from .models import Flag, InstitutionType, Ownership

        # Plans sit below the register: tell them which codes a target may count by.
        vocabulary.register("institution_types", InstitutionType.choices)
        vocabulary.register("ownerships", Ownership.choices)
        vocabulary.register("flags", Flag.choices)
