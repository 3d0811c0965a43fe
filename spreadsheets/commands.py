"""What the spreadsheet commands (export_tally, import_workbook) share."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.models import Role, User


def default_user() -> User | None:
    """Whom a command acts as without ``--as``: the first active superuser, else the first
    active admin (both see every record)."""
    active = User.objects.filter(is_active=True).order_by("pk")
    return (
        active.filter(is_superuser=True).first()
        or active.filter(memberships__role=Role.ADMIN).distinct().first()
    )


def acting_user(username: object, *, nobody: str) -> User:
    """The active user named by ``--as``, else ``default_user``; ``nobody`` says what to do
    when there is neither (a CommandError either way)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user is called %(name)s.") % {"name": username})
        return user
    user = default_user()
    if user is None:
        raise CommandError(nobody)
    return user
