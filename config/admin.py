"""The Django admin, opened to the people who keep reference data."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


class LandfallAdminSite(admin.AdminSite):
    site_header = _("Landfall administration")
    site_title = _("Landfall")
    index_title = _("Reference data and accounts")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """One login for the whole product (the admin's own form admits staff only)."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"),
            reverse(settings.LOGIN_URL),
        )

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or user.has_any_role(Role.ANALYST, Role.ADMIN))
