"""Reads on the pipeline. Every list of projects starts from ``projects_visible_to``.

A project is the owning team's business: its officers and manager, analysts and admins
see it, nobody else (a page for it answers 404). A confidential project goes further:
everyone but its owner, the team's manager and admins sees only its code name, never the
institution or the title, wherever it appears. The code name itself is no secret inside
the office: any member of staff may find the code-name card, so that a colleague who
hears of "Project Falcon" knows whose case it is without learning whose plans they are.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Team, User
from crm.models import Milestone
from crm.permissions import is_admin, sees_every_team

from .models import Project, Stage, StageChange, StageKind

if TYPE_CHECKING:
    from .filters import ProjectFilter

# A condition that holds for every project, or for none, which (unlike ``Q()``) can be negated.
EVERY = Q(pk__isnull=False)
NONE = Q(pk__isnull=True)


def visible_filter(user: User) -> Q:
    """The condition ``projects_visible_to`` applies, for annotations and filters on any queryset."""
    if not user.is_authenticated:
        return NONE
    if sees_every_team(user):
        return EVERY
    return Q(team_id__in=user.working_team_ids) | Q(owner=user)


def named_filter(user: User) -> Q:
    """The condition ``is_named_to`` applies: the projects whose institution and title ``user`` reads."""
    if not user.is_authenticated:
        return NONE
    if is_admin(user):
        return EVERY
    return Q(confidential=False) | Q(owner=user) | Q(team_id__in=user.managed_team_ids)


def projects_visible_to(user: User) -> QuerySet[Project]:
    """The projects ``user`` may open: their teams' and their own; analysts and admins all."""
    if not user.is_authenticated:
        return Project.objects.none()
    if sees_every_team(user):
        return Project.objects.all()
    return Project.objects.filter(visible_filter(user))


def projects_named_to(user: User) -> QuerySet[Project]:
    """The visible projects whose institution and title ``user`` may read."""
    qs = projects_visible_to(user)
    if is_admin(user):
        return qs
    return qs.filter(named_filter(user))


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
    project = (
        Project.objects.select_related("institution", "team", "owner", "stage")
        .filter(pk=pk)
        .first()
    )
    if project is None or not user.is_authenticated:
        return None
    if projects_visible_to(user).filter(pk=pk).exists():
        return project, is_named_to(user, project)
    if project.confidential:
        return project, False  # the code-name card, which any member of staff may read
    return None


# ---------------------------------------------------------------- the project list


def days_in_stage(entered: datetime.datetime, today: datetime.date | None = None) -> int:
    """Whole days since a project reached its stage, counted in local dates (0 on the day)."""
    today = today or timezone.localdate()
    return max((today - timezone.localtime(entered).date()).days, 0)


def project_list(*, user: User, params: Mapping[str, str]) -> ProjectFilter:
    """The filter set of the project list: scoped to ``user``, filtered, searched and sorted."""
    from .filters import ProjectFilter

    qs = projects_visible_to(user).select_related("institution", "owner", "team", "stage")
    return ProjectFilter(params, queryset=qs, user=user)


def project_list_page(
    *, user: User, params: Mapping[str, str], page: object, per_page: int
) -> tuple[ProjectFilter, Page]:
    """The filter set and one page of its projects, newest first unless sorted (stable)."""
    filterset = project_list(user=user, params=params)
    qs = filterset.qs
    order = list(qs.query.order_by)
    if not params.get("sort") or not order:
        qs = qs.order_by("-created_at", "-pk")
    else:
        # The tie-break runs the way the sort does, so that pages never overlap.
        first = order[0]
        descending = getattr(first, "descending", str(first).startswith("-"))
        qs = qs.order_by(*order, "-pk" if descending else "pk")
    return filterset, Paginator(qs, per_page).get_page(page)


def code_name_cards(*, user: User, query: str, limit: int = 20) -> list[Project]:
    """Confidential projects outside ``user``'s view whose code name matches: their cards only.

    Any member of staff may find a code name (see the module's docstring); the project list
    shows these apart from its table, with the team and the owner and nothing else, and no
    filter but the search applies to them.
    """
    from crm.selectors import search_terms

    terms = search_terms(query)
    if not terms or not user.is_authenticated or sees_every_team(user):
        return []
    qs = (
        Project.objects.filter(confidential=True)
        .exclude(visible_filter(user))
        .select_related("team", "owner")
    )
    for term in terms:
        qs = qs.filter(code_name__icontains=term)
    return list(qs.order_by("code_name", "pk")[:limit])


# ---------------------------------------------------------------- the project page


@dataclass
class ProjectDetail:
    stage_changes: list[StageChange]
    milestones: list[Milestone]
    follow_ups: list
    categories: list


