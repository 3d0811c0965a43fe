"""Who may change projects. Who may *see* them lives in the selectors (``projects_visible_to``).

The rules, in the office's words:
- officers, managers and admins start projects; analysts and viewers do not;
- the owner, the officers and the manager of the project's team, and admins edit and move
  a project; analysts read every team's projects but change none; viewers change nothing;
- a confidential project is changed only by those it is named to (``is_named_to``): a
  colleague who sees its code-name card sees no edit or move control on it.
"""

from __future__ import annotations

from accounts.models import User
from crm.permissions import WORKING_ROLES, is_admin

from .models import Project
from .selectors import is_named_to


def can_create_project(user: User) -> bool:
    return user.is_authenticated and user.has_any_role(*WORKING_ROLES)


def can_edit_project(user: User, project: Project) -> bool:
    if not user.is_authenticated or not is_named_to(user, project):
        return False
    return (
        is_admin(user)
        or project.owner_id == user.pk
        or (project.team_id is not None and project.team_id in user.working_team_ids)
    )


def can_move_project(user: User, project: Project) -> bool:
    """Moving is editing the stage: the same people, through ``project_move``."""
    return can_edit_project(user, project)
