"""Attraction projects: one institution setting something up in the district.

The stages, milestones and counting arrive with the pipeline issue; the project exists
now so that interactions and follow-ups can name the case they belong to.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from crm.models import Institution


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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.code_name if self.confidential else self.title

    def get_absolute_url(self) -> str:
        return reverse("pipeline:project_detail", args=[self.pk])

    def clean(self) -> None:
        if self.confidential and not self.code_name.strip():
            raise ValidationError({"code_name": _("A confidential project needs a code name.")})
