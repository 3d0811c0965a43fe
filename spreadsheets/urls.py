from __future__ import annotations

from django.urls import path

from . import export_views, tally_views

app_name = "spreadsheets"

urlpatterns = [
    # -- exports (export_views.py): ?<the list page's query string>
    path("export/<slug:kind>.xlsx", export_views.list_export, name="list_export"),
    # -- tally (tally_views.py)
    path("tally/", tally_views.tally, name="tally"),
    # -- imports (next session)
]
