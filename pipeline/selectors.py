"""Reads on the pipeline. Every list of projects starts from ``projects_visible_to``.

A project is the owning team's business: its officers and manager, analysts and admins
see it, nobody else (a page for it answers 404). A confidential project goes further:
everyone but its owner, the team's manager and admins sees only its code name, never the
institution or the title, wherever it appears. The code name itself is no secret inside
the office: any member of staff may find the code-name card, so that a colleague who
hears of "Project Falcon" knows whose case it is without learning whose plans they are.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from crm.permissions import is_admin, sees_every_team

from .models import Project


def projects_visible_to(user: User) -> QuerySet[Project]:
    """The projects ``user`` may open: their teams' and their own; analysts and admins all."""
    if not user.is_authenticated:
        return Project.objects.none()
    if sees_every_team(user):
        return Project.objects.all()
    return Project.objects.filter(Q(team_id__in=user.working_team_ids) | Q(owner=user))


def projects_named_to(user: User) -> QuerySet[Project]:
    """The visible projects whose institution and title ``user`` may read."""
    qs = projects_visible_to(user)
    if is_admin(user):
        return qs
    return qs.filter(Q(confidential=False) | Q(owner=user) | Q(team_id__in=user.managed_team_ids))


def is_named_to(user: User, project: Project) -> bool:
    """Whether ``user`` may read the project's institution and title (not just its code name)."""
    return (
        not project.confidential
        or is_admin(user)
        or project.owner_id == user.pk
        or project.team_id in user.managed_team_ids
    )


def project_search(*, user: User, query: str) -> list[tuple[Project, bool]]:
    """Projects matching ``query``, each with whether it is shown by name (True) or code name.

    Named projects match on title, code name and institution names; a confidential project
    shown by code name matches on its code name alone.
    """
    from crm.selectors import search_terms

    terms = search_terms(query)
    if not terms or not user.is_authenticated:
        return []
    named = projects_named_to(user).select_related("institution", "team", "owner")
    coded = (
        Project.objects.filter(confidential=True)
        .exclude(pk__in=projects_named_to(user).values("pk"))
        .select_related("team", "owner")
    )
    for term in terms:
        named = named.filter(
            Q(title__icontains=term)
            | Q(code_name__icontains=term)
            | Q(institution__search_text__contains=term)
        )
        coded = coded.filter(code_name__icontains=term)
    results = [(p, True) for p in named[:50]] + [(p, False) for p in coded[:50]]
    return results


def project_page(*, user: User, pk: int) -> tuple[Project, bool] | None:
    """The project ``user`` may open, and whether by name; None when they may not (404)."""
    project = Project.objects.select_related("institution", "team", "owner").filter(pk=pk).first()
    if project is None or not user.is_authenticated:
        return None
    if projects_visible_to(user).filter(pk=pk).exists():
        return project, is_named_to(user, project)
    if project.confidential:
        return project, False  # the code-name card, which any member of staff may read
    return None
