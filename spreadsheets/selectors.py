"""What import jobs a user sees: their own; admins see everyone's."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from crm.permissions import is_admin

from .models import ImportJob


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    if not user.is_authenticated:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if is_admin(user) else jobs.filter(created_by=user)
