"""Scoping selectors that apps above ``crm`` lend it.

The institution page lists an institution's projects, but ``crm`` may not import
``pipeline``. So ``pipeline`` registers its ``projects_visible_to`` here at start-up (in
its AppConfig.ready), and ``crm`` asks for it by name: the page lists projects through
the same per-user selector as every other page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from accounts.models import User

_selectors: dict[str, Callable[[User], QuerySet]] = {}


def register(name: str, selector: Callable[[User], QuerySet]) -> None:
    """Lend ``crm`` a per-user scoping selector under ``name`` (e.g. "projects")."""
    _selectors[name] = selector


def visible(name: str, user: User) -> QuerySet:
    """The records of kind ``name`` that ``user`` may see, from the registered selector."""
    try:
        selector = _selectors[name]
    except KeyError:
        raise LookupError("No scoping selector is registered for %r." % name) from None
    return selector(user)
