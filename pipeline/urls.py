from __future__ import annotations

from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
]
