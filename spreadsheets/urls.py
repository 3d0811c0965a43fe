from __future__ import annotations

from django.urls import path

from . import export_views, import_views, tally_views, template_views

app_name = "spreadsheets"

urlpatterns = [
    # -- exports (export_views.py): ?<the list page's query string>
    path("export/<slug:kind>.xlsx", export_views.list_export, name="list_export"),
    # -- tally (tally_views.py)
    path("tally/", tally_views.tally, name="tally"),
    # -- imports (import_views.py): the wizard, a job's progress and result, templates
    path("import/", import_views.import_start, name="import_start"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/run/", import_views.import_run, name="import_run"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("import/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("imports/", import_views.import_list, name="import_list"),
    path(
        "import/template/<slug:kind>.xlsx", template_views.import_template, name="import_template"
    ),
]
