from __future__ import annotations

from django.urls import path

from . import funnel_views, progress_views, views

app_name = "pipeline"

urlpatterns = [
    # projects and the board (views.py)
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/move/", views.project_move, name="project_move"),
    path("board/", views.board, name="board"),
    # the funnel review (funnel_views.py)
    path("funnel/", funnel_views.funnel, name="funnel"),
    path("funnel/projects/", funnel_views.funnel_projects, name="funnel_projects"),
    # target progress (progress_views.py)
    path("progress/", progress_views.progress_index, name="progress_index"),
    path("progress/<slug:plan>/", progress_views.progress, name="progress"),
    path(
        "progress/<slug:plan>/<str:target>/",
        progress_views.progress_target,
        name="progress_target",
    ),
]
