"""An import job: one uploaded ledger on its way through the wizard, and every run of it.

The upload is kept in Django's default storage (``file``) so that any worker on any machine
can read it; everything the wizard and the workers need to know lives in this row.
docs/spreadsheets-importing.md, "Jobs", tells the life of a job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    INSTITUTIONS = "institutions", _("Institutions and their contacts")
    INTERACTIONS = "interactions", _("Interactions")
    PROJECTS = "projects", _("Projects, with their stages and landings")
    MEASUREMENTS = "measurements", _("Target measurements")


class ImportJob(models.Model):
    """One uploaded file, its sheet, header row and column mapping, and its last run.

    ``state`` follows: new (mapping to confirm) → queued → running → checked (a dry run's
    preview) or done (written, or refused by all-or-nothing) — or failed / cancelled.
    ``mode`` says what the last run was: a dry run (check) or the import itself (commit).
    ``run`` counts the runs: a worker only takes the run it was queued for, so a message
    redelivered after a worker died never runs a job twice.
    """

    class State(models.TextChoices):
        NEW = "new", _("Mapping to confirm")
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        CHECKED = "checked", _("Checked (dry run)")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        CHECK = "check", _("Dry run")
        COMMIT = "commit", _("Import")

    class Phase(models.TextChoices):
        READ = "read", _("Reading the file")
        CHECK = "check", _("Checking rows")
        WRITE = "write", _("Writing")

    kind = models.CharField(_("what the file holds"), max_length=20, choices=ImportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sheets = models.JSONField(_("sheets"), default=list, blank=True)  # [{name, hidden, rows}]
    sheet = models.CharField(_("sheet"), max_length=255, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)  # 0-based
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)  # {"3": "uscc"}
    all_or_nothing = models.BooleanField(
        _("all or nothing"),
        default=True,
        help_text=_("When any row fails, write nothing."),
    )
    data_rows = models.PositiveIntegerField(_("data rows"), default=0)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    mode = models.CharField(_("run"), max_length=10, choices=Mode.choices, default=Mode.CHECK)
    run = models.PositiveIntegerField(_("runs"), default=0)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heard from"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    counts = models.JSONField(_("counts"), default=dict, blank=True)
    written = models.BooleanField(_("written"), default=False)
    problems = models.JSONField(_("rows with problems"), default=list, blank=True)
    preview = models.JSONField(_("rows that change"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    error_file = models.FileField(
        _("error workbook"), upload_to="imports/%Y/%m/", max_length=300, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_kind_display()})"

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        """How far the running phase is, 0–100 (reading counts as 0)."""
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))
