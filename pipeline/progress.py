"""Progress against a plan's targets, counted from landing milestones (docs/progress.md).

Count targets are counted here, above ``crm`` and ``plans``, because the counting reads
both. ``target_progress`` runs a fixed number of queries whatever the number of targets:
the targets, their categories, the plan's category tree, the milestones with their
institutions' fields, those institutions' categories, and the measurements (six).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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


# ---------------------------------------------------------------- quarters


def quarter_of(day: datetime.date) -> int:
    """A running quarter number: consecutive quarters differ by one."""
    return day.year * 4 + (day.month - 1) // 3


def quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    return next_month - datetime.timedelta(days=1)


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


# ---------------------------------------------------------------- counting


@dataclass
class _Event:
    date: datetime.date
    kind: str


@dataclass
class _Landings:
    """The milestones and institution fields the count targets need, loaded once."""

    plan_children: dict[int | None, list[int]]
    institutions: dict[int, dict] = field(default_factory=dict)
    categories: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    events: dict[int, list[_Event]] = field(default_factory=lambda: defaultdict(list))

    def qualifies(self, target: Target, institution_id: int, wanted: set[int]) -> bool:
        """Does the institution match the target's filter? ``wanted``: its category subtrees."""
        row = self.institutions[institution_id]
        if target.institution_types and row["institution_type"] not in target.institution_types:
            return False
        if target.ownerships and row["ownership"] not in target.ownerships:
            return False
        if not all(row[FLAG_FIELDS[flag]] for flag in target.flags):
            return False
        return not wanted or bool(wanted & self.categories[institution_id])


def target_category_ids(target: Target, children: dict[int | None, list[int]]) -> set[int]:
    """The target's categories and all below them (categories prefetched)."""
    index = CategoryIndex(choices=[], children=children)
    found: set[int] = set()
    for category in target.categories.all():
        found |= index.subtree(category.pk)
    return found


def _load_landings(*, plan: Plan, targets: list[Target], until: datetime.date) -> _Landings:
    """One query for the plan's tree, one for the milestones, one for their categories."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.filter(plan=plan).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    landings = _Landings(plan_children=children)
    kinds = {t.milestone for t in targets if t.kind == Target.Kind.COUNT and t.milestone}
    if not kinds:
        return landings
    flag_fields = [f"institution__{name}" for name in FLAG_FIELDS.values()]
    # Milestones of any date: a landing before the baseline is in the baseline, so its
    # exit in the window subtracts; an exit before the baseline is in the baseline too.
    milestones = Milestone.objects.filter(kind__in=kinds | {MilestoneKind.EXITED}, date__lte=until)
    rows = milestones.values_list(
        "institution_id",
        "kind",
        "date",
        "institution__institution_type",
        "institution__ownership",
        *flag_fields,
    ).order_by("date", "pk")
    for institution_id, kind, date, type_, ownership, *flags in rows:
        landings.events[institution_id].append(_Event(date, kind))
        landings.institutions[institution_id] = {
            "institution_type": type_,
            "ownership": ownership,
            **dict(zip(FLAG_FIELDS.values(), flags, strict=True)),
        }
    links = Institution.categories.through.objects.filter(
        institution_id__in=milestones.values("institution_id")
    ).values_list("institution_id", "category_id")
    for institution_id, category_id in links:
        landings.categories[institution_id].add(category_id)
    return landings


@dataclass(frozen=True)
class _Count:
    landed: int
    exited: int
    counted_ids: tuple[int, ...]
    exited_ids: tuple[int, ...]


def _count(*, target: Target, plan: Plan, landings: _Landings, as_of: datetime.date) -> _Count:
    """Landings and exits of qualifying institutions in (baseline date, as_of].

    Each institution is in or out: a qualifying milestone brings it in (once, however
    many it has), an exit takes it out, and only an exit of an institution that is in
    subtracts. A milestone on or before the baseline date puts it in the baseline.
    """
    landed = exited = 0
    counted: list[int] = []
    gone: list[int] = []
    flow = target.counting == Target.Counting.FLOW
    wanted = target_category_ids(target, landings.plan_children)
    for institution_id, events in landings.events.items():
        if not landings.qualifies(target, institution_id, wanted):
            continue
        inside = landed_here = False
        # On one day the landing comes before the exit.
        for event in sorted(events, key=lambda e: (e.date, e.kind == MilestoneKind.EXITED)):
            if event.date > as_of:
                break
            in_window = event.date > plan.baseline_date
            if event.kind == target.milestone and not inside:
                inside = True
                if in_window:
                    landed += 1
                    landed_here = True
            elif event.kind == MilestoneKind.EXITED and inside:
                inside = False
                if in_window and not flow:  # a flow counts landings; a later exit does not undo one
                    exited += 1
                    gone.append(institution_id)
        if landed_here and (inside or flow):
            counted.append(institution_id)
    return _Count(landed, exited, tuple(sorted(counted)), tuple(sorted(set(gone))))


# ---------------------------------------------------------------- values


def _start(target: Target) -> Decimal | None:
    """Where the count starts from: the baseline, or zero for a flow."""
    if target.kind == Target.Kind.COUNT and target.counting == Target.Counting.FLOW:
        return ZERO
    return target.baseline_value


def _measured_value(
    measurements: Iterable[TargetMeasurement], as_of: datetime.date
) -> Decimal | None:
    """The latest quarter's value whose quarter had ended by ``as_of``."""
    latest = None
    for m in measurements:
        if quarter_end(m.year, m.quarter) <= as_of and (
            latest is None or (m.year, m.quarter) > (latest.year, latest.quarter)
        ):
            latest = m
    return latest.value if latest else None


def _value(
    target: Target, plan: Plan, landings: _Landings, as_of: datetime.date
) -> tuple[Decimal | None, _Count | None]:
    if target.kind == Target.Kind.MEASURED:
        return _measured_value(target.measurements.all(), as_of), None
    count = _count(target=target, plan=plan, landings=landings, as_of=as_of)
    start = _start(target)
    if start is None:
        return None, count  # a stock whose baseline is not published
    return start + count.landed - count.exited, count


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
    target: Target, plan: Plan, landings: _Landings, as_of: datetime.date
) -> TargetProgress:
    value, count = _value(target, plan, landings, as_of)
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


def target_progress(*, plan: Plan, as_of: datetime.date) -> list[TargetProgress]:
    """Every target of the plan on ``as_of``, in plan order (six queries in all)."""
    check_as_of(plan=plan, as_of=as_of)
    targets = list(plan_targets(plan=plan).prefetch_related("measurements"))
    landings = _load_landings(plan=plan, targets=targets, until=as_of)
    return [_progress(target, plan, landings, as_of) for target in targets]


def quarterly_series(
    *, target: Target, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, Decimal | None]]:
    """The target's value at each quarter end from ``start`` to ``end``."""
    plan = target.plan
    prefetch_related_objects([target], "categories", "measurements")
    end = min(end, timezone.localdate())
    start = max(start, plan.baseline_date)
    landings = _load_landings(plan=plan, targets=[target], until=end)
    return [(day, _value(target, plan, landings, day)[0]) for day in quarter_ends(start, end)]
