"""Users, teams and the roles people hold in them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Promotion officer")
    MANAGER = "manager", _("Team manager")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")
    VIEWER = "viewer", _("Leadership (read only)")


class User(AbstractUser):
    display_name = models.CharField(
        _("display name"),
        max_length=100,
        blank=True,
        help_text=_("How colleagues see this person, e.g. 王明 (Wang Ming)."),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def _memberships(self) -> tuple[tuple[int, str], ...]:
        """(team id, role) of each membership: one query, kept for the request."""
        if not self.pk:
            return ()
        return tuple(self.memberships.values_list("team_id", "role"))

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles the user holds in any team."""
        return frozenset(role for _team, role in self._memberships)

    @cached_property
    def working_team_ids(self) -> frozenset[int]:
        """The teams whose records the user works on: as officer or manager, not as viewer."""
        return frozenset(
            team for team, role in self._memberships if role in (Role.OFFICER, Role.MANAGER)
        )

    @cached_property
    def managed_team_ids(self) -> frozenset[int]:
        """The teams the user manages."""
        return frozenset(team for team, role in self._memberships if role == Role.MANAGER)

    def has_any_role(self, *roles: str) -> bool:
        """Whether the user holds one of ``roles`` in some team; superusers hold them all."""
        return self.is_superuser or bool(self.roles.intersection(roles))


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        User, through="Membership", related_name="teams", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.team} · {self.get_role_display()}"
