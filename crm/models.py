"""The institution register: the organisations the office attracts and serves.

The type and ownership lists follow China's industry classification (GB/T 4754-2017,
section J "金融业", and the service sections it borders) and the categories of the
plan; docs/reference-data.md explains each choice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from accounts.models import Team
from core.bilingual import BilingualNameMixin, pick
from core.money import amount_field, currency_field
from plans.models import Category

from .lookups import BigramField, bigrams
from .names import normalise_name, search_fold


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
    """Marks a count target may filter on; ``FLAG_FIELDS`` names the field of each."""

    LICENSED = "licensed", _("Licensed")
    NATIONAL_FIRST = "national-first", _("First in China")
    FOREIGN_CONTROLLED = "foreign-controlled", _("Foreign-controlled")


# Each flag is a boolean field of the institution, so that filters and counts stay plain SQL.
FLAG_FIELDS = {
    Flag.LICENSED: "licensed",
    Flag.NATIONAL_FIRST: "national_first",
    Flag.FOREIGN_CONTROLLED: "foreign_controlled",
}


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


class InstitutionStatus(models.TextChoices):
    """Where the office stands with an institution; the pipeline keeps it current."""

    PROSPECT = "prospect", _("Prospect")
    IN_PIPELINE = "in-pipeline", _("In the pipeline")
    LANDED = "landed", _("Landed")
    AFTERCARE = "aftercare", _("Aftercare")
    LOST = "lost", _("Lost")


class TaxTier(models.TextChoices):
    """The plan's 亿元楼宇 tiers: a building's annual tax revenue."""

    BELOW_1 = "below-1", _("Under 100 million yuan")
    AT_LEAST_1 = "1", _("100 million yuan or more")
    AT_LEAST_10 = "10", _("1 billion yuan or more")
    AT_LEAST_20 = "20", _("2 billion yuan or more")
    AT_LEAST_50 = "50", _("5 billion yuan or more")
    AT_LEAST_100 = "100", _("10 billion yuan or more")


def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` in ``choices``; the value itself when it is not one of them."""
    member = choices._value2member_map_.get(value)
    return member.label if member is not None else value


