"""Five-year plans as data: the category tree, the targets and their quarterly values.

Definitions only. Counting landings against a target reads milestones and projects,
so it lives above ``crm`` and ``pipeline`` (see docs/architecture.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.bilingual import BilingualNameMixin, pick

from . import vocabulary


class Plan(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    baseline_date = models.DateField(
        _("baseline date"), help_text=_("The date the plan's baselines describe.")
    )
    horizon_date = models.DateField(_("horizon"), help_text=_("The date the plan runs to."))
    source = models.TextField(_("source document"), blank=True)

    class Meta:
        ordering = ["-baseline_date"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", kwargs={"code": self.code})

    def clean(self) -> None:
        if self.baseline_date and self.horizon_date and self.horizon_date <= self.baseline_date:
            raise ValidationError({"horizon_date": _("The horizon must come after the baseline.")})


class Category(BilingualNameMixin, models.Model):
    """A node of the plan's taxonomy, e.g. 六大服务经济 → 资产管理."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="categories", verbose_name=_("plan")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="category_unique_code_per_plan"),
        ]
        verbose_name = _("plan category")
        verbose_name_plural = _("plan categories")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent.plan_id != self.plan_id:
            raise ValidationError({"parent": _("The parent must belong to the same plan.")})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot sit under itself.")})
            ancestor = ancestor.parent


class Target(BilingualNameMixin, models.Model):
    """A number the plan wants by a date."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Count of institutions")
        MEASURED = "measured", _("Measured value")

    class Counting(models.TextChoices):
        STOCK = "stock", _("Stock: baseline + landings − exits")
        FLOW = (
            "flow",
            _(
                "Flow: landings since the baseline date (the baseline, if any, is the previous period's figure)"
            ),
        )

    class Milestone(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        LICENSED = "licensed", _("Licensed / opened")
        RECOGNISED = "recognised", _("Recognised")

    class Comparator(models.TextChoices):
        GT = "gt", pgettext_lazy("target comparator", "more than")
        GTE = "gte", pgettext_lazy("target comparator", "at least")
        APPROX = "approx", pgettext_lazy("target comparator", "about")

    class Basis(models.TextChoices):
        ABSOLUTE = "absolute", _("A number stated in the plan")
        DOUBLE = "double", _("Double the baseline")

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("Exact")
        MORE_THAN = "more_than", _("More than")

    class Unit(models.TextChoices):
        INSTITUTIONS = "institutions", _("institutions")
        BUILDINGS = "buildings", _("buildings")
        ORGANISATIONS = "organisations", _("organisations")
        HUNDRED_MILLION_CNY = "100m_cny", _("100 million yuan")
        PERCENT = "percent", _("percent")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan")
    )
    code = models.SlugField(_("code"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    position = models.PositiveIntegerField(_("position"), default=0)

    baseline_value = models.DecimalField(
        _("baseline"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty where the plan publishes no baseline."),
    )
    baseline_qualifier = models.CharField(
        _("baseline qualifier"), max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    basis = models.CharField(
        _("target basis"), max_length=10, choices=Basis.choices, default=Basis.ABSOLUTE
    )
    target_value = models.DecimalField(
        _("target"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty where the plan publishes no number. Twice the baseline when doubled."),
    )
    target_value_max = models.DecimalField(
        _("upper end of the target"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a range such as 3–4."),
    )
    comparator = models.CharField(
        _("comparator"), max_length=10, choices=Comparator.choices, default=Comparator.GTE
    )
    due_date = models.DateField(_("due date"))

    # What a count target counts. Institution types and flags are codes of the register's
    # own vocabularies (crm); plans keeps them as plain strings and imports no crm module.
    counting = models.CharField(
        _("counting"), max_length=10, choices=Counting.choices, blank=True, default=""
    )
    milestone = models.CharField(
        _("milestone that counts"),
        max_length=20,
        choices=Milestone.choices,
        blank=True,
        default="",
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="targets",
        verbose_name=_("categories (sub-categories included)"),
    )
    institution_types = models.JSONField(_("institution types"), default=list, blank=True)
    ownerships = models.JSONField(_("ownership"), default=list, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    source_quote = models.TextField(_("the plan's words"), blank=True)
    note_zh = models.TextField(_("note (Chinese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="target_unique_code_per_plan"),
        ]
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.COUNT:
            if not self.counting:
                errors["counting"] = _("A count target says whether it counts a stock or a flow.")
            if not self.milestone:
                errors["milestone"] = _("A count target says which milestone date counts.")
        elif self.kind == self.Kind.MEASURED and (self.counting or self.milestone):
            errors["kind"] = _("A measured target takes quarterly values; it counts no milestone.")
        for name in ("institution_types", "ownerships", "flags"):
            codes = getattr(self, name)
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                errors[name] = _('Enter a list of codes, e.g. ["bank", "trust"].')
                continue
            unknown = [
                c for c in codes if vocabulary.known(name) and c not in vocabulary.known(name)
            ]
            if unknown:
                errors[name] = _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}
        if self.basis == self.Basis.DOUBLE:
            self.target_value = self.doubled_baseline()
        if (
            self.target_value is not None
            and self.target_value_max is not None
            and self.target_value_max < self.target_value
        ):
            errors["target_value_max"] = _("The upper end cannot be below the target.")
        if errors:
            raise ValidationError(errors)

    @property
    def note(self) -> str:
        return pick(self.note_zh, self.note_en)

    @property
    def comparator_symbol(self) -> str:
        return {"gt": ">", "gte": "≥", "approx": "≈"}.get(self.comparator, "")

    @property
    def unit_suffix(self) -> str:
        return str(UNIT_SUFFIXES.get(self.unit, ""))

    def counted_filters(self) -> list[str]:
        """Labels of the institution types, ownership kinds and flags a count target filters on."""
        return [
            vocabulary.label(name, code)
            for name in ("institution_types", "ownerships", "flags")
            for code in getattr(self, name)
        ]

    def doubled_baseline(self) -> Decimal | None:
        """Twice the baseline, or None where the plan publishes no baseline."""
        if self.baseline_value is None:
            return None
        return self.baseline_value * 2


UNIT_SUFFIXES = {
    Target.Unit.INSTITUTIONS: pgettext_lazy("unit after a number", "institutions"),
    Target.Unit.BUILDINGS: pgettext_lazy("unit after a number", "buildings"),
    Target.Unit.ORGANISATIONS: pgettext_lazy("unit after a number", "organisations"),
    Target.Unit.HUNDRED_MILLION_CNY: pgettext_lazy("unit after a number", "× 100m yuan"),
    Target.Unit.PERCENT: pgettext_lazy("unit after a number", "%"),
}


class TargetMeasurement(models.Model):
    """The value of a measured target at the end of one quarter."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("target")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["target", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "year", "quarter"], name="measurement_unique_quarter"
            ),
        ]
        verbose_name = _("target measurement")
        verbose_name_plural = _("target measurements")

    def __str__(self) -> str:
        return f"{self.target} {self.year}Q{self.quarter}: {self.value}"

    def clean(self) -> None:
        if self.target_id and self.target.kind != Target.Kind.MEASURED:
            raise ValidationError(
                {
                    "target": _(
                        "Only measured targets take quarterly values; count targets are counted."
                    )
                }
            )
