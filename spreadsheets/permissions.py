"""Who may import what. Exports follow the list pages' own rules (exports.py).

In the office's words: analysts import the old ledgers of institutions and the values of
measured targets (they keep the plan); managers import their teams' institutions,
interactions and projects; admins import anything. Each kind also follows the rule of the
records it writes — analysts neither log interactions nor change projects
(crm.permissions, pipeline.permissions) — and the importers check them row by row.
Officers and viewers import nothing.
"""

from __future__ import annotations

from accounts.models import Role, User

from .models import ImportJob, ImportKind

KINDS_BY_ROLE = {
    Role.ADMIN: tuple(ImportKind.values),
    Role.ANALYST: (ImportKind.INSTITUTIONS, ImportKind.MEASUREMENTS),
    Role.MANAGER: (ImportKind.INSTITUTIONS, ImportKind.INTERACTIONS, ImportKind.PROJECTS),
}


def importable_kinds(user: User) -> tuple[str, ...]:
    """The kinds of file ``user`` may import, in the wizard's order."""
    if not user.is_authenticated:
        return ()
    allowed = {k for role, kinds in KINDS_BY_ROLE.items() if user.has_any_role(role) for k in kinds}
    return tuple(str(kind) for kind in ImportKind.values if kind in allowed)


def can_import(user: User, kind: str | None = None) -> bool:
    kinds = importable_kinds(user)
    return bool(kinds) if kind is None else kind in kinds


def can_run_job(user: User, job: ImportJob) -> bool:
    """Change, run or cancel a job: whoever uploaded it (while they may import its kind)."""
    return job.created_by_id == user.pk and can_import(user, job.kind)
