"""Attraction projects, the stages they pass through, and the history of every move.

Stages are data: admins rename, reorder and add them in the Django admin. Each has a kind
(open, won, lost, on hold) that the services read, never its code or its name. Projects
move only through ``pipeline.services.project_move``, which keeps the history complete.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.models import Team
from core.bilingual import BilingualNameMixin
from core.money import amount_field, currency_field
from crm.models import Institution
from plans.models import Category


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won (landed)")
    LOST = "lost", _("Lost")
    HOLD = "hold", _("On hold")


# The default set, in order: (code, 中文, English, kind, default probability). The data
# migration 0004 keeps its own copy, as migrations must; this one refills a flushed
# database (transactional tests), see ``default_stage``.
DEFAULT_STAGES = (
    ("lead", "线索", "Lead", StageKind.OPEN, 10),
    ("contacted", "初步接洽", "Contacted", StageKind.OPEN, 20),
    ("negotiating", "在谈", "Negotiating", StageKind.OPEN, 40),
    ("committed", "签约", "Committed", StageKind.OPEN, 70),
    ("registering", "筹建/注册", "Registering", StageKind.OPEN, 90),
    ("landed", "已落地", "Landed", StageKind.WON, 100),
    ("hold", "搁置", "On hold", StageKind.HOLD, 10),
    ("lost", "流失", "Lost", StageKind.LOST, 0),
)


def _percent_field(verbose_name: str, **kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MaxValueValidator(100)], **kwargs
    )


class Stage(BilingualNameMixin, models.Model):
    """A step of the pipeline; ``kind`` says what reaching it means."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(
        _("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN
    )
    default_probability = _percent_field(
        _("default probability (%)"),
        default=0,
        help_text=_("A project entering this stage takes this probability of landing."),
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN


def ensure_default_stages() -> None:
    """Create the default stages when there are none at all (a freshly flushed database)."""
    if Stage.objects.values("pk").exists():
        return
    for position, (code, name_zh, name_en, kind, probability) in enumerate(DEFAULT_STAGES):
        Stage.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "kind": kind,
                "position": (position + 1) * 10,
                "default_probability": probability,
            },
        )


def first_open_stage() -> Stage | None:
    """The stage a new project starts at: the first open one."""
    ensure_default_stages()
    return Stage.objects.filter(kind=StageKind.OPEN).order_by("position", "pk").first()


def _first_open(column: str) -> int | None:
    # One column only, so that the old migrations which call these defaults keep working
    # when Stage gains columns later.
    ensure_default_stages()
    stages = Stage.objects.filter(kind=StageKind.OPEN).order_by("position", "pk")
    return stages.values_list(column, flat=True).first()


def default_stage() -> int | None:
    """The default of ``Project.stage``, so that ``Project.objects.create()`` stays valid.

    A project always has a stage (NOT NULL): the board, the funnel and the counts never
    meet a project outside the pipeline. Code that creates projects directly (the demo,
    older tests) gets the first open stage; the services set the stage themselves.
    """
    return _first_open("pk")


def default_probability() -> int:
    """The default of ``Project.probability``: the first open stage's."""
    return _first_open("default_probability") or 0


class Vehicle(models.TextChoices):
    """What the institution sets up here."""

    SUBSIDIARY = "subsidiary", _("Subsidiary")
    BRANCH = "branch", _("Branch")
    REGIONAL_HQ = "regional-hq", _("Regional headquarters")
    WFOE_FUND_MANAGER = "wfoe-fund-manager", _("WFOE fund manager")
    JOINT_VENTURE = "joint-venture", _("Joint venture")
    REPRESENTATIVE_OFFICE = "representative-office", _("Representative office")
    LEASING_SPV = "leasing-spv", _("Leasing SPV")
    RD_CENTRE = "rd-centre", _("R&D centre")
    FUND = "fund", _("Fund")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    OTHER_LOCATION = "other-location", _("Chose another location")
    POLICY = "policy", _("Policy or incentives")
    COST = "cost", _("Cost")
    REGULATORY = "regulatory", _("Regulatory approval")
    STRATEGY = "strategy", _("Parent's strategy changed")
    TIMING = "timing", _("Timing")
    OTHER = "other", _("Other")


