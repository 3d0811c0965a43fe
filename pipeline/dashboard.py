"""The home dashboard: the user's pipeline, this quarter's landings, targets behind pace and
overdue follow-ups, each read through the per-user scoping selectors.

A fixed number of queries whatever the size of the register (tests/pipeline/test_dashboard.py):
the progress figures come from ``pipeline.progress.target_progress``, which is itself fixed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import User
from crm.models import FollowUp, Milestone, MilestoneKind
from crm.permissions import sees_every_team
from crm.selectors import follow_ups_visible_to, milestones_visible_to
from plans.models import UNIT_SUFFIXES, Plan
from plans.selectors import plan_list

from .models import Project, Stage, StageKind
from .progress import TargetProgress, plan_progress
from .selectors import projects_visible_to

BEHIND_SHOWN = 5
OVERDUE_SHOWN = 8
LANDINGS_SHOWN = 6


class Scope:
    MINE = "mine"
    TEAM = "team"
    ALL = "all"  # analysts and admins: every team's projects


def scopes_for(user: User) -> list[str]:
    """The pipelines ``user`` may look at on the dashboard, the default first.

    A manager starts on the team's, an analyst or admin on every team's, anyone else on
    their own projects.
    """
    if user.managed_team_ids:
        scopes = [Scope.TEAM, Scope.MINE]
    elif sees_every_team(user):
        scopes = [Scope.ALL, Scope.MINE]
    else:
        scopes = [Scope.MINE]
    if user.working_team_ids and Scope.TEAM not in scopes:
        scopes.append(Scope.TEAM)
    if sees_every_team(user) and Scope.ALL not in scopes:
        scopes.append(Scope.ALL)
    return scopes


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    count: int


@dataclass(frozen=True)
class Landings:
    """Registrations this quarter so far, against last quarter (whole, and to the same day)."""

    this_quarter: int
    last_quarter: int
    last_quarter_to_date: int
    quarter_start: datetime.date
    last_start: datetime.date
    last_end: datetime.date
    latest: list[Milestone]


@dataclass(frozen=True)
class BehindPace:
    progress: TargetProgress
    ratio: Decimal  # actual pace as a share of the pace required; below 1 is behind

    @property
    def unit(self) -> str:
        """The unit as written after a number (家, 亿元, %), in the active language."""
        return str(UNIT_SUFFIXES.get(self.progress.unit, ""))


@dataclass
class Dashboard:
    scope: str
    scopes: list[str]
    pipeline: list[StageCount]
    open_total: int
    landings: Landings
    plan: Plan | None
    behind: list[BehindPace] = field(default_factory=list)
    overdue: list[FollowUp] = field(default_factory=list)
    overdue_total: int = 0


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _pipeline_projects(user: User, scope: str) -> QuerySet[Project]:
    """The projects the pipeline card counts: the user's own, or their teams'."""
    projects = projects_visible_to(user)
    if scope == Scope.MINE:
        return projects.filter(owner=user)
    if scope == Scope.TEAM:
        return projects.filter(Q(team_id__in=user.working_team_ids) | Q(owner=user))
    return projects


def _pipeline(user: User, scope: str) -> list[StageCount]:
    """Projects per stage, open stages and those won or lost this quarter (one query)."""
    since = timezone.make_aware(
        datetime.datetime.combine(quarter_start(timezone.localdate()), datetime.time())
    )
    counts = dict(
        _pipeline_projects(user, scope)
        .filter(
            Q(stage__kind__in=[StageKind.OPEN, StageKind.HOLD]) | Q(stage_entered_at__gte=since)
        )
        .values_list("stage_id")
        .annotate(n=Count("pk"))
        .values_list("stage_id", "n")
    )
    return [StageCount(stage, counts.get(stage.pk, 0)) for stage in Stage.objects.all()]


def _landings(user: User, today: datetime.date) -> Landings:
    """Registrations in the district: the office's result, public like the register (2 queries)."""
    start = quarter_start(today)
    last_end = start - datetime.timedelta(days=1)
    last_start = quarter_start(last_end)
    # The same day of last quarter, clipped to its end (31 March → 30 June has no 31 June).
    offset = (today - start).days
    last_to_date = min(last_start + datetime.timedelta(days=offset), last_end)
    registrations = milestones_visible_to(user).filter(kind=MilestoneKind.REGISTERED)
    figures = registrations.aggregate(
        this=Count("institution", distinct=True, filter=Q(date__gte=start, date__lte=today)),
        last=Count(
            "institution", distinct=True, filter=Q(date__gte=last_start, date__lte=last_end)
        ),
        last_to_date=Count(
            "institution", distinct=True, filter=Q(date__gte=last_start, date__lte=last_to_date)
        ),
    )
    latest = list(
        registrations.filter(date__gte=last_start, date__lte=today)
        .select_related("institution", "building")
        .order_by("-date", "-pk")[:LANDINGS_SHOWN]
    )
    return Landings(
        this_quarter=figures["this"],
        last_quarter=figures["last"],
        last_quarter_to_date=figures["last_to_date"],
        quarter_start=start,
        last_start=last_start,
        last_end=last_end,
        latest=latest,
    )


