from __future__ import annotations

from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_index, name="index"),
    path("<slug:code>/", views.plan_detail, name="detail"),
]
