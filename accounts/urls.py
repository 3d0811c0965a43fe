from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        views.LoginView.as_view(),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/code/", views.otp_verify, name="otp_verify"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/off/", views.two_factor_off, name="two_factor_off"),
    path("language/", views.set_language, name="set_language"),
]
