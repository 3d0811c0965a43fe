"""Money in Landfall: an amount and its currency, CNY unless said otherwise.

Registered capital and similar figures are entered as the registries print them, in
ten-thousands (万) of the currency: 5,000 万元 is ``Decimal("5000")`` with ``CNY``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Japanese yen (JPY)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    CHF = "CHF", _("Swiss franc (CHF)")


# How an amount in ten-thousands reads after the number: 5,000 万元 / 5,000 万美元.
WAN_UNITS = {
    Currency.CNY: pgettext_lazy("amount in ten-thousands", "ten-thousand yuan"),
    Currency.USD: pgettext_lazy("amount in ten-thousands", "ten-thousand USD"),
    Currency.HKD: pgettext_lazy("amount in ten-thousands", "ten-thousand HKD"),
    Currency.EUR: pgettext_lazy("amount in ten-thousands", "ten-thousand EUR"),
    Currency.GBP: pgettext_lazy("amount in ten-thousands", "ten-thousand GBP"),
    Currency.JPY: pgettext_lazy("amount in ten-thousands", "ten-thousand JPY"),
    Currency.SGD: pgettext_lazy("amount in ten-thousands", "ten-thousand SGD"),
    Currency.CHF: pgettext_lazy("amount in ten-thousands", "ten-thousand CHF"),
}


def wan_unit(currency: str) -> str:
    """The unit written after an amount in ten-thousands of ``currency``."""
    unit = WAN_UNITS.get(currency)
    return str(unit) if unit is not None else "× 10,000 %s" % currency


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
