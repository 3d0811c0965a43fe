"""Rows of the measurements kind: the value of a measured plan target at the end of a quarter.

A row names the target (its code, Chinese or English name), the quarter (one period
column, 2025Q4 / 2025年第四季度 / 2025-12-31, or year and quarter columns) and the value in
the target's unit. The same target and quarter with the same value is unchanged; another
value updates it through ``plans.services.measurement_record`` (the audit trail keeps the
old one). docs/spreadsheets-importing-kinds.md tells the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.money import Currency
from plans.models import Target, TargetMeasurement
from plans.selectors import plans_visible_to
from plans.services import measurement_quarter_problem, measurement_record

from ..headers import unit_hint_above, unit_hints
from ..values import (
    CellError,
    is_blank,
    normalise_text,
    parse_amount,
    parse_decimal,
    parse_int,
    parse_quarter,
)
from .engine import (
    BATCH,
    CREATE,
    DUPLICATE,
    FAILED,
    UNCHANGED,
    UPDATE,
    RowError,
    RowOutcome,
    column_names,
    importer,
    skipped,
)

CENT = Decimal("0.01")
LARGEST = Decimal("1e12")  # TargetMeasurement.value holds 14 digits, two after the point
YI = Decimal("10000")  # 亿 in 万, the unit parse_amount gives
# What a count written in a cell ends with: 74家, 12个, 5栋.
_COUNT_WORD = re.compile(r"(?:家|个|座|栋|幢|项|户|所)$")
_QUARTER = re.compile(r"第?q?(?P<q>[1-4一二三四])(?:季度?|q)?末?")
_QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_YEAR_WORD = re.compile(r"年度?$")

NO_QUARTER = gettext_lazy(
    "The row gives no quarter: write it in a period column (2025Q4, 2025年第四季度) or in "
    "year and quarter columns."
)
NOT_A_QUARTER = gettext_lazy("“%(value)s” is not a quarter. Write 1 to 4, Q4 or 第四季度.")


def _target_key(text: object) -> str:
    """How a target is looked up: its code or a name, tidied, case and spaces set aside."""
    return "".join(normalise_text(text).casefold().split())


def parse_quarter_number(value: object) -> int:
    """The quarter of a quarter column: 4, Q4, 4Q, 第四季度, 四季度, 第4季度末."""
    text = _target_key(value)
    match = _QUARTER.fullmatch(text)
    if match is None:
        raise CellError(NOT_A_QUARTER, {"value": normalise_text(value)})
    return _QUARTERS[match["q"]]


def parse_year(value: object) -> int:
    """The year of a year column: 2025, 2025年, 2025年度."""
    text = _YEAR_WORD.sub("", normalise_text(value))
    year = parse_int(text)
    if not 2000 <= year <= 2100:
        raise CellError(
            gettext_lazy("“%(value)s” is not a year between 2000 and 2100."),
            {"value": normalise_text(value)},
        )
    return year


@dataclass
class _Row:
    number: int
    target_text: str = ""
    year: int | None = None
    quarter: int | None = None
    value_cell: object = None
    note: str | None = None
    errors: list[RowError] = field(default_factory=list)
    target: Target | None = None
    value: Decimal | None = None

    @property
    def label(self) -> str:
        name = self.target.name if self.target else self.target_text
        period = f"{self.year}Q{self.quarter}" if self.year and self.quarter else ""
        return " ".join(part for part in (name, period) if part)


@importer("measurements")
class MeasurementImporter:
    """Rows of the measurements kind: a measured target's value at the end of a quarter."""

    def __init__(
        self, *, user: User, rows: list[list[object]], header_row: int, mapping: dict[int, str]
    ) -> None:
        self.user = user
        self.mapping = mapping
        headers = rows[header_row] if header_row < len(rows) else []
        self.column_of = column_names(rows, header_row, mapping)
        value_column = next((i for i, name in mapping.items() if name == "value"), None)
        self.value_hint = unit_hints(headers).get(value_column) or unit_hint_above(rows, header_row)
        self.allowed = user.is_authenticated and user.has_any_role(Role.ANALYST, Role.ADMIN)
        self.targets: dict[str, list[Target]] = {}
        visible = Target.objects.filter(plan__in=plans_visible_to(user)).select_related("plan")
        for target in visible.order_by("plan__baseline_date", "position"):
            for name in (target.code, target.name_zh, target.name_en):
                found = self.targets.setdefault(_target_key(name), [])
                if name and target not in found:
                    found.append(target)
        self.stored: dict[tuple[int, int, int], tuple[Decimal, str]] = {
            (target, year, quarter): (value, note)
            for target, year, quarter, value, note in TargetMeasurement.objects.filter(
                target__in=visible
            ).values_list("target_id", "year", "quarter", "value", "note")
        }
        self.seen: dict[tuple[int, int, int], tuple[int, Decimal]] = {}  # → (row, value)
        self.writes: list[tuple[Target, int, int, Decimal, str | None]] = []

    # -- reading a row

    def _error(self, row: _Row, name: str, cell: object, reason: object) -> None:
        shown = "" if cell is None else normalise_text(cell)
        row.errors.append(RowError(row.number, self.column_of.get(name, ""), shown, str(reason)))

    def parse(self, number: int, cells: list[object]) -> _Row:
        row = _Row(number)
        read = {name: cells[i] if i < len(cells) else None for i, name in self.mapping.items()}
        if not self.allowed:
            reason = _("Only analysts and administrators record the values of plan targets.")
            row.errors.append(RowError(number, "", "", reason))
            return row
        for name in ("target", "value"):
            if is_blank(read.get(name)):
                reason = {
                    "target": _("The row names no plan target."),
                    "value": _("The row gives no value."),
                }[name]
                self._error(row, name, None, reason)
        if not is_blank(read.get("target")):
            row.target_text = normalise_text(read["target"])
        row.value_cell = read.get("value")
        if not is_blank(read.get("note")):
            row.note = normalise_text(read["note"], multiline=True)
        self._period(row, read)
        return row

    def _period(self, row: _Row, read: dict[str, object]) -> None:
        """The row's quarter: the period column, else the year and quarter columns."""
        if not is_blank(read.get("period")):
            try:
                row.year, row.quarter = parse_quarter(read["period"])
            except CellError as error:
                self._error(row, "period", read["period"], error.message)
            return
        if is_blank(read.get("year")) and is_blank(read.get("quarter")):
            self._error(row, "period", None, NO_QUARTER)
            return
        for name, parse in (("year", parse_year), ("quarter", parse_quarter_number)):
            if is_blank(read.get(name)):
                self._error(row, name, None, NO_QUARTER)
                continue
            try:
                setattr(row, name, parse(read[name]))
            except CellError as error:
                self._error(row, name, read[name], error.message)

    def _target(self, row: _Row) -> Target | None:
        """The target the row names; among several plans', the one whose period holds the
        row's quarter."""
        found = self.targets.get(_target_key(row.target_text), [])
        if not found:
            reason = _("No plan target is called “%(name)s”.") % {"name": row.target_text}
            self._error(row, "target", row.target_text, reason)
            return None
        if len(found) > 1 and row.year and row.quarter:
            holding = [
                t
                for t in found
                if not measurement_quarter_problem(target=t, year=row.year, quarter=row.quarter)
            ]
            # A quarter that ends on one plan's horizon and the next one's baseline date
            # belongs to the plan that runs to it.
            found = holding if len(holding) <= 1 else [max(holding, key=_ends_first)]
            found = found or self.targets[_target_key(row.target_text)]
        if len({t.plan_id for t in found}) > 1:
            reason = _(
                "Several plans have a target called “%(name)s” (%(plans)s), and the row's "
                "quarter does not tell which: use the target's code with a quarter in its plan."
            ) % {"name": row.target_text, "plans": "、".join(t.plan.name for t in found)}
            self._error(row, "target", row.target_text, reason)
            return None
        return found[0]

    def _value(self, row: _Row, target: Target) -> Decimal | None:
        cell = row.value_cell
        try:
            value = self._read_value(cell, target)
        except CellError as error:
            self._error(row, "value", cell, error.message)
            return None
        value = value.quantize(CENT, rounding=ROUND_HALF_UP)
        if value < 0:
            reason = _("A value cannot be negative.")
        elif value >= LARGEST:
            reason = _("The value is too large.")
        elif target.unit == Target.Unit.PERCENT and value > 100:
            reason = _("A share cannot be more than 100%.")
        else:
            return value
        self._error(row, "value", cell, reason)
        return None

    def _read_value(self, cell: object, target: Target) -> Decimal:
        """The cell's value in the target's unit."""
        if target.unit == Target.Unit.HUNDRED_MILLION_CNY:
            # A bare number is in the target's unit, 亿元, unless the header says otherwise.
            hint = self.value_hint
            unit = hint.unit if hint and hint.unit else "yi"
            amount = parse_amount(cell, default_currency=Currency.CNY, unit_hint=unit)
            if amount.currency != Currency.CNY:
                raise CellError(
                    gettext_lazy("“%(value)s”: this target is counted in yuan (亿元)."),
                    {"value": normalise_text(cell)},
                )
            return amount.amount / YI
        if isinstance(cell, str):
            return parse_decimal(_COUNT_WORD.sub("", normalise_text(cell)))
        number = parse_decimal(cell)
        if target.unit == Target.Unit.PERCENT and 0 < number < 1:
            return number * 100  # a cell formatted as a percentage: Excel stores 85% as 0.85
        return number

    # -- deciding

    def decide(self, chunk: list[tuple[int, list[object]]]) -> list[RowOutcome]:
        """What each row of a batch does; collects the writes for :meth:`apply`."""
        outcomes = []
        for number, cells in chunk:
            if skipped(cells):
                continue
            row = self.parse(number, cells)
            if row.target_text:
                row.target = self._target(row)
            if row.target is not None:
                self._check(row, row.target)
            outcomes.append(self._outcome(row))
        return outcomes

    def _check(self, row: _Row, target: Target) -> None:
        if target.kind != Target.Kind.MEASURED:
            problem = measurement_quarter_problem(target=target, year=2000, quarter=1)
            self._error(row, "target", row.target_text, problem)
            return
        if row.year and row.quarter:
            problem = measurement_quarter_problem(target=target, year=row.year, quarter=row.quarter)
            if problem:
                name = "period" if "period" in self.column_of else "year"
                shown = f"{row.year}Q{row.quarter}"
                row.errors.append(
                    RowError(row.number, self.column_of.get(name, ""), shown, problem)
                )
        if not is_blank(row.value_cell):
            row.value = self._value(row, target)

    def _outcome(self, row: _Row) -> RowOutcome:
        if row.errors:
            return RowOutcome(row.number, FAILED, row.errors, row.label)
        target, value = row.target, row.value
        key = (target.pk, row.year, row.quarter)
        if key in self.seen:
            first, first_value = self.seen[key]
            if first_value == value:
                reason = _("The same target and quarter as row %(row)s of this file.") % {
                    "row": first
                }
                error = RowError(row.number, "", "", reason)
                return RowOutcome(row.number, DUPLICATE, [error], row.label)
            reason = _(
                "Row %(row)s of this file gives another value (%(value)s) for the same target "
                "and quarter."
            ) % {"row": first, "value": first_value}
            error = RowError(row.number, self.column_of.get("value", ""), str(value), reason)
            return RowOutcome(row.number, FAILED, [error], row.label)
        self.seen[key] = (row.number, value)
        stored = self.stored.get(key)
        if stored is not None and stored[0] == value and row.note in (None, stored[1]):
            return RowOutcome(row.number, UNCHANGED, [], row.label)
        self.writes.append((target, row.year, row.quarter, value, row.note))
        return RowOutcome(row.number, CREATE if stored is None else UPDATE, [], row.label)

    # -- writing

    def apply(self, *, checkpoint: Callable[[int, int], None]) -> None:
        """Write what :meth:`decide` collected, through ``plans.services``."""
        total = len(self.writes)
        for done, (target, year, quarter, value, note) in enumerate(self.writes):
            if done % BATCH == 0:
                checkpoint(done, total)
            measurement_record(
                target=target, year=year, quarter=quarter, value=value, note=note, actor=self.user
            )
        checkpoint(total, total)


def _ends_first(target: Target) -> int:
    """Rank for a quarter two plans hold: the earlier plan's (it ends there) first."""
    return -target.plan.baseline_date.toordinal()
