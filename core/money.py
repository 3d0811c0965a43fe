"""Money in Landfall: an amount and its currency, CNY unless said otherwise.

Registered capital and similar figures are entered as the registries print them, in
ten-thousands (万) of the currency: 5,000 万元 is ``Decimal("5000")`` with ``CNY``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Japanese yen (JPY)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    CHF = "CHF", _("Swiss franc (CHF)")


def amount_field(verbose_name: str) -> models.DecimalField:
    """An amount in ten-thousands of its currency; never negative."""
    return models.DecimalField(
        verbose_name,
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )


def currency_field() -> models.CharField:
    return models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
