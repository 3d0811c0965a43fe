from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from core import audit_views
from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("plans/", include("plans.urls")),
    path("crm/", include("crm.urls")),
    path("pipeline/", include("pipeline.urls")),
    path("spreadsheets/", include("spreadsheets.urls")),
    path("audit/", audit_views.audit_search, name="audit"),
    path("admin/", admin.site.urls),
]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
