"""The funnel review for managers: how far projects got in a period, how fast, and why lost.

Everything is counted from the stage history (``StageChange``), not from where projects
stand now, and in the database: one GROUP BY per figure family, a window function for the
time spent in each stage. ``funnel_review`` runs a fixed number of queries (eight) whatever
the size of the history; docs/funnel.md defines every figure.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from crm.models import Institution
from crm.permissions import is_admin

from .models import LostReason, Project, Stage, StageChange, StageKind
from .selectors import is_named_to, projects_named_to, projects_visible_to

TENTH = Decimal("0.1")
DAY = 86400  # seconds
# The bucket of lost projects whose details (and so their reason) the user may not read.
CONFIDENTIAL = "confidential"


# ---------------------------------------------------------------- period


@dataclass(frozen=True)
class Period:
    """Calendar days from ``start`` to ``end``, both included, in the office's time zone."""

    start: datetime.date
    end: datetime.date

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of the period and the first moment after it (Asia/Shanghai)."""
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return start, end

    def __str__(self) -> str:
        return "%s – %s" % (date_format(self.start, "Y-m-d"), date_format(self.end, "Y-m-d"))


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_presets(today: datetime.date) -> dict[str, Period]:
    """The periods a manager picks in one click, by key, in the order they are offered."""
    this_quarter = _quarter_start(today)
    last_quarter_end = this_quarter - datetime.timedelta(days=1)
    return {
        "this_quarter": Period(this_quarter, today),
        "last_quarter": Period(_quarter_start(last_quarter_end), last_quarter_end),
        "this_year": Period(datetime.date(today.year, 1, 1), today),
        "last_12_months": Period(_year_before(today) + datetime.timedelta(days=1), today),
    }


DEFAULT_PRESET = "this_quarter"


def default_period(today: datetime.date | None = None) -> Period:
    """The quarter to date: the office counts and reports by quarter (the tally workbook),
    and a manager's weekly review asks how this quarter is going. Earlier quarters, the year
    and the last twelve months are one click away."""
    return period_presets(today or timezone.localdate())[DEFAULT_PRESET]


# ---------------------------------------------------------------- filters and scope


@dataclass(frozen=True)
class FunnelFilters:
    period: Period
    team: Team | None = None
    owner: User | None = None
    category_ids: frozenset[int] = frozenset()  # the chosen category and all below it
    country: str = ""  # the institution's country of origin (docs/funnel.md)
    vehicle: str = ""
    idle_days: int = 30
    stuck_days: int = 90

    @property
    def reads_details(self) -> bool:
        """Whether a filter looks at what a confidential project hides from most people."""
        return bool(self.category_ids or self.country or self.vehicle)


def origin_country_q(country: str, prefix: str = "institution__") -> Q:
    """Institutions whose group comes from ``country``: the ultimate parent's country, or
    the direct investor's where the parent's is not known."""
    return Q(**{f"{prefix}parent_country": country}) | Q(
        **{f"{prefix}parent_country": "", f"{prefix}country": country}
    )


def funnel_scope(*, user: User, filters: FunnelFilters) -> QuerySet[Project]:
    """The projects the funnel counts: those ``user`` may see, narrowed by the filters.

    A filter on category, origin country or vehicle matches only projects named to the
    user: otherwise a count narrowed by them would tell a confidential project's details.
    """
    qs = projects_named_to(user) if filters.reads_details else projects_visible_to(user)
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.owner is not None:
        qs = qs.filter(owner=filters.owner)
    if filters.category_ids:
        links = Project.categories.through.objects.filter(category_id__in=filters.category_ids)
        qs = qs.filter(pk__in=links.values("project_id"))
    if filters.country:
        qs = qs.filter(
            institution__in=Institution.objects.filter(origin_country_q(filters.country, ""))
        )
    if filters.vehicle:
        qs = qs.filter(vehicle=filters.vehicle)
    return qs


# ---------------------------------------------------------------- stages


@dataclass(frozen=True)
class StageLine:
    """The stages in order; the main line is the open and won ones, hold and lost sit off it."""

    stages: tuple[Stage, ...]

    @property
    def main(self) -> list[Stage]:
        return [s for s in self.stages if s.kind in (StageKind.OPEN, StageKind.WON)]

    @property
    def timed(self) -> list[Stage]:
        """The stages a project waits in, whose time the funnel measures: open, then hold."""
        return [s for s in self.stages if s.kind == StageKind.OPEN] + self.of(StageKind.HOLD)

    def of(self, *kinds: str) -> list[Stage]:
        return [s for s in self.stages if s.kind in kinds]

    def ids(self, *kinds: str) -> list[int]:
        return [s.pk for s in self.of(*kinds)]

    def reached_ids(self, stage: Stage) -> list[int]:
        """The main-line stages at or after ``stage``: entering any of them passes through it."""
        main = self.main
        return [s.pk for s in main[main.index(stage) :]]

    def by_code(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)


def stage_line() -> StageLine:
    """Every stage, in position order (one query)."""
    return StageLine(tuple(Stage.objects.order_by("position", "pk")))


# ---------------------------------------------------------------- the figures


@dataclass
class Figure:
    """A number on the page and the key of the list of projects behind it (``show=``)."""

    value: int | Decimal | None
    show: str
    url: str = ""  # set by the view


@dataclass
class StageRow:
    stage: Stage
    reached: Figure
    conversion: Decimal | None = None  # percent of those reaching this stage reaching the next
    next_reached: Figure | None = None
    stays: Figure | None = None  # stays in the stage that ended in the period
    median_days: Figure | None = None  # their median length
    now_in_stage: Figure | None = None  # projects in the stage today
    median_age: Decimal | None = None  # their median days in it so far


@dataclass
class ReasonRow:
    code: str
    label: str
    count: Figure


@dataclass
class LocationRow:
    name: str
    lost: Figure
    won: Figure


@dataclass
class FunnelReview:
    period: Period
    line: StageLine
    rows: list[StageRow]
    waiting: list[StageRow]  # open and hold stages: time in stage
    won: Figure
    lost: Figure
    held: Figure
    reasons: list[ReasonRow]
    locations: list[LocationRow]
    hidden_locations: int  # lost or won projects whose locations the user may not read
    stalled_idle: Figure
    stalled_stuck: Figure
    stalled: list[FunnelRow] = field(default_factory=list)  # the longest in their stage

    @property
    def overall_conversion(self) -> Decimal | None:
        """Percent of the projects reaching the first stage that were won in the period."""
        return percent(self.won.value, self.rows[0].reached.value) if self.rows else None

    def figures(self) -> Iterator[Figure]:
        """Every number of the review, so that the view can link each to its list."""
        for row in self.rows:
            yield row.reached
        for row in self.waiting:
            yield from (row.stays, row.median_days, row.now_in_stage)
        yield from (self.won, self.lost, self.held, self.stalled_idle, self.stalled_stuck)
        for reason in self.reasons:
            yield reason.count
        for location in self.locations:
            yield from (location.lost, location.won)


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """``part`` as a percent of ``whole``, to a tenth; None when there is no whole."""
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / whole).quantize(TENTH, ROUND_HALF_UP)


def in_days(duration: datetime.timedelta | None) -> Decimal | None:
    """A duration in days, to a tenth."""
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / DAY).quantize(TENTH, ROUND_HALF_UP)


# ---------------------------------------------------------------- medians


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the middle value, or the mean of the middle two."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _median_of(values: list[datetime.timedelta]) -> datetime.timedelta | None:
    """The median as ``percentile_cont(0.5)`` takes it: the mean of the middle two."""
    return statistics.median(values) if values else None


# PostgreSQL takes the medians in the query. SQLite (the local demo database) has no
# percentile function: there the durations come back and Python takes the medians, in the
# same query count and to the same numbers.
def _stay_medians(
    stays: QuerySet[StageChange], *, keys: list[int]
) -> dict[int, tuple[int, datetime.timedelta | None]]:
    """For each stage: how many of ``stays`` ended a stay in it, and their median (one query)."""
    if connection.vendor == "postgresql":
        aggregates = {}
        for pk in keys:
            aggregates[f"n{pk}"] = Count("pk", filter=Q(from_stage_id=pk))
            aggregates[f"m{pk}"] = Median(
                STAY, filter=Q(from_stage_id=pk), output_field=DurationField()
            )
        row = stays.aggregate(**aggregates) if keys else {}
        return {pk: (row[f"n{pk}"], row[f"m{pk}"]) for pk in keys}
    found: dict[int, list] = defaultdict(list)
    for stage_id, left, entered in stays.values_list("from_stage_id", "changed_at", "entered_at"):
        found[stage_id].append(None if entered is None else left - entered)
    return {
        pk: (len(found[pk]), _median_of([d for d in found[pk] if d is not None])) for pk in keys
    }


def _age_medians(
    projects: QuerySet[Project], *, now: datetime.datetime, keys: list[int]
) -> dict[int, tuple[int, datetime.timedelta | None]]:
    """For each stage: how many projects are in it now, and their median time in it so far."""
    if connection.vendor == "postgresql":
        age = ExpressionWrapper(
            Value(now, output_field=DateTimeField()) - F("stage_entered_at"),
            output_field=DurationField(),
        )
        aggregates = {}
        for pk in keys:
            aggregates[f"n{pk}"] = Count("pk", filter=Q(stage_id=pk))
            aggregates[f"m{pk}"] = Median(age, filter=Q(stage_id=pk), output_field=DurationField())
        row = projects.order_by().aggregate(**aggregates) if keys else {}
        return {pk: (row[f"n{pk}"], row[f"m{pk}"]) for pk in keys}
    found: dict[int, list] = defaultdict(list)
    rows = projects.filter(stage_id__in=keys).values_list("stage_id", "stage_entered_at")
    for stage_id, entered in rows:
        found[stage_id].append(now - entered)
    return {pk: (len(found[pk]), _median_of(found[pk])) for pk in keys}


# ---------------------------------------------------------------- reading the history


def _narrowed(qs: QuerySet[StageChange], scope: QuerySet[Project]) -> QuerySet[StageChange]:
    # Admins and analysts without filters count every project: no need to ask which.
    return qs.filter(project__in=scope) if scope.query.has_filters() else qs


def changes_in(*, scope: QuerySet[Project], period: Period) -> QuerySet[StageChange]:
    """The moves of the projects in ``scope`` made during ``period``."""
    start, end = period.bounds()
    return _narrowed(StageChange.objects.filter(changed_at__gte=start, changed_at__lt=end), scope)


def stays_ended_in(*, scope: QuerySet[Project], period: Period) -> QuerySet[StageChange]:
    """The moves of ``period`` that ended a stay, each with ``entered_at``: when it began.

    A move ends the stay in its ``from_stage``; the stay began at the project's previous
    move. Within the period that is the previous row of a window over the project's moves;
    for a project's first move of the period, the last move before the period (a lookup
    the history index answers), so that only the period's moves are read.
    """
    start, _end = period.bounds()
    before = (
        StageChange.objects.filter(project_id=OuterRef("project_id"), changed_at__lt=start)
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    previous = Window(
        Lag("changed_at"),
        partition_by=[F("project_id")],
        order_by=[F("changed_at").asc(), F("pk").asc()],
    )
    return (
        changes_in(scope=scope, period=period)
        .annotate(entered_at=Coalesce(previous, Subquery(before)))
        .order_by()
    )


STAY = ExpressionWrapper(F("changed_at") - F("entered_at"), output_field=DurationField())


def _reached(changes: QuerySet[StageChange], line: StageLine) -> dict[str, int]:
    """Per project the furthest main-line stage it entered and whether it was won, lost or
    put on hold; then how many projects got at least as far as each stage (one query)."""
    position = Case(
        *[When(to_stage_id=s.pk, then=Value(i)) for i, s in enumerate(line.main)],
        default=Value(-1),
        output_field=IntegerField(),
    )

    def entered(kind: str) -> Max:
        return Max(
            Case(
                When(to_stage_id__in=line.ids(kind), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )

    per_project = (
        changes.order_by()
        .values("project_id")
        .annotate(
            furthest=Max(position),
            was_won=entered(StageKind.WON),
            was_lost=entered(StageKind.LOST),
            was_held=entered(StageKind.HOLD),
        )
    )
    totals = {
        f"reached_{i}": Count("project_id", filter=Q(furthest__gte=i))
        for i in range(len(line.main))
    }
    totals.update(
        won=Count("project_id", filter=Q(was_won=1)),
        lost=Count("project_id", filter=Q(was_lost=1)),
        held=Count("project_id", filter=Q(was_held=1)),
    )
    return per_project.aggregate(**totals)


def _named(user: User) -> QuerySet[Project] | None:
    """The projects named to ``user``; None when all are (admins), to spare the subquery."""
    return None if is_admin(user) else projects_named_to(user)


def _entered(changes: QuerySet[StageChange], ids: list[int]) -> QuerySet[Project]:
    """The projects that entered one of the stages ``ids`` by one of ``changes``."""
    return Project.objects.filter(pk__in=changes.filter(to_stage_id__in=ids).values("project_id"))


def _reasons(
    changes: QuerySet[StageChange], line: StageLine, named: QuerySet[Project] | None
) -> list[ReasonRow]:
    """The lost projects by reason; those not named to the user in one bucket (one query).

    The reason is one of the details a confidential project keeps from most people.
    """
    lost = _entered(changes, line.ids(StageKind.LOST))
    bucket = F("lost_reason")
    if named is not None:
        bucket = Case(When(pk__in=named.values("pk"), then=bucket), default=Value(CONFIDENTIAL))
    rows = lost.order_by().annotate(bucket=bucket).values("bucket").annotate(n=Count("pk"))
    counts = {row["bucket"]: row["n"] for row in rows}
    hidden = counts.pop(CONFIDENTIAL, 0)
    reasons = [
        ReasonRow(code, str(label), Figure(counts.pop(code), f"lost_reason:{code}"))
        for code, label in LostReason.choices
        if code in counts
    ]
    for code, n in sorted(counts.items()):  # a reason no longer offered, or none recorded
        reasons.append(ReasonRow(code, code or "—", Figure(n, f"lost_reason:{code}")))
    if hidden:
        label = _("Confidential projects (reason not shown)")
        reasons.append(
            ReasonRow(CONFIDENTIAL, label, Figure(hidden, f"lost_reason:{CONFIDENTIAL}"))
        )
    return reasons


def location_key(name: str) -> str:
    """Competing locations are typed by hand: " 北京" and "beijing " are counted as one
    with "北京" and "Beijing" respectively, whatever the spacing and case."""
    return " ".join(name.split()).casefold()


WON, LOST = "won", "lost"


def _located(
    changes: QuerySet[StageChange], line: StageLine, named: QuerySet[Project] | None
) -> dict[tuple[int, str], tuple[list[str], bool]]:
    """(project, won or lost) → (its competing locations, whether named to the user), for
    the projects won or lost by ``changes`` that name competing locations (one query)."""
    won_ids = line.ids(StageKind.WON)
    rows = (
        changes.filter(to_stage_id__in=won_ids + line.ids(StageKind.LOST))
        .exclude(project__competing_locations=[])
        .annotate(
            outcome=Case(When(to_stage_id__in=won_ids, then=Value(WON)), default=Value(LOST)),
            is_named=Value(True)
            if named is None
            else Case(
                When(project_id__in=named.values("pk"), then=Value(True)), default=Value(False)
            ),
        )
        .order_by()
        .values_list("project_id", "outcome", "project__competing_locations", "is_named")
    )
    return {(pk, outcome): (locations or [], is_named) for pk, outcome, locations, is_named in rows}


def _locations(
    located: dict[tuple[int, str], tuple[list[str], bool]],
) -> tuple[list[LocationRow], int]:
    """How many lost and how many won projects name each competing location, and how many
    name some but keep them from the user (confidential ones not named to them)."""
    names: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {WON: 0, LOST: 0})
    hidden: set[int] = set()
    for (pk, outcome), (locations, is_named) in located.items():
        if not is_named:
            hidden.add(pk)
            continue
        for key, name in {location_key(n): n.strip() for n in locations}.items():
            names.setdefault(key, name)
            counts[key][outcome] += 1
    rows = [
        LocationRow(
            names[key],
            lost=Figure(count[LOST], f"location:{names[key]}"),
            won=Figure(count[WON], f"won_location:{names[key]}"),
        )
        for key, count in counts.items()
    ]
    rows.sort(key=lambda row: (-row.lost.value, -row.won.value, row.name))
    return rows, len(hidden)


def _stalled_conditions(filters: FunnelFilters) -> tuple[Q, Q]:
    """No interaction with the institution for ``idle_days`` (a project never contacted
    counts from its creation); in its current stage for more than ``stuck_days``."""
    now = timezone.now()
    today = timezone.localdate()
    idle_since = today - datetime.timedelta(days=filters.idle_days)
    idle_start, _end = Period(idle_since, idle_since).bounds()
    idle = Q(institution__last_contacted_on__lt=idle_since) | Q(
        institution__last_contacted_on__isnull=True, created_at__lt=idle_start
    )
    stuck = Q(stage_entered_at__lt=now - datetime.timedelta(days=filters.stuck_days))
    return idle, stuck


STALLED_SHOWN = 10


def funnel_review(*, user: User, filters: FunnelFilters) -> FunnelReview:
    """The funnel of the projects ``user`` may see, narrowed by ``filters`` (fixed queries:
    the stages, the reached counts, the stays, the stages now, the reasons, the locations,
    the stalled counts and the stalled few)."""
    line = stage_line()
    scope = funnel_scope(user=user, filters=filters)
    changes = changes_in(scope=scope, period=filters.period)
    named = _named(user)

    totals = _reached(changes, line)
    rows = [
        StageRow(stage, Figure(totals[f"reached_{i}"], f"reached:{stage.code}"))
        for i, stage in enumerate(line.main)
    ]
    for row, following in pairwise(rows):
        row.next_reached = following.reached
        row.conversion = percent(following.reached.value, row.reached.value)

    timed = [s.pk for s in line.timed]
    stays = _stay_medians(stays_ended_in(scope=scope, period=filters.period), keys=timed)
    ages = _age_medians(scope, now=timezone.now(), keys=timed)
    by_stage = {row.stage.pk: row for row in rows}
    waiting = []
    for stage in line.timed:
        row = by_stage.get(stage.pk) or StageRow(stage, Figure(None, ""))
        ended, median = stays[stage.pk]
        row.stays = Figure(ended, f"stage_days:{stage.code}")
        row.median_days = Figure(in_days(median), f"stage_days:{stage.code}")
        current, age = ages[stage.pk]
        row.now_in_stage = Figure(current, f"in_stage:{stage.code}")
        row.median_age = in_days(age)
        waiting.append(row)

    locations, hidden = _locations(_located(changes, line, named))
    idle, stuck = _stalled_conditions(filters)
    open_projects = scope.filter(stage_id__in=line.ids(StageKind.OPEN))
    stalled = open_projects.aggregate(
        idle=Count("pk", filter=idle), stuck=Count("pk", filter=stuck)
    )
    return FunnelReview(
        period=filters.period,
        line=line,
        rows=rows,
        waiting=waiting,
        won=Figure(totals["won"], "won"),
        lost=Figure(totals["lost"], "lost"),
        held=Figure(totals["held"], "held"),
        reasons=_reasons(changes, line, named),
        locations=locations,
        hidden_locations=hidden,
        stalled_idle=Figure(stalled["idle"], "stalled_idle"),
        stalled_stuck=Figure(stalled["stuck"], "stalled_stuck"),
        stalled=funnel_rows(
            user=user,
            projects=open_projects.filter(idle | stuck)
            .select_related("institution", "stage", "owner", "team")
            .order_by("stage_entered_at", "pk")[:STALLED_SHOWN],
        ),
    )


# ---------------------------------------------------------------- the lists behind the numbers


@dataclass(frozen=True)
class FunnelList:
    """The projects behind one number of the review, and what they are."""

    title: str
    projects: QuerySet[Project]


@dataclass(frozen=True)
class _Ask:
    """What every list starts from: the stages, the user's projects, the period's moves."""

    line: StageLine
    filters: FunnelFilters
    scope: QuerySet[Project]
    changes: QuerySet[StageChange]
    named: QuerySet[Project] | None

    def entered(self, *kinds: str) -> QuerySet[Project]:
        return _entered(self.changes, self.line.ids(*kinds))

    def only_named(self, projects: QuerySet[Project]) -> QuerySet[Project]:
        return projects if self.named is None else projects.filter(pk__in=self.named.values("pk"))

    def titled(self, text: str, **values: object) -> str:
        return text % {"period": self.filters.period, **values}


Listing = tuple[str, QuerySet[Project]] | None


def _reached_list(ask: _Ask, code: str) -> Listing:
    stage = ask.line.by_code(code)
    if stage not in ask.line.main:
        return None
    text = _("Projects that reached %(stage)s or a later stage, %(period)s")
    return ask.titled(text, stage=stage.name), _entered(ask.changes, ask.line.reached_ids(stage))


def _outcome_list(kind: str, text: str) -> Callable[[_Ask, str], Listing]:
    def listing(ask: _Ask, arg: str) -> Listing:
        return None if arg else (ask.titled(text), ask.entered(kind))

    return listing


def _reason_list(ask: _Ask, code: str) -> Listing:
    lost = ask.entered(StageKind.LOST)
    if code == CONFIDENTIAL:  # the lost projects whose reason the user may not read
        hidden = lost.none() if ask.named is None else lost.exclude(pk__in=ask.named.values("pk"))
        return ask.titled(_("Confidential projects lost, %(period)s")), hidden
    reason = LostReason._value2member_map_.get(code)
    text = _("Projects lost for the reason “%(reason)s”, %(period)s")
    title = ask.titled(text, reason=reason.label if reason else code or "—")
    return title, ask.only_named(lost.filter(lost_reason=code))


def _location_list(outcome: str, text: str) -> Callable[[_Ask, str], Listing]:
    def listing(ask: _Ask, name: str) -> Listing:
        key = location_key(name)
        if not key:
            return None
        ids = [
            pk
            for (pk, found), (locations, is_named) in _located(
                ask.changes, ask.line, ask.named
            ).items()
            if found == outcome and is_named and key in {location_key(n) for n in locations}
        ]
        return ask.titled(text, location=name.strip()), Project.objects.filter(pk__in=ids)

    return listing


def _stays_list(ask: _Ask, code: str) -> Listing:
    stage = ask.line.by_code(code)
    if stage not in ask.line.timed:
        return None
    left = ask.changes.filter(from_stage_id=stage.pk).values("project_id")
    text = _("Projects whose stay in %(stage)s ended, %(period)s")
    return ask.titled(text, stage=stage.name), Project.objects.filter(pk__in=left)


def _in_stage_list(ask: _Ask, code: str) -> Listing:
    stage = ask.line.by_code(code)
    if stage is None:
        return None
    return _("Projects now in %(stage)s") % {"stage": stage.name}, ask.scope.filter(stage=stage)


def _stalled_list(idle: bool) -> Callable[[_Ask, str], Listing]:
    def listing(ask: _Ask, arg: str) -> Listing:
        if arg:
            return None
        filters = ask.filters
        condition = _stalled_conditions(filters)[0 if idle else 1]
        if idle:
            title = _("Open projects with no interaction for %(days)s days") % {
                "days": filters.idle_days
            }
        else:
            title = _("Open projects in their stage for more than %(days)s days") % {
                "days": filters.stuck_days
            }
        projects = ask.scope.filter(stage_id__in=ask.line.ids(StageKind.OPEN)).filter(condition)
        return title, projects

    return listing


# The ``show=`` keys, "kind" or "kind:argument", as ``funnel_review`` gives them to Figures.
LISTS: dict[str, Callable[[_Ask, str], Listing]] = {
    "reached": _reached_list,
    "won": _outcome_list(StageKind.WON, gettext_lazy("Projects won (landed), %(period)s")),
    "lost": _outcome_list(StageKind.LOST, gettext_lazy("Projects lost, %(period)s")),
    "held": _outcome_list(StageKind.HOLD, gettext_lazy("Projects put on hold, %(period)s")),
    "lost_reason": _reason_list,
    "location": _location_list(
        LOST,
        gettext_lazy("Lost projects that named %(location)s as a competing location, %(period)s"),
    ),
    "won_location": _location_list(
        WON,
        gettext_lazy("Won projects that named %(location)s as a competing location, %(period)s"),
    ),
    "stage_days": _stays_list,
    "in_stage": _in_stage_list,
    "stalled_idle": _stalled_list(idle=True),
    "stalled_stuck": _stalled_list(idle=False),
}


def funnel_list(*, user: User, filters: FunnelFilters, show: str) -> FunnelList | None:
    """The projects behind the number ``show`` names (see ``Figure.show``), longest in their
    stage first; None when ``show`` names no list of the review."""
    kind, _sep, arg = show.partition(":")
    if kind not in LISTS:
        return None
    scope = funnel_scope(user=user, filters=filters)
    ask = _Ask(
        line=stage_line(),
        filters=filters,
        scope=scope,
        changes=changes_in(scope=scope, period=filters.period),
        named=_named(user),
    )
    found = LISTS[kind](ask, arg)
    if found is None:
        return None
    title, projects = found
    return FunnelList(
        str(title),
        projects.select_related("institution", "stage", "owner", "team").order_by(
            "stage_entered_at", "pk"
        ),
    )


@dataclass(frozen=True)
class FunnelRow:
    """A project as a list of the review shows it: by name, or by code name only."""

    project: Project
    named: bool
    days_in_stage: int

    @property
    def last_contact(self) -> datetime.date | None:
        # The institution's, so kept from those who see the project by code name only.
        return self.project.institution.last_contacted_on if self.named else None


def funnel_rows(*, user: User, projects: Iterable[Project]) -> list[FunnelRow]:
    """The rows of a list of the review (institution and stage selected; no query)."""
    today = timezone.localdate()
    return [
        FunnelRow(
            project,
            is_named_to(user, project),
            (today - timezone.localtime(project.stage_entered_at).date()).days,
        )
        for project in projects
    ]
