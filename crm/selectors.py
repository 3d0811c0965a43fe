"""Reads on the register. Every list of institutions starts from ``institutions_visible_to``."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import Institution


def institutions_visible_to(user: User) -> QuerySet[Institution]:
    """The institutions ``user`` may see: the register is shared by all signed-in staff."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.all()