class Quarter(models.IntegerChoices):
    Q1 = 1, _("Q1")
    Q2 = 2, _("Q2")
    Q3 = 3, _("Q3")
    Q4 = 4, _("Q4")


MAX_LOCATIONS = 20
MAX_LOCATION_LENGTH = 60


def validate_locations(value: object) -> None:
    """Competing locations: a list of short, non-empty names (北京, 深圳前海, Singapore)."""
    if not isinstance(value, list):
        raise ValidationError(_("Competing locations must be a list of names."))
    if len(value) > MAX_LOCATIONS:
        raise ValidationError(
            _("At most %(count)d competing locations.") % {"count": MAX_LOCATIONS}
        )
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(_("Each competing location needs a name."))
        if len(item) > MAX_LOCATION_LENGTH:
            raise ValidationError(
                _("A competing location has at most %(count)d characters.")
                % {"count": MAX_LOCATION_LENGTH}
            )


class Project(models.Model):
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("institution"),
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_projects",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("team"),
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Only the owner, the team manager and admins see the institution and the title; "
            "everyone else sees the code name."
        ),
    )
    code_name = models.CharField(_("code name"), max_length=60, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=30, choices=Vehicle.choices, blank=True)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="projects", verbose_name=_("plan categories")
    )
    expected_registered_capital = amount_field(_("expected registered capital (10,000s)"))
    expected_registered_capital_currency = currency_field()
    expected_jobs = models.PositiveIntegerField(_("expected jobs"), null=True, blank=True)
    expected_year = models.PositiveSmallIntegerField(
        _("expected landing year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    expected_quarter = models.PositiveSmallIntegerField(
        _("expected landing quarter"), null=True, blank=True, choices=Quarter.choices
    )
    stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        default=default_stage,
        related_name="projects",
        verbose_name=_("stage"),
    )
    probability = _percent_field(_("probability (%)"), default=default_probability)
    # Kept by the services: when the project reached its current stage.
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    competing_locations = models.JSONField(
        _("competing locations"),
        default=list,
        blank=True,
        validators=[validate_locations],
        help_text=_("Other places the institution is considering, e.g. 北京, 深圳前海, Singapore."),
    )
    lost_reason = models.CharField(
        _("reason lost"), max_length=20, choices=LostReason.choices, blank=True
    )
    lost_note = models.TextField(_("note on the loss"), blank=True)
    hold_reason = models.TextField(_("reason on hold"), blank=True)
    # Optimistic locking: every save through the services bumps it (see project_update).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        # The funnel's stalled projects and its lists: longest in their stage first.
        indexes = [models.Index(fields=["stage_entered_at"], name="pipeline_project_entered_idx")]

    def __str__(self) -> str:
        return self.code_name if self.confidential else self.title

    def get_absolute_url(self) -> str:
        return reverse("pipeline:project_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.confidential and not self.code_name.strip():
            errors["code_name"] = _("A confidential project needs a code name.")
        if (self.expected_year is None) != (self.expected_quarter is None):
            errors["expected_quarter"] = _(
                "Give both the year and the quarter of the expected landing, or neither."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def expected_landing(self) -> str:
        """The expected landing quarter, e.g. 2026 Q3; empty when not known."""
        if self.expected_year is None or self.expected_quarter is None:
            return ""
        return pgettext("expected landing", "%(year)s %(quarter)s") % {
            "year": self.expected_year,
            "quarter": Quarter(self.expected_quarter).label,
        }


class StageChange(models.Model):
    """One move of a project between stages; the first has no ``from_stage`` (creation)."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        verbose_name=_("project"),
    )
    from_stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to stage")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    note = models.TextField(_("note"), blank=True)
    # The landing's evidence, on the move to a won stage: the date on the business licence.
    registration_date = models.DateField(_("registration date"), null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            # The funnel (docs/funnel.md) reads these from the index alone: each project's
            # moves in order (time in stage), and the moves into given stages in a period.
            # Key columns rather than INCLUDE, which SQLite lacks.
            models.Index(
                fields=["project", "changed_at", "id", "from_stage", "to_stage"],
                name="pipeline_sc_history_idx",
            ),
            models.Index(
                fields=["to_stage", "changed_at", "project"], name="pipeline_sc_entered_idx"
            ),
        ]

    def __str__(self) -> str:
        return "%s → %s" % (self.from_stage or "—", self.to_stage)
