"""Writes on plans: loading a plan file into the database; quarterly values of targets."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .loader import PlanFileError, PlanSpec, read_plan_file
from .models import Category, Plan, Target, TargetMeasurement


@dataclass
class PlanLoadReport:
    plan: Plan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def plan_load_file(*, path: Path | str) -> PlanLoadReport:
    """Load a plan file; raise PlanFileError, changing nothing, if the file is malformed."""
    return plan_load(spec=read_plan_file(path))


@transaction.atomic
def plan_load(*, spec: PlanSpec) -> PlanLoadReport:
    """Create or update a plan, its categories and targets so that they match ``spec``.

    Rows that already match are not written, so loading the same file twice changes
    nothing. Categories and targets missing from the file are kept (records may refer to
    them) and reported, for an analyst to retire in the admin.
    """
    plan = Plan.objects.filter(code=spec.code).first() or Plan(code=spec.code)
    report = PlanLoadReport(plan=plan)
    _upsert(plan, spec.values, report, where=(spec.source, ""))

    existing = {c.code: c for c in Category.objects.filter(plan=plan)}
    by_code: dict[str, Category] = {}
    for item in spec.categories:
        category = existing.get(item.code) or Category(plan=plan, code=item.code)
        values = {
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "position": item.position,
            "parent": by_code[item.parent_code] if item.parent_code else None,
        }
        _upsert(category, values, report, where=(spec.source, f"categories.{item.code}"))
        by_code[item.code] = category

    targets = {t.code: t for t in Target.objects.filter(plan=plan).prefetch_related("categories")}
    for item in spec.targets:
        target = targets.get(item.code) or Target(plan=plan, code=item.code)
        item.values.update(_figures_kept(target, item.values))
        changed_before = report.created + report.updated
        _upsert(target, item.values, report, where=(spec.source, f"targets.{item.code}"))
        wanted = {by_code[code].pk for code in item.category_codes}
        if {c.pk for c in target.categories.all()} != wanted:
            target.categories.set(wanted)
            if report.created + report.updated == changed_before:
                report.unchanged -= 1
                report.updated += 1

    report.not_in_file = sorted(
        [code for code in existing if code not in by_code]
        + [code for code in targets if code not in {t.code for t in spec.targets}]
    )
    return report


# Figures the plan does not publish are absent from its file. An analyst who later learns
# one types it into the admin; reloading the file must not wipe it.
ANALYST_FIGURES = ("baseline_value", "target_value", "target_value_max")


def _figures_kept(target: Target, values: dict[str, Any]) -> dict[str, Any]:
    """The stored figures to keep because the file leaves them empty."""
    kept = {
        name: getattr(target, name)
        for name in ANALYST_FIGURES
        if values.get(name) is None and getattr(target, name) is not None
    }
    if "baseline_value" in kept and values.get("basis") == Target.Basis.DOUBLE:
        kept["target_value"] = kept["baseline_value"] * 2
    return kept


def _upsert(
    obj: models.Model, values: dict[str, Any], report: PlanLoadReport, *, where: tuple[str, str]
) -> None:
    """Assign ``values``; save (after full_clean) only if the row is new or differs."""
    is_new = obj.pk is None
    changed = is_new
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if not changed:
        report.unchanged += 1
        return
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        key = where[1] if field == "__all__" else f"{where[1]}.{field}".lstrip(".")
        raise PlanFileError(where[0], key, "; ".join(messages)) from None
    obj.save()
    if is_new:
        report.created += 1
    else:
        report.updated += 1


# ---------------------------------------------------------------- measurements


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def measurement_quarter_problem(*, target: Target, year: int, quarter: int) -> str | None:
    """Why ``target`` takes no value for the quarter, or None when it does.

    Count targets are counted from landings; a measured one takes values for the quarters
    that end between its plan's baseline date and its horizon, both included.
    """
    if target.kind != Target.Kind.MEASURED:
        return _(
            "“%(target)s” is a count target: Landfall counts it from landings, so it takes "
            "no values."
        ) % {"target": target.name}
    plan = target.plan
    params = {"year": year, "quarter": quarter, "plan": plan.name}
    end = _quarter_end(year, quarter)
    if end < plan.baseline_date:
        params["date"] = plan.baseline_date.isoformat()
        return (
            _("%(year)sQ%(quarter)s ends before the baseline date of %(plan)s (%(date)s).") % params
        )
    if end > plan.horizon_date:
        params["date"] = plan.horizon_date.isoformat()
        return _("%(year)sQ%(quarter)s ends after the horizon of %(plan)s (%(date)s).") % params
    return None


@transaction.atomic
def measurement_record(
    *,
    target: Target,
    year: int,
    quarter: int,
    value: Decimal,
    note: str | None = None,
    actor: User | None,
) -> TargetMeasurement:
    """Record the value of a measured target at the end of a quarter, or correct it.

    A stored value that differs is overwritten; the audit trail keeps the old one. A
    ``note`` of None keeps the stored note. Nothing is written when nothing differs.
    Raises ``ValidationError`` for a count target or a quarter outside the plan.
    """
    problem = measurement_quarter_problem(target=target, year=year, quarter=quarter)
    if problem:
        raise ValidationError({"target": problem})
    stored = TargetMeasurement.objects.select_for_update().filter(
        target=target, year=year, quarter=quarter
    )
    measurement = stored.first() or TargetMeasurement(target=target, year=year, quarter=quarter)
    differs = measurement.value != value or (note is not None and note != measurement.note)
    if measurement.pk is not None and not differs:
        return measurement
    measurement.value = value
    if note is not None:
        measurement.note = note
    measurement.recorded_by = actor if actor is not None and actor.is_authenticated else None
    measurement.full_clean()
    measurement.save()
    return measurement