class Building(BilingualNameMixin, models.Model):
    """An office building of the district, where landed institutions sit."""

    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_tier = models.CharField(
        _("tax revenue tier"), max_length=10, choices=TaxTier.choices, blank=True
    )
    tax_year = models.PositiveSmallIntegerField(_("tier year"), null=True, blank=True)

    class Meta:
        ordering = ["name_zh"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["name_zh"], name="building_name_zh_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Institution(BilingualNameMixin, models.Model):
    # Indexed in Meta.indexes: a plain btree each, without the LIKE-pattern copies that
    # db_index=True adds on PostgreSQL (nothing searches names by prefix; bench/RESULTS.md).
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
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
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InstitutionStatus.choices,
        default=InstitutionStatus.PROSPECT,
    )
    licensed = models.BooleanField(_("licensed"), default=False)
    national_first = models.BooleanField(_("first in China"), default=False)
    foreign_controlled = models.BooleanField(_("foreign-controlled"), default=False)
    regulator = models.CharField(
        _("regulator"), max_length=30, choices=Regulator.choices, blank=True
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="institutions", verbose_name=_("plan categories")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("building"),
    )
    registered_capital = amount_field(_("registered capital (10,000s)"))
    registered_capital_currency = currency_field()
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_institutions",
        verbose_name=_("owner"),
        db_index=False,  # (owner, last_contacted_on) below serves it
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="institutions",
        verbose_name=_("team"),
        db_index=False,  # (team, name_zh) below serves it
    )
    # Kept by the services, never typed: the last interaction's date, and the folded
    # text that search runs over (names, aliases, identifiers).
    last_contacted_on = models.DateField(_("last contact"), null=True, blank=True, db_index=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    # The search text's adjacent character pairs, for two-character terms (crm.lookups).
    search_bigrams = BigramField(editable=False, blank=True, default="")
    name_key_zh = models.CharField(max_length=200, editable=False, blank=True)
    name_key_en = models.CharField(max_length=200, editable=False, blank=True)
    # Optimistic locking: every save through the service bumps it (see institution_save).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name_zh", "name_en"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [
            models.Index(fields=["institution_type", "name_zh"]),
            models.Index(fields=["owner", "last_contacted_on"]),
            models.Index(fields=["team", "name_zh"]),
            # The list's default order, pk as tie-break: deep pages skip rows in the index.
            models.Index(fields=["name_zh", "id"], name="crm_inst_name_zh_id_idx"),
            models.Index(fields=["name_en"], name="crm_inst_name_en_idx"),
            models.Index(fields=["status"], name="crm_inst_status_idx"),
            # Duplicate detection and imports match on the keys (crm.selectors).
            models.Index(fields=["name_key_zh"], name="crm_inst_name_key_zh_idx"),
            models.Index(fields=["name_key_en"], name="crm_inst_name_key_en_idx"),
            # What target progress filters on, read without touching the wide rows
            # (an index-only scan; pipeline.progress, bench/RESULTS.md).
            models.Index(
                fields=[
                    "id",
                    "institution_type",
                    "ownership",
                    "licensed",
                    "national_first",
                    "foreign_controlled",
                ],
                name="crm_inst_progress_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:institution_detail", args=[self.pk])

    def clean(self) -> None:
        if not (self.name_zh or self.name_en):
            raise ValidationError(_("An institution needs a Chinese or an English name."))

    def refresh_keys(self, aliases: list[str] | None = None) -> None:
        """Recompute the name keys, the search text and its pairs; aliases read if not given."""
        if aliases is None:
            aliases = list(self.aliases.values_list("name", flat=True)) if self.pk else []
        self.name_key_zh = normalise_name(self.name_zh)
        self.name_key_en = normalise_name(self.name_en)
        parts = [self.name_zh, self.name_en, *aliases, self.uscc or "", self.lei or ""]
        self.search_text = "\n".join(search_fold(part) for part in parts if part)
        self.search_bigrams = bigrams(self.search_text)

    # Django's get_FOO_display() makes a dict of all the field's choices on each call, and
    # hashing each lazy label runs gettext: 35 calls a row for type and status, 8 ms for a
    # page of 50. The enum gives the one label asked for.
    def get_institution_type_display(self) -> str:
        return _choice_label(InstitutionType, self.institution_type)

    def get_ownership_display(self) -> str:
        return _choice_label(Ownership, self.ownership)

    def get_status_display(self) -> str:
        return _choice_label(InstitutionStatus, self.status)

    @property
    def flag_labels(self) -> list[str]:
        """The labels of the flags the institution carries, in the order of ``Flag``."""
        return [label for code, label in Flag.choices if getattr(self, FLAG_FIELDS[code])]


class InstitutionAlias(models.Model):
    """A former name, a trading name or a translation an institution is also known by."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("institution")
    )
    name = models.CharField(_("alias"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="alias_unique_per_institution"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Derived, not a rule: the key is what the name means for matching.
        self.name_key = normalise_name(self.name)
        super().save(*args, **kwargs)


def institution_link(*, related_name: str) -> models.ForeignKey:
    """The institution a record of the register belongs to; it goes with the institution."""
    return models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name=related_name,
        verbose_name=_("institution"),
    )


def project_link(*, related_name: str) -> models.ForeignKey:
    """The project a record may belong to.

    The one back-reference the design allows: crm names pipeline's model by string only.
    """
    return models.ForeignKey(
        "pipeline.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("project"),
    )


def record_team_field() -> models.ForeignKey:
    """The team an interaction or follow-up belongs to (see crm.services.record_team_id)."""
    return models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("The team whose work this is; it decides who sees it."),
    )


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    PUBLIC = "public", _("Public business information")
    CONTRACT = "contract", _("Contract")


class Contact(models.Model):
    """A person at an institution. Personal data: only what the work needs, with its basis."""

    institution = institution_link(related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100, blank=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    title = models.CharField(pgettext_lazy("job", "position"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    lawful_basis = models.CharField(
        _("basis for holding the data"), max_length=20, choices=LawfulBasis.choices
    )
    basis_note = models.CharField(
        _("basis detail"),
        max_length=200,
        blank=True,
        help_text=_("When and how consent was given, or where the information was published."),
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    is_primary = models.BooleanField(_("main contact"), default=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What erasure removes; the link to the institution and the interactions stays.
    PERSONAL_FIELDS = (
        "name",
        "name_en",
        "title",
        "email",
        "phone",
        "wechat",
        "notes",
        "basis_note",
    )

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if not self.erased_at and not (self.name or self.name_en):
            raise ValidationError({"name": _("A contact needs a name.")})

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return str(_("Erased contact"))
        return pick(self.name, self.name_en)


class InteractionKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    EVENT = "event", _("Event or forum")
    SITE_VISIT = "site-visit", _("Site visit")
    LETTER = "letter", _("Letter")


class Interaction(models.Model):
    """A dated contact with an institution: who was there, what was said, what comes next."""

    institution = institution_link(related_name="interactions")
    project = project_link(related_name="interactions")
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    date = models.DateField(_("date"), db_index=True)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="interactions",
        verbose_name=_("officers present"),
    )
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="interactions", verbose_name=_("contacts present")
    )
    summary = models.TextField(_("summary"))
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    team = record_team_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["institution", "-date"])]

    def __str__(self) -> str:
        return "%s %s" % (self.date, self.get_kind_display())


class FollowUp(models.Model):
    """Something an officer must do by a date, for an institution, a project or an interaction."""

    title = models.CharField(_("what to do"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), db_index=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    institution = institution_link(related_name="follow_ups")
    project = project_link(related_name="follow_ups")
    interaction = models.ForeignKey(
        Interaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("interaction"),
    )
    team = record_team_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["done", "due_date"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["assignee", "done", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_date < timezone.localdate()


class InstitutionMerge(models.Model):
    """The record of a merge: what was folded into which survivor, by whom, and what moved."""

    survivor = models.ForeignKey(
        Institution,
        on_delete=models.SET_NULL,
        null=True,
        related_name="merges",
        verbose_name=_("surviving institution"),
    )
    merged_id = models.PositiveBigIntegerField(_("merged institution id"))
    merged_name = models.CharField(_("merged institution"), max_length=200)
    # The merged record as it was, and the survivor's values that the merge replaced.
    merged_snapshot = models.JSONField(default=dict)
    replaced_values = models.JSONField(default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("institution merge")
        verbose_name_plural = _("institution merges")

    def __str__(self) -> str:
        return "%s → %s" % (self.merged_name, self.survivor)


class MilestoneKind(models.TextChoices):
    REGISTERED = "registered", _("Registered (business licence issued)")
    LICENSED = "licensed", _("Licensed / opened")
    RECOGNISED = "recognised", _("Recognised")
    EXITED = "exited", _("Exited")


class ExitKind(models.TextChoices):
    MOVED_OUT = "moved-out", _("Moved out (迁出)")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")


class Milestone(models.Model):
    """A dated step of an institution's landing: registered, licensed, recognised, exited.

    It belongs to the institution; the project that produced it is optional, since a landing
    found on a registry list has none. Count targets count these dates (pipeline.progress).
    """

    # The fields each kind takes, and which of them it needs.
    KIND_FIELDS = {
        MilestoneKind.REGISTERED: (
            "uscc",
            "registered_capital",
            "registered_capital_currency",
            "building",
        ),
        MilestoneKind.LICENSED: ("licence_type", "regulator"),
        MilestoneKind.RECOGNISED: ("recognition", "recognised_by"),
        MilestoneKind.EXITED: ("exit_kind", "reason"),
    }
    REQUIRED_FIELDS = {
        MilestoneKind.REGISTERED: ("uscc",),
        MilestoneKind.LICENSED: ("licence_type", "regulator"),
        MilestoneKind.RECOGNISED: ("recognition", "recognised_by"),
        MilestoneKind.EXITED: ("exit_kind",),
    }

    institution = institution_link(related_name="milestones")
    project = project_link(related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=20, choices=MilestoneKind.choices)
    date = models.DateField(_("date"), db_index=True)
    # registered
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    registered_capital = amount_field(_("registered capital (10,000s)"))
    registered_capital_currency = currency_field()
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    # licensed / opened
    licence_type = models.CharField(
        _("licence"), max_length=200, blank=True, help_text=_("e.g. 金融许可证")
    )
    regulator = models.CharField(
        _("regulator"), max_length=30, choices=Regulator.choices, blank=True
    )
    # recognised
    recognition = models.CharField(
        _("recognised as"), max_length=200, blank=True, help_text=_("e.g. 跨国公司地区总部认定")
    )
    recognised_by = models.CharField(
        _("recognised by"), max_length=200, blank=True, help_text=_("e.g. 市商务委")
    )
    # exited
    exit_kind = models.CharField(
        _("kind of exit"), max_length=20, choices=ExitKind.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            models.Index(fields=["kind", "date"]),
            # Target progress reads every milestone in this order (index-only, no sort).
            models.Index(
                fields=["date", "-kind", "id", "institution", "exit_kind"],
                name="crm_milestone_progress_idx",
            ),
        ]

    def __str__(self) -> str:
        return "%s %s" % (self.date, self.get_kind_display())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("A milestone cannot be dated in the future.")
        if self.kind in self.REQUIRED_FIELDS:
            for name in self.REQUIRED_FIELDS[self.kind]:
                if not getattr(self, name if name != "building" else "building_id"):
                    errors[name] = _("This milestone needs this field.")
            own = set(self.KIND_FIELDS[self.kind]) | {"registered_capital_currency"}
            for names in self.KIND_FIELDS.values():
                for name in set(names) - own:
                    attname = self._meta.get_field(name).attname
                    if getattr(self, attname) not in (None, ""):
                        errors[name] = _("This field belongs to another kind of milestone.")
        if errors:
            raise ValidationError(errors)
