"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Role


def navigation(request: HttpRequest) -> dict[str, bool]:
    """What the navigation bar may offer the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_use_admin": False, "can_audit": False}
    return {
        "can_use_admin": user.is_staff or user.has_any_role(Role.ANALYST, Role.ADMIN),
        "can_audit": user.has_any_role(Role.ADMIN),
    }
