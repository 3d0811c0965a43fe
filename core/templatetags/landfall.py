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


@register.filter
def wan(amount: object, currency: str = "CNY") -> str:
    """An amount kept in ten-thousands, with its unit: 5,000 万元 / 5,500 万美元."""
    from django.template.defaultfilters import floatformat

    from core.money import wan_unit

    if amount is None or amount == "":
        return ""
    return "%s %s" % (floatformat(amount, "-2g"), wan_unit(currency or "CNY"))


@register.filter
def audit_action(entry: object) -> str:
    """An audit entry's action in the reader's language (core.audit.action_label)."""
    from core.audit import action_label

    return action_label(entry)


@register.filter
def item(sequence: object, index: int) -> object:
    """``row|item:3``: the element at ``index``, or "" past the end."""
    try:
        return sequence[index]  # type: ignore[index]
    except (IndexError, KeyError, TypeError):
        return ""


@register.filter
def column_letter(index: int) -> str:
    """Excel's name of a 0-based column index: 0 → A, 26 → AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(int(index) + 1)
