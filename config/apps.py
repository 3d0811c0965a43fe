from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class LandfallAdminConfig(AdminConfig):
    default_site = "config.admin.LandfallAdminSite"
