"""Writes on users and teams."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import User


def user_set_language(*, user: User, language: str) -> None:
    """Remember the user's preferred interface language."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language: %(code)s") % {"code": language})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
