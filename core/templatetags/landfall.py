"""Template helpers used across apps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def plan_number(value: object) -> str:
    """A figure as people write it in a plan: 1,000 / 1.15 / 80, without trailing zeros."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


@register.filter
def or_not_published(value: object) -> str:
    """The figure, or "not published" where the plan gives none."""
    if value is None or value == "":
        return _("not published")
    return plan_number(value)


@register.filter
def audit_changes(entry: object) -> list[tuple[str, str, str]]:
    """An audit entry's changes as (label, before, after) rows (core.audit.changes_shown)."""
    from core.audit import changes_shown

    return changes_shown(entry)
