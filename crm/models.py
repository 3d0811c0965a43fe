"""The institution register: the organisations the office attracts and serves.

The type and ownership lists follow China's industry classification (GB/T 4754-2017,
section J "金融业", and the service sections it borders) and the categories of the
plan; docs/reference-data.md explains each choice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Team
from core.bilingual import BilingualNameMixin
from plans.models import Category


class InstitutionType(models.TextChoices):
    BANK = "bank", _("Bank")
    SECURITIES = "securities", _("Securities firm")
    PUBLIC_FUND = "public-fund", _("Public fund manager")
    PRIVATE_FUND = "private-fund", _("Private fund manager")
    FUTURES = "futures", _("Futures firm")
    LIFE_INSURER = "life-insurer", _("Life insurer")
    PROPERTY_INSURER = "property-insurer", _("Property insurer")
    REINSURER = "reinsurer", _("Reinsurer")
    INSURANCE_AM = "insurance-am", _("Insurance asset manager")
    BANK_WEALTH = "bank-wealth", _("Bank wealth-management subsidiary")
    TRUST = "trust", _("Trust company")
    FINANCIAL_LEASING = "financial-leasing", _("Financial leasing")
    AMC = "amc", _("Asset-management company (AMC)")
    PAYMENT = "payment", _("Payment institution")
    FINTECH = "fintech", _("Fintech")
    CREDIT_RATING = "credit-rating", _("Credit rating")
    REGIONAL_HQ = "regional-hq", _("Regional HQ (non-financial)")
    SHIPPING = "shipping", _("Shipping")
    COMMODITY_TRADING = "commodity-trading", _("Commodity trading")
    OTHER_TRADING = "other-trading", _("Other trading")
    LAW_FIRM = "law-firm", _("Law firm")
    ACCOUNTING = "accounting", _("Accounting")
    CONSULTING = "consulting", _("Consulting")
    HR = "hr", _("Human resources")
    REAL_ESTATE_SERVICES = "real-estate-services", _("Real-estate services")
    TESTING = "testing-certification", _("Testing and certification")
    IP_SERVICES = "ip-services", _("Intellectual-property services")
    RD_CENTRE = "rd-centre", _("R&D centre")
    CULTURE_CREATIVE = "culture-creative", _("Culture and creative")
    OTHER = "other", _("Other")


class Ownership(models.TextChoices):
    WFOE = "wfoe", _("Wholly foreign-owned")
    JOINT_VENTURE = "joint-venture", _("Sino-foreign joint venture")
    FOREIGN_CONTROLLED = "foreign-controlled", _("Foreign-controlled")
    CENTRAL_SOE = "central-soe", _("Central state-owned")
    LOCAL_SOE = "local-soe", _("Local state-owned")
    PRIVATE = "private", _("Private")
    OTHER = "other", _("Other")


class Flag(models.TextChoices):
    """Marks a count target may filter on. ``licensed`` is the institution's own field."""

    LICENSED = "licensed", _("Licensed")
    NATIONAL_FIRST = "national-first", _("First in China")
    FOREIGN_CONTROLLED = "foreign-controlled", _("Foreign-controlled")


class Regulator(models.TextChoices):
    NFRA = "nfra", _("National Financial Regulatory Administration")
    CSRC = "csrc", _("China Securities Regulatory Commission")
    PBOC = "pboc", _("People's Bank of China")
    SAFE = "safe", _("State Administration of Foreign Exchange")
    SHANGHAI_FINANCE = (
        "shanghai-finance",
        _("Shanghai Financial Regulatory Bureau"),
    )
    OTHER = "other", _("Other")


class Institution(BilingualNameMixin, models.Model):
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True, db_index=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True, db_index=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text=_("统一社会信用代码, once registered in China."),
    )
    lei = models.CharField(_("LEI"), max_length=20, unique=True, null=True, blank=True)
    institution_type = models.CharField(
        _("institution type"), max_length=30, choices=InstitutionType.choices
    )
    ownership = models.CharField(_("ownership"), max_length=30, choices=Ownership.choices)
    country = CountryField(_("country of the direct investor"), blank=True)
    parent_country = CountryField(_("country of the ultimate parent"), blank=True)
    licensed = models.BooleanField(_("licensed"), default=False)
    regulator = models.CharField(
        _("regulator"), max_length=30, choices=Regulator.choices, blank=True
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="institutions", verbose_name=_("plan categories")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_institutions",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("team"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name_zh", "name_en"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.name_zh or self.name_en):
            raise ValidationError(_("An institution needs a Chinese or an English name."))
        # Empty identifiers are stored as NULL so that uniqueness ignores them.
        self.uscc = (self.uscc or "").strip().upper() or None
        self.lei = (self.lei or "").strip().upper() or None
