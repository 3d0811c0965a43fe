"""Who may change what in the register. Who may *see* what lives in the selectors.

The rules, in the office's words:
- the institution register is shared: every member of staff sees every institution;
- the owner, the manager of the owning team and admins edit a record; an institution
  nobody owns yet may be edited (and claimed) by anyone who may create one;
- officers, managers and admins log interactions with any institution, for their team;
- analysts import and export; viewers (leadership) change nothing;
- managers and admins merge; only admins export or erase a person's data;
- the owner, the officers and manager of its team, analysts (who find landings on registry
  lists) and admins record an institution's landing milestones; admins and whoever
  recorded one delete it.
"""

from __future__ import annotations

from accounts.models import Role, User

from .models import Contact, FollowUp, Institution, Interaction, Milestone

WORKING_ROLES = (Role.OFFICER, Role.MANAGER, Role.ADMIN)


def sees_every_team(user: User) -> bool:
    """Analysts and admins see the records of every team."""
    return user.is_authenticated and user.has_any_role(Role.ANALYST, Role.ADMIN)


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.has_any_role(Role.ADMIN)


def can_create_institution(user: User) -> bool:
    return user.is_authenticated and user.has_any_role(*WORKING_ROLES, Role.ANALYST)


def _owns_or_manages(user: User, owner_id: int | None, team_id: int | None) -> bool:
    return is_admin(user) or owner_id == user.pk or team_id in user.managed_team_ids


def can_edit_institution(user: User, institution: Institution) -> bool:
    if institution.owner_id is None:
        return can_create_institution(user)
    return _owns_or_manages(user, institution.owner_id, institution.team_id)


def can_log_interaction(user: User) -> bool:
    return user.is_authenticated and user.has_any_role(*WORKING_ROLES)


def can_edit_interaction(user: User, interaction: Interaction) -> bool:
    return _owns_or_manages(user, interaction.created_by_id, interaction.team_id)


def can_change_follow_up(user: User, follow_up: FollowUp) -> bool:
    return follow_up.assignee_id == user.pk or _owns_or_manages(
        user, follow_up.created_by_id, follow_up.team_id
    )


def can_edit_contact(user: User, contact: Contact) -> bool:
    return can_edit_institution(user, contact.institution)


def can_merge(user: User) -> bool:
    return user.is_authenticated and user.has_any_role(Role.MANAGER, Role.ADMIN)


def can_handle_personal_data(user: User) -> bool:
    """Export or erase everything held on one person."""
    return is_admin(user)


def can_record_milestone(user: User, institution: Institution) -> bool:
    """Record a landing: the owner, the institution's team, analysts and admins.

    An institution with no team yet (one found on a registry list, say) takes a landing
    from anyone who may create institutions.
    """
    if not user.is_authenticated:
        return False
    if user.has_any_role(Role.ANALYST, Role.ADMIN) or institution.owner_id == user.pk:
        return True
    if institution.team_id is not None:
        return institution.team_id in user.working_team_ids
    return institution.owner_id is None and can_create_institution(user)


def can_delete_milestone(user: User, milestone: Milestone) -> bool:
    """A milestone recorded in error is deleted by whoever recorded it, or by an admin."""
    return is_admin(user) or (user.is_authenticated and milestone.created_by_id == user.pk)
