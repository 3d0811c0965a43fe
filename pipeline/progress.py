"""Progress against a plan's targets, counted from landing milestones (docs/progress.md).

Count targets are counted here, above ``crm`` and ``plans``, because the counting reads
both. ``plan_progress`` runs six queries whatever the number of targets or milestones:
the targets, their categories, their measurements, the plan's category tree, the
institutions with milestones (type, ownership, flags, categories) and the milestones.

The milestones are walked once, in date order, into each milestone kind's list of
*transitions*: an institution coming in (its first landing of that kind) and going out
(an exit while it is in). A target then filters its kind's list down to the institutions
that match it and sweeps it once, reading its value off at each quarter end: the whole
quarterly series costs one pass, not one count per quarter.
"""

from __future__ import annotations

import datetime
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crm.models import FLAG_FIELDS, Institution, Milestone, MilestoneKind
from plans.models import Category, Plan, Target, TargetMeasurement
from plans.selectors import CategoryIndex, plan_targets

ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class TargetProgress:
    """Where one target stands on a date."""

    code: str
    name: str
    kind: str
    unit: str
    baseline: Decimal | None
    value: Decimal | None
    target: Decimal | None
    comparator: str
    percent: Decimal | None  # of the way from the starting point to the target
    required_pace: Decimal | None  # per quarter, from the baseline date to the due date
    actual_pace: Decimal | None  # per quarter, from the baseline date to the as-of date
    projection: Decimal | None  # the value at the due date if the actual pace holds
    counted_ids: tuple[int, ...] = ()  # institutions that landed in the window and stayed
    exited_ids: tuple[int, ...] = ()  # counted institutions whose exit was subtracted

    @property
    def on_pace(self) -> bool | None:
        """Is the actual pace at least the required one? None when either is unknown."""
        if self.required_pace is None or self.actual_pace is None:
            return None
        return self.actual_pace >= self.required_pace

    @property
    def projection_meets_target(self) -> bool | None:
        """Would the projection reach the target, as the target's comparator reads it?"""
        if self.projection is None or self.target is None:
            return None
        if self.comparator == Target.Comparator.GT:
            return self.projection > self.target
        return self.projection >= self.target


class Counted(NamedTuple):
    """One institution of a target's drill-down: the milestone date counted, or its exit."""

    institution_id: int
    date: datetime.date
    exit_kind: str = ""


@dataclass(frozen=True)
class TargetReport:
    """One target on the progress pages: its figures, its quarters and who is counted."""

    target: Target
    progress: TargetProgress
    series: tuple[tuple[datetime.date, Decimal | None], ...]  # baseline … as-of, ascending
    counted: tuple[Counted, ...] = ()  # newest landing first
    exited: tuple[Counted, ...] = ()  # newest exit first
    measured_in: tuple[int, int] | None = None  # (year, quarter) of a measured target's value


# ---------------------------------------------------------------- quarters


def quarter_of(day: datetime.date) -> int:
    """A running quarter number: consecutive quarters differ by one."""
    return day.year * 4 + (day.month - 1) // 3


def quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    return next_month - datetime.timedelta(days=1)


