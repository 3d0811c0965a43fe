"""Template context of the spreadsheet app: whether the navigation offers the import."""

from __future__ import annotations

from django.http import HttpRequest

from .permissions import can_import


def imports(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    return {"can_import": user is not None and can_import(user)}
