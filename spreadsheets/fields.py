"""What each import field is called on the wizard's mapping page, in the user's language.

The fields of each kind are the keys of ``headers.SYNONYMS[kind]``; most take their label
from the model field they fill, the rest are named here.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Institution, Interaction
from pipeline.models import Project
from plans.models import TargetMeasurement

from .headers import SYNONYMS

MODELS = {
    "institutions": Institution,
    "interactions": Interaction,
    "projects": Project,
    "measurements": TargetMeasurement,
}

LABELS = {
    "institutions": {
        "name_zh": _("Name (Chinese)"),
        "name_en": _("Name (English)"),
        "uscc": _("Unified social credit code"),
        "building": _("Building"),
        "owner": _("Owner"),
        "team": _("Team"),
        "categories": _("Plan categories"),
        "aliases": _("Other names"),
        "registered_capital": _("Registered capital"),
        "contact_name": _("Contact: name"),
        "contact_title": _("Contact: title"),
        "contact_phone": _("Contact: phone"),
        "contact_email": _("Contact: e-mail"),
    },
    "interactions": {
        "institution": _("Institution"),
        "uscc": _("Institution's USCC"),
        "officers": _("Officers present"),
        "team": _("Team"),
        "contacts": _("Contacts present"),
    },
    "projects": {
        "institution": _("Institution"),
        "uscc": _("Institution's USCC"),
        "categories": _("Plan categories"),
        "owner": _("Owner"),
        "team": _("Team"),
        "stage": _("Stage"),
        "stage_date": _("In the stage since"),
        "registration_date": _("Registration date"),
        "registered_capital": _("Registered capital (on landing)"),
        "building": _("Building"),
    },
    "measurements": {
        "target": _("Target"),
        "period": pgettext_lazy("measurement", "Quarter end"),
    },
}


def field_label(kind: str, name: str) -> str:
    """The label of one import field of ``kind``."""
    label = LABELS.get(kind, {}).get(name)
    if label is None:
        model = MODELS[kind]
        try:
            label = model._meta.get_field(name).verbose_name
        except Exception:  # a field of the file that no model field holds
            label = name.replace("_", " ")
    return capfirst(str(label))


def field_choices(kind: str) -> list[tuple[str, str]]:
    """(field, label) for every field of ``kind``, in the template's order."""
    return [(name, field_label(kind, name)) for name in SYNONYMS[kind]]