def behind_pace(progress: list[TargetProgress]) -> list[BehindPace]:
    """The targets whose actual pace falls furthest short of the pace they require."""
    found = []
    for row in progress:
        if row.required_pace is None or row.actual_pace is None or row.required_pace == 0:
            continue
        ratio = (row.actual_pace / row.required_pace).quantize(Decimal("0.01"))
        if ratio < 1:
            found.append(BehindPace(row, ratio))
    found.sort(key=lambda b: (b.ratio, b.progress.code))
    return found[:BEHIND_SHOWN]


def _overdue(user: User, today: datetime.date) -> tuple[list[FollowUp], int]:
    """Overdue follow-ups: one's own; a manager's also their team's."""
    mine = Q(assignee=user)
    if user.managed_team_ids:
        mine |= Q(team_id__in=user.managed_team_ids)
    overdue = (
        follow_ups_visible_to(user)
        .filter(mine, done=False, due_date__lt=today)
        .select_related("institution", "assignee")
        .order_by("due_date", "pk")
    )
    shown = list(overdue[:OVERDUE_SHOWN])
    total = len(shown) if len(shown) < OVERDUE_SHOWN else overdue.count()
    return shown, total


def dashboard(*, user: User, scope: str | None = None) -> Dashboard:
    """Everything the home page shows ``user``, on today's date."""
    today = timezone.localdate()
    scopes = scopes_for(user)
    if scope not in scopes:
        scope = scopes[0]
    pipeline = _pipeline(user, scope)
    plan = plan_list(user=user).first()
    behind: list[BehindPace] = []
    if plan is not None:
        try:
            reports = plan_progress(plan=plan, as_of=today, series=False, with_goal=True)
            behind = behind_pace([report.progress for report in reports])
        except ValidationError:  # a plan whose baseline is still ahead: nothing to pace yet
            behind = []
    overdue, overdue_total = _overdue(user, today)
    return Dashboard(
        scope=scope,
        scopes=scopes,
        pipeline=pipeline,
        open_total=sum(c.count for c in pipeline if c.stage.kind == StageKind.OPEN),
        landings=_landings(user, today),
        plan=plan,
        behind=behind,
        overdue=overdue,
        overdue_total=overdue_total,
    )


def pipeline_chart(board: Dashboard) -> dict:
    """The pipeline card's bar chart (an ECharts option): projects per stage, each bar a link."""
    stages = [c for c in board.pipeline if c.count or c.stage.kind == StageKind.OPEN]
    colours = {
        StageKind.OPEN: "#0d6efd",
        StageKind.WON: "#198754",
        StageKind.LOST: "#6c757d",
        StageKind.HOLD: "#ffc107",
    }
    query = {"mine": "1"} if board.scope == Scope.MINE else {}

    def url(stage: Stage) -> str:
        return "%s?%s" % (reverse("pipeline:project_list"), urlencode({**query, "stage": stage.pk}))

    return {
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [str(c.stage.name) for c in stages],
        },
        "series": [
            {
                "type": "bar",
                "name": _("Projects"),
                "label": {"show": True, "position": "right"},
                "data": [
                    {
                        "value": c.count,
                        "url": url(c.stage),
                        "itemStyle": {"color": colours.get(c.stage.kind, "#0d6efd")},
                    }
                    for c in stages
                ],
            }
        ],
    }
