"""The Django admin, opened to the people who keep reference data."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


class LandfallAdminSite(admin.AdminSite):
    site_header = _("Landfall administration")
    site_title = _("Landfall")
    index_title = _("Reference data and accounts")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or user.has_any_role(Role.ANALYST, Role.ADMIN))