def is_quarter_end(day: datetime.date) -> bool:
    return day == quarter_end(day.year, (day.month - 1) // 3 + 1)


def quarter_ends(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The quarter ends from ``start`` to ``end``, both included."""
    ends = []
    number = quarter_of(start)
    while True:
        day = quarter_end(number // 4, number % 4 + 1)
        if day > end:
            return ends
        if day >= start:
            ends.append(day)
        number += 1


def series_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """``start``, every quarter end after it, and ``end``: the points of a progress chart."""
    days = [start, *(day for day in quarter_ends(start, end) if day > start)]
    if days[-1] != end:
        days.append(end)
    return days


# ---------------------------------------------------------------- loading


# A transition: an institution coming in (+1) or going out (-1) of a milestone kind's
# count, as (date, institution id, delta, exit kind). Plain tuples: there are tens of
# thousands of them and the sweep reads them in a tight loop.
_Transition = tuple[datetime.date, int, int, str]
DATE, INSTITUTION, DELTA, EXIT_KIND = range(4)

# The institution fields a target filters on, as the institutions query gives them.
TYPE, OWNERSHIP, FLAGS = 1, 2, 3  # the flags follow, one column each (FLAG_FIELDS order)
FLAG_CODES = tuple(str(flag.value) for flag in FLAG_FIELDS)


@dataclass
class _Landings:
    """The transitions and institution fields the count targets need, loaded once."""

    plan_children: dict[int | None, list[int]]
    transitions: dict[str, list[_Transition]] = field(default_factory=dict)
    institutions: dict[int, tuple] = field(default_factory=dict)  # pk → its query row
    by_category: dict[int, set[int]] = field(default_factory=dict)  # category → pks

    def members(self, target: Target) -> set[int]:
        """The institutions (with milestones) that match the target's filter."""
        wanted = target_category_ids(target, self.plan_children)
        if wanted:
            found = set().union(*(self.by_category.get(pk, ()) for pk in wanted))
        else:
            found = set(self.institutions)
        types, ownerships = set(target.institution_types), set(target.ownerships)
        flags = [FLAGS + FLAG_CODES.index(code) for code in target.flags if code in FLAG_CODES]
        if not (types or ownerships or flags):
            return found
        rows = self.institutions
        return {
            pk
            for pk in found
            if (not types or rows[pk][TYPE] in types)
            and (not ownerships or rows[pk][OWNERSHIP] in ownerships)
            and all(rows[pk][column] for column in flags)
        }


def target_category_ids(target: Target, children: dict[int | None, list[int]]) -> set[int]:
    """The target's categories and all below them (categories prefetched)."""
    index = CategoryIndex(choices=[], children=children)
    found: set[int] = set()
    for category in target.categories.all():
        found |= index.subtree(category.pk)
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the counting builds its tuples.

    Loading tens of thousands of milestones allocates as many small tuples, none in a
    cycle; left running, the collector walks the whole heap several times over them and
    costs more than the counting itself (docs/progress.md, "Speed").
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_landings(*, plan: Plan, targets: list[Target], until: datetime.date) -> _Landings:
    """Three queries: the plan's category tree, the institutions with milestones (with
    their type, ownership, flags and categories), and the milestones, in date order."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(plan=plan).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    landings = _Landings(plan_children=children)
    kinds = {t.milestone for t in targets if t.kind == Target.Kind.COUNT and t.milestone}
    if not kinds:
        return landings
    # Milestones of any date: a landing before the baseline is in the baseline, so its
    # exit in the window subtracts; an exit before the baseline is in the baseline too.
    milestones = Milestone.objects.filter(kind__in=kinds | {MilestoneKind.EXITED}, date__lte=until)
    # One row per institution and category (or one with None): the join gives both at once.
    rows = (
        Institution.objects.filter(pk__in=milestones.values("institution_id"))
        .values_list("pk", "institution_type", "ownership", *FLAG_FIELDS.values(), "categories")
        .order_by()  # in any order: sorting by name would only cost time
    )
    plan_categories = {pk for ids in children.values() for pk in ids}
    by_category: dict[int, set[int]] = defaultdict(set)
    institutions = landings.institutions
    for row in rows:
        institutions[row[0]] = row
        if row[-1] in plan_categories:
            by_category[row[-1]].add(row[0])
    landings.by_category = dict(by_category)
    ordered = milestones.values_list("institution_id", "kind", "date", "exit_kind").order_by(
        "date",
        # On one day the landing comes before the exit: "exited" sorts before the other
        # kinds, so it comes last in descending order.
        "-kind",
        "pk",
    )
    transitions: dict[str, list[_Transition]] = {kind: [] for kind in kinds}
    inside: dict[str, set[int]] = {kind: set() for kind in kinds}
    baseline, exited = plan.baseline_date, MilestoneKind.EXITED.value
    for institution_id, kind, date, exit_kind in ordered:
        if kind == exited:
            for counted, members in inside.items():
                if institution_id in members:
                    members.discard(institution_id)
                    if date > baseline:
                        transitions[counted].append((date, institution_id, -1, exit_kind))
        elif institution_id not in inside[kind]:
            inside[kind].add(institution_id)
            if date > baseline:
                transitions[kind].append((date, institution_id, 1, ""))
    landings.transitions = transitions
    return landings


# ---------------------------------------------------------------- counting


@dataclass(frozen=True)
class _Count:
    """A count target's tally on one day, and who is behind it."""

    landed: int
    exited: int
    landed_on: dict[int, datetime.date]  # the latest landing in the window, by institution
    counted_pks: set[int]  # those of ``landed_on`` still counted (for a flow, all)
    gone: dict[int, _Transition]  # the latest exit subtracted, by institution

    @property
    def counted_ids(self) -> tuple[int, ...]:
        return tuple(sorted(self.counted_pks))

    @property
    def exited_ids(self) -> tuple[int, ...]:
        return tuple(sorted(self.gone))

    def counted(self) -> tuple[Counted, ...]:
        """The institutions counted, with the milestone date counted, newest first."""
        landed_on = self.landed_on
        found = sorted(((landed_on[pk], pk) for pk in self.counted_pks), reverse=True)
        return tuple(Counted(pk, date) for date, pk in found)

    def exits(self) -> tuple[Counted, ...]:
        """The institutions whose exit was subtracted, with its date and kind, newest first."""
        found = sorted(((t[DATE], pk, t[EXIT_KIND]) for pk, t in self.gone.items()), reverse=True)
        return tuple(Counted(pk, date, kind) for date, pk, kind in found)


def _sweep(
    *, target: Target, landings: _Landings, days: Sequence[datetime.date]
) -> tuple[list[tuple[int, int]], _Count]:
    """(landings, exits) in (baseline date, day] at each of ``days`` (ascending), in one pass.

    Each institution is in or out: a qualifying milestone brings it in (once, however
    many it has), an exit takes it out, and only an exit of an institution that is in
    subtracts. A milestone on or before the baseline date puts it in the baseline. The
    ``_Count`` returned is the one on the last day.
    """
    flow = target.counting == Target.Counting.FLOW
    members = landings.members(target)
    transitions = [
        t for t in landings.transitions.get(target.milestone, ()) if t[INSTITUTION] in members
    ]
    landed = exited = 0
    landed_on: dict[int, datetime.date] = {}
    inside: set[int] = set()  # landed in the window and not out since
    gone: dict[int, _Transition] = {}
    totals: list[tuple[int, int]] = []
    position, end = 0, len(transitions)
    for day in days:
        while position < end and transitions[position][DATE] <= day:
            transition = transitions[position]
            position += 1
            institution_id = transition[INSTITUTION]
            if transition[DELTA] > 0:
                landed += 1
                landed_on[institution_id] = transition[DATE]
                inside.add(institution_id)
            else:
                inside.discard(institution_id)
                if not flow:  # a flow counts landings; a later exit does not undo one
                    exited += 1
                    gone[institution_id] = transition
        totals.append((landed, exited))
    counted = set(landed_on) if flow else inside
    return totals, _Count(landed, exited, landed_on, counted, gone)


# ---------------------------------------------------------------- values


def _start(target: Target) -> Decimal | None:
    """Where the count starts from: the baseline, or zero for a flow."""
    if target.kind == Target.Kind.COUNT and target.counting == Target.Counting.FLOW:
        return ZERO
    return target.baseline_value


def _count_values(
    target: Target, landings: _Landings, days: Sequence[datetime.date]
) -> tuple[list[Decimal | None], _Count]:
    """The count target's value on each of ``days``, and the count on the last one."""
    totals, count = _sweep(target=target, landings=landings, days=days)
    start = _start(target)
    if start is None:  # a stock whose baseline is not published
        return [None] * len(days), count
    return [start + landed - exited for landed, exited in totals], count


def _measured_values(
    measurements: Iterable[TargetMeasurement], days: Sequence[datetime.date]
) -> list[TargetMeasurement | None]:
    """On each of ``days`` (ascending), the latest measurement whose quarter had ended."""
    ordered = sorted(measurements, key=lambda m: (m.year, m.quarter))
    found: list[TargetMeasurement | None] = []
    latest, position = None, 0
    for day in days:
        while (
            position < len(ordered)
            and quarter_end(ordered[position].year, ordered[position].quarter) <= day
        ):
            latest = ordered[position]
            position += 1
        found.append(latest)
    return found


def _percent(start: Decimal | None, value: Decimal | None, goal: Decimal | None) -> Decimal | None:
    if start is None or value is None or goal is None or goal == start:
        return None
    return ((value - start) * 100 / (goal - start)).quantize(TENTH, ROUND_HALF_UP)


def _pace(amount: Decimal | None, quarters: int) -> Decimal | None:
    if amount is None or quarters <= 0:
        return None
    return (amount / quarters).quantize(CENT, ROUND_HALF_UP)


def check_as_of(*, plan: Plan, as_of: datetime.date) -> None:
    """Refuse a date before the plan's baseline or after today, with a message to show."""
    if as_of < plan.baseline_date:
        raise ValidationError(
            _("Progress is counted from the plan's baseline date, %(date)s; pick a later date.")
            % {"date": date_format(plan.baseline_date, "Y-m-d")},
            code="before_baseline",
        )
    if as_of > timezone.localdate():
        raise ValidationError(
            _("%(date)s is in the future; progress can only be counted up to today.")
            % {"date": date_format(as_of, "Y-m-d")},
            code="future",
        )


def _progress(
    target: Target,
    plan: Plan,
    value: Decimal | None,
    count: _Count | None,
    as_of: datetime.date,
) -> TargetProgress:
    start = _start(target)
    goal = target.target_value
    required = _pace(
        goal - start if goal is not None and start is not None else None,
        quarter_of(target.due_date) - quarter_of(plan.baseline_date),
    )
    elapsed = quarter_of(as_of) - quarter_of(plan.baseline_date)
    actual = _pace(value - start if value is not None and start is not None else None, elapsed)
    remaining = max(quarter_of(target.due_date) - quarter_of(as_of), 0)
    projection = (
        (value + actual * remaining).quantize(CENT, ROUND_HALF_UP)
        if value is not None and actual is not None
        else None
    )
    return TargetProgress(
        code=target.code,
        name=target.name,
        kind=target.kind,
        unit=target.unit,
        baseline=target.baseline_value,
        value=value,
        target=goal,
        comparator=target.comparator,
        percent=_percent(start, value, goal),
        required_pace=required,
        actual_pace=actual,
        projection=projection,
        counted_ids=count.counted_ids if count else (),
        exited_ids=count.exited_ids if count else (),
    )


def _report(
    target: Target,
    plan: Plan,
    landings: _Landings,
    days: Sequence[datetime.date],
    listing: bool,
) -> TargetReport:
    """The target on each of ``days``; its figures (and, with ``listing``, who) on the last."""
    as_of = days[-1]
    if target.kind == Target.Kind.MEASURED:
        measured = _measured_values(target.measurements.all(), days)
        values = [m.value if m else None for m in measured]
        last = measured[-1]
        return TargetReport(
            target=target,
            progress=_progress(target, plan, values[-1], None, as_of),
            series=tuple(zip(days, values, strict=True)),
            measured_in=(last.year, last.quarter) if last else None,
        )
    values, count = _count_values(target, landings, days)
    return TargetReport(
        target=target,
        progress=_progress(target, plan, values[-1], count, as_of),
        series=tuple(zip(days, values, strict=True)),
        counted=count.counted() if listing else (),
        exited=count.exits() if listing else (),
    )


def _reports(
    *, plan: Plan, targets: list[Target], days: Sequence[datetime.date], listing: bool
) -> list[TargetReport]:
    landings = _load_landings(plan=plan, targets=targets, until=days[-1])
    return [_report(target, plan, landings, days, listing) for target in targets]


def plan_progress(
    *,
    plan: Plan,
    as_of: datetime.date,
    target_code: str | None = None,
    series: bool = True,
    listing: bool = False,
    with_goal: bool = False,
) -> list[TargetReport]:
    """Every target of the plan (or the one named) on ``as_of``, in plan order (six queries).

    With ``series``, each report carries the value at the baseline date, every quarter end
    since and ``as_of``; without it, only at ``as_of``. With ``listing``, a count target's
    report lists the institutions counted and those whose exit was subtracted, dated.
    With ``with_goal``, only the targets that give a target value (the others have no pace
    to keep), which spares the dashboard the counting of the rest.
    """
    check_as_of(plan=plan, as_of=as_of)
    targets = plan_targets(plan=plan).prefetch_related("measurements")
    if target_code is not None:
        targets = targets.filter(code=target_code)
    if with_goal:
        targets = targets.filter(target_value__isnull=False)
    days = series_days(plan.baseline_date, as_of) if series else [as_of]
    # The landings are freed when _reports returns, before the collector wakes up.
    with _collector_paused():
        return _reports(plan=plan, targets=list(targets), days=days, listing=listing)


def target_progress(*, plan: Plan, as_of: datetime.date) -> list[TargetProgress]:
    """Every target of the plan on ``as_of``, in plan order (six queries in all)."""
    return [report.progress for report in plan_progress(plan=plan, as_of=as_of, series=False)]


def quarterly_series(
    *, target: Target, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, Decimal | None]]:
    """The target's value at each quarter end from ``start`` to ``end``."""
    plan = target.plan
    prefetch_related_objects([target], "categories", "measurements")
    end = min(end, timezone.localdate())
    start = max(start, plan.baseline_date)
    days = quarter_ends(start, end)
    if not days:
        return []
    with _collector_paused():
        report = _reports(plan=plan, targets=[target], days=days, listing=False)[0]
    return list(report.series)