def project_detail(*, user: User, project: Project) -> ProjectDetail:
    """What the page of a project named to ``user`` lists besides its fields (4 queries)."""
    from crm.selectors import follow_ups_visible_to, institutions_visible_to

    stage_changes = list(
        project.stage_changes.select_related("from_stage", "to_stage", "actor").order_by(
            "-changed_at", "-pk"
        )
    )
    milestones = list(
        Milestone.objects.filter(
            project=project, institution__in=institutions_visible_to(user)
        ).order_by("-date", "-pk")
    )
    follow_ups = list(
        follow_ups_visible_to(user)
        .filter(project=project, done=False)
        .select_related("assignee")
        .order_by("due_date", "pk")[:20]
    )
    categories = list(project.categories.select_related("plan").order_by("plan", "position"))
    return ProjectDetail(stage_changes, milestones, follow_ups, categories)


# ---------------------------------------------------------------- the board

# Landed and lost projects stay on the board this long; the list has all of them.
BOARD_CLOSED_DAYS = 90
# Cards per column; the header counts them all and links to the list for the rest.
BOARD_COLUMN_LIMIT = 50
CLOSED_KINDS = (StageKind.WON, StageKind.LOST)


@dataclass
class BoardCard:
    project: Project
    named: bool
    heading: str  # the institution, or the code name when the project is not named to the user
    title: str  # empty when not named
    days_in_stage: int
    next_follow_up: datetime.date | None
    overdue: bool
    can_move: bool = False


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # (currency, 万)
    unnamed: int = 0  # projects whose amounts the totals leave out (shown by code name)
    cards: list[BoardCard] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        """Landed and lost columns show the recent ones only."""
        return self.stage.kind in CLOSED_KINDS

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    team: Team
    mine: bool
    closed_days: int
    columns: list[BoardColumn]
    stages: list[Stage]

    @property
    def cards(self) -> list[BoardCard]:
        return [card for column in self.columns for card in column.cards]


def board_teams(user: User) -> list[Team]:
    """The teams whose board ``user`` may open: their working teams; analysts and admins all."""
    if not user.is_authenticated:
        return []
    if sees_every_team(user):
        return list(Team.objects.order_by("name", "pk"))
    return list(Team.objects.filter(pk__in=user.working_team_ids).order_by("name", "pk"))


def board(
    *,
    user: User,
    team: Team,
    mine: bool = False,
    closed_days: int = BOARD_CLOSED_DAYS,
    limit: int = BOARD_COLUMN_LIMIT,
) -> Board:
    """A team's pipeline board: a column per stage with its count, totals and cards.

    Four queries whatever the number of projects: the stages, the counts and sums per stage
    and currency, and the cards (at most ``limit`` a column, those longest in their stage
    first) with their next open follow-up.
    """
    from crm.selectors import follow_ups_visible_to

    stages = list(Stage.objects.all())
    closed_ids = [stage.pk for stage in stages if stage.kind in CLOSED_KINDS]
    projects = projects_visible_to(user).filter(team=team)
    if mine:
        projects = projects.filter(owner=user)
    if closed_ids:
        since = timezone.now() - datetime.timedelta(days=closed_days)
        projects = projects.filter(~Q(stage_id__in=closed_ids) | Q(stage_entered_at__gte=since))

    named = named_filter(user)
    columns = {stage.pk: BoardColumn(stage) for stage in stages}
    sums = (
        projects.order_by()
        .values_list("stage_id", "expected_registered_capital_currency")
        .annotate(
            n=Count("pk"),
            amount=Sum("expected_registered_capital", filter=named),
            unnamed=Count("pk", filter=~named),
        )
    )
    for stage_id, currency, n, amount, unnamed in sums:
        column = columns[stage_id]
        column.count += n
        column.unnamed += unnamed
        if amount is not None:
            column.totals.append((currency, amount))
    for column in columns.values():
        # Yuan first, then the other currencies in a fixed order.
        column.totals.sort(key=lambda total: (total[0] != "CNY", total[0]))

    ranked = (
        projects.order_by()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("stage_entered_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=limit)
        .values("pk")
    )
    next_follow_up = (
        follow_ups_visible_to(user)
        .filter(project=OuterRef("pk"), done=False)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    cards = (
        Project.objects.filter(pk__in=ranked)
        .select_related("institution", "owner")
        .only(
            "pk",
            "title",
            "code_name",
            "confidential",
            "owner_id",
            "team_id",
            "stage_id",
            "stage_entered_at",
            "expected_year",
            "expected_quarter",
            "institution__name_zh",
            "institution__name_en",
            "owner__username",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
        )
        .annotate(next_follow_up=Subquery(next_follow_up))
        .order_by("stage_entered_at", "pk")
    )
    today = timezone.localdate()
    for project in cards:
        named_to_user = is_named_to(user, project)
        columns[project.stage_id].cards.append(
            BoardCard(
                project=project,
                named=named_to_user,
                heading=project.institution.name if named_to_user else project.code_name,
                title=project.title if named_to_user else "",
                days_in_stage=days_in_stage(project.stage_entered_at, today),
                next_follow_up=project.next_follow_up,
                overdue=project.next_follow_up is not None and project.next_follow_up < today,
            )
        )
    for column in columns.values():
        if column.closed:  # the most recent landings and losses first
            column.cards.reverse()
    return Board(
        team=team,
        mine=mine,
        closed_days=closed_days,
        columns=[columns[stage.pk] for stage in stages],
        stages=stages,
    )
