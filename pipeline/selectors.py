"""Reads on the pipeline. Every list of projects starts from ``projects_visible_to``."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import Project


def projects_visible_to(user: User) -> QuerySet[Project]:
    """The projects ``user`` may see (team rules arrive with the roles issue)."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.all()
