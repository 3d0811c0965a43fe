from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from core.audit import register as audit_register
        from plans import vocabulary

        from . import models
        from .models import Flag, InstitutionType, Ownership

        # Plans sit below the register: tell them which codes a target may count by.
        vocabulary.register("institution_types", InstitutionType.choices)
        vocabulary.register("ownerships", Ownership.choices)
        vocabulary.register("flags", Flag.choices)

        # The audit trail keeps every change a person (or an import, a merge) makes; the
        # columns the services derive (search text and its pairs, name keys, last contact) are left out.
        derived = [
            "search_text", "search_bigrams", "name_key_zh", "name_key_en", "last_contacted_on",
            "updated_at",
        ]  # fmt: skip
        audit_register(models.Institution, exclude_fields=derived, m2m_fields={"categories"})
        audit_register(models.InstitutionAlias, exclude_fields=["name_key"])
        audit_register(models.Contact, exclude_fields=["updated_at"])
        audit_register(models.Interaction, m2m_fields={"officers"})
        audit_register(models.FollowUp)
        audit_register(models.Building)
        audit_register(models.InstitutionMerge)
        audit_register(models.Milestone)
