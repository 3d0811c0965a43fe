"""Writes on the register."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from plans.models import Category

from .models import Institution


@transaction.atomic
def institution_save(
    *, institution: Institution, categories: Iterable[Category] | None = None
) -> Institution:
    """Validate and save an institution, and set its plan categories when given."""
    institution.full_clean()
    institution.save()
    if categories is not None:
        institution.categories.set(categories)
    return institution
