"""The quarterly tally workbook (季度统计表): one plan's quarter, for leadership, in one language.

Entry point: ``tally_workbook(*, plan, year, quarter, user, language) -> bytes``, the .xlsx
file. The page (``spreadsheets.tally_views``) and the command (``export_tally``) both call
it; ``check_quarter`` says beforehand whether a quarter can be tallied.

Each sheet is one function taking the ``Tally`` (plan, quarter, user, dates) and returning a
``Sheet`` (a title, columns and lines): the figures come from ``pipeline.progress`` and the
per-user scoping selectors, never from a table read directly, and ``_write`` lays every
sheet out the same way (title rows, header, frozen panes, formats, A4 landscape printing).
To add a sheet, write a function like those below and list it in ``SHEETS``.

Dates: a quarter's figures are read on its last day; for the quarter still running, on
today (quarter to date). docs/spreadsheets-tally.md defines every figure.
"""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import User
from core.bilingual import pick
from crm.models import (
    Building,
    ExitKind,
    Institution,
    InstitutionType,
    InteractionKind,
    Milestone,
    MilestoneKind,
    TaxTier,
)
from crm.selectors import (
    buildings_visible_to,
    institutions_visible_to,
    interactions_visible_to,
    milestones_visible_to,
)
from pipeline.models import LostReason, Project, Stage, StageChange, StageKind, Vehicle
from pipeline.progress import TargetReport, plan_progress, quarter_end
from pipeline.selectors import is_named_to, named_filter, projects_visible_to
from plans.models import Category, Plan, Target
from plans.selectors import category_tree

from .exports import could_become_formula
from .values import CellError, parse_quarter

# Number formats of the cells (Excel's codes; they read the same in every language).
INTEGER = "#,##0"
AMOUNT = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"

TITLE_ROWS = 3  # title, plan and quarter, generated at/by
HEADER_ROW = TITLE_ROWS + 1
SHEET_NAME_LIMIT = 31  # Excel's
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
CELL_LIMIT = 32_767  # characters in one Excel cell
SEPARATOR = "、"  # between names in one cell, as Chinese ledgers write lists


# ---------------------------------------------------------------- quarters


def parse_quarter_code(value: str) -> tuple[int, int]:
    """(year, quarter) from 2025Q4, 2025年第四季度 or a quarter's last day.

    ``spreadsheets.values.parse_quarter``, as the imports read quarters; raises its
    ``CellError`` (a ``ValueError``, whose text is the translated message) otherwise.
    """
    if not (value or "").strip():
        raise CellError(_("Give a quarter, e.g. 2025Q4."), code="blank")
    return parse_quarter(value)


def quarter_code(year: int, quarter: int) -> str:
    """The quarter as the command line and file names write it: 2025Q4."""
    return "%dQ%d" % (year, quarter)


def quarter_name(year: int, quarter: int) -> str:
    """The quarter in words of the active language: 2025 Q4, 2025年第4季度."""
    return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, quarter * 3 - 2, 1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_containing(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def last_ended_quarter(today: datetime.date | None = None) -> tuple[int, int]:
    """The latest quarter whose last day has passed: the form's default."""
    return previous_quarter(*quarter_containing(today or timezone.localdate()))


def first_quarter(plan: Plan) -> tuple[int, int]:
    """The first quarter that ends after the plan's baseline date."""
    year, quarter = quarter_containing(plan.baseline_date)
    if quarter_end(year, quarter) <= plan.baseline_date:
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return year, quarter


def check_quarter(*, plan: Plan, year: int, quarter: int) -> None:
    """Refuse a quarter that ends on or before the plan's baseline date, or has not begun."""
    if quarter not in (1, 2, 3, 4) or not 1900 <= year <= 9999:
        raise ValidationError(_("Not a quarter."), code="invalid")
    if quarter_end(year, quarter) <= plan.baseline_date:
        raise ValidationError(
            _(
                "The plan counts from its baseline date, %(date)s: choose %(first)s or a later "
                "quarter."
            )
            % {
                "date": plan.baseline_date.isoformat(),
                "first": quarter_name(*first_quarter(plan)),
            },
            code="before_baseline",
        )
    today = timezone.localdate()
    if quarter_start(year, quarter) > today:
        raise ValidationError(
            _("%(quarter)s has not begun yet: choose %(current)s or an earlier quarter.")
            % {
                "quarter": quarter_name(year, quarter),
                "current": quarter_name(*quarter_containing(today)),
            },
            code="future",
        )


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the office's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# ---------------------------------------------------------------- what a sheet is


@dataclass
class Column:
    header: str
    width: float = 12
    number_format: str | None = None
    wrap: bool = False


@dataclass
class Line:
    values: list
    indent: int = 0  # of the first cell: a category's depth in the tree
    bold: bool = False  # totals
    formats: dict[int, str] = field(default_factory=dict)  # column index → format, this line


@dataclass
class Sheet:
    name: str  # the tab, ≤ 31 characters once cleaned
    title: str
    columns: list[Column]
    lines: list[Line]
    notes: list[str] = field(default_factory=list)
    frozen_columns: int = 1  # columns kept in view when scrolling right


# ---------------------------------------------------------------- the tally


@dataclass
class Tally:
    """The plan, the quarter and the reader: every sheet is built from this."""

    plan: Plan
    user: User
    year: int
    quarter: int
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def start(self) -> datetime.date:
        return quarter_start(self.year, self.quarter)

    @property
    def end(self) -> datetime.date:
        return quarter_end(self.year, self.quarter)

    @property
    def current(self) -> bool:
        """Whether the quarter is still running (then counted to today)."""
        return self.end >= timezone.localdate()

    @property
    def as_of(self) -> datetime.date:
        """The day the figures are read on: the quarter's last day, or today."""
        return min(self.end, timezone.localdate())

    @property
    def previous_end(self) -> datetime.date:
        """Where "this quarter" counts from: the previous quarter end (or the baseline date)."""
        return max(quarter_end(*previous_quarter(self.year, self.quarter)), self.plan.baseline_date)

    @property
    def year_since(self) -> datetime.date:
        """Where "year to date" counts from: the previous year end (or the baseline date)."""
        return max(datetime.date(self.year - 1, 12, 31), self.plan.baseline_date)

    @property
    def label(self) -> str:
        return quarter_name(self.year, self.quarter)

    def period_of(self, day: datetime.date) -> tuple[bool, bool, bool]:
        """Whether a date in (baseline, as-of] falls in the quarter, the year to date, the plan."""
        return day > self.previous_end, day > self.year_since, day > self.plan.baseline_date

    # ---- loaded once, shared by several sheets

    @cached_property
    def reports(self) -> list[TargetReport]:
        """Every target of the plan at the as-of date, with its quarterly series."""
        return plan_progress(plan=self.plan, as_of=self.as_of, series=True)

    @cached_property
    def categories(self) -> list[tuple[Category, int]]:
        """The plan's categories in tree order, with their depth."""
        found: list[tuple[Category, int]] = []

        def walk(nodes) -> None:
            for node in nodes:
                found.append((node.category, node.depth))
                walk(node.children)

        walk(category_tree(plan=self.plan))
        return found

    @cached_property
    def top_of(self) -> dict[int, int]:
        """Each category of the plan → its top-level category."""
        parents = {category.pk: category.parent_id for category, _depth in self.categories}
        tops = {}
        for pk in parents:
            top = pk
            while parents.get(top) is not None:
                top = parents[top]
            tops[pk] = top
        return tops

    def registrations_since_baseline(self) -> QuerySet[Milestone]:
        """The registrations dated after the baseline date, up to the as-of date."""
        return milestones_visible_to(self.user).filter(
            kind=MilestoneKind.REGISTERED, date__gt=self.plan.baseline_date, date__lte=self.as_of
        )

    @cached_property
    def registrations(self) -> list[tuple[int, datetime.date, int | None, int | None]]:
        """(institution, date, building, institution's building) of each registration since
        the baseline date, by date."""
        return list(
            self.registrations_since_baseline()
            .order_by("date", "pk")
            .values_list("institution_id", "date", "building_id", "institution__building_id")
        )

    @cached_property
    def registered_institutions(self) -> dict[int, tuple[str, str, str]]:
        """pk → (country, Chinese name, English name) of the institutions registered since
        the baseline date."""
        rows = (
            institutions_visible_to(self.user)
            .filter(pk__in=self.registrations_since_baseline().values("institution_id"))
            .order_by()
            .values_list("pk", "country", "name_zh", "name_en")
        )
        return {pk: (country, zh, en) for pk, country, zh, en in rows}


def _text(value: object) -> str:
    """A value as a cell's text, never longer than a cell holds."""
    text = "" if value is None else str(value)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"


def _joined(names: Iterable[str]) -> str:
    return _text(SEPARATOR.join(name for name in names if name))


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


def _person(user: User | None) -> str:
    return str(user) if user is not None else ""


# ---------------------------------------------------------------- 1. target progress


def _value_on(report: TargetReport, day: datetime.date) -> Decimal | None:
    for when, value in report.series:
        if when == day:
            return value
    return None


def _change(report: TargetReport, since: datetime.date) -> Decimal | None:
    """The value at the as-of date less the value on ``since`` (None if either is unknown)."""
    now, before = report.progress.value, _value_on(report, since)
    if now is None or before is None:
        return None
    return now - before


def _published(value: Decimal | None) -> Decimal | str:
    return _("not published") if value is None else value


def _known(value: Decimal | None) -> Decimal | str:
    return "—" if value is None else value


def target_progress_sheet(tally: Tally) -> Sheet:
    """Each target on the quarter's last day: the same figures as the progress page."""
    columns = [
        Column(_("Code"), 22),
        Column(_("Target"), 30, wrap=True),
        Column(_("Unit"), 12),
        Column(_("Baseline"), 12),
        Column(pgettext("value wanted", "Target"), 12),
        Column(_("Comparator"), 12),
        Column(_("Due date"), 11, DATE),
        Column(_("Value as of %(date)s") % {"date": tally.as_of.isoformat()}, 13),
        Column(_("Change this quarter"), 12),
        Column(_("Change year to date"), 12),
        Column(_("Complete"), 10, PERCENT),
        Column(_("Required pace per quarter"), 12, AMOUNT),
        Column(_("Actual pace per quarter"), 12, AMOUNT),
        Column(_("On pace"), 8),
        Column(_("Projection at the due date"), 13),
        Column(_("Measured in"), 12),
    ]
    lines = []
    for report in tally.reports:
        target, progress = report.target, report.progress
        number = INTEGER if target.kind == Target.Kind.COUNT else AMOUNT
        comparator = target.get_comparator_display()
        if target.target_value_max is not None:
            comparator = _("%(comparator)s (up to %(max)s)") % {
                "comparator": comparator,
                "max": f"{target.target_value_max.normalize():f}",
            }
        lines.append(
            Line(
                [
                    target.code,
                    target.name,
                    target.get_unit_display(),
                    _published(progress.baseline),
                    _published(progress.target),
                    comparator,
                    target.due_date,
                    _known(progress.value),
                    _known(_change(report, tally.previous_end)),
                    _known(_change(report, tally.year_since)),
                    "—" if progress.percent is None else progress.percent / 100,
                    _known(progress.required_pace),
                    _known(progress.actual_pace),
                    _yes_no(progress.on_pace),
                    _known(progress.projection),
                    quarter_name(*report.measured_in) if report.measured_in else "",
                ],
                formats={3: number, 4: number, 7: number, 8: number, 9: number, 14: number},
            )
        )
    return Sheet(
        name=_("Target progress"),
        title=_("Target progress"),
        columns=columns,
        lines=lines,
        notes=[
            _(
                "Figures as on the target progress page on the as-of date. Change: the value "
                "at the as-of date less the value at the previous quarter end (this quarter) "
                "or the previous year end (year to date); for a count target, the landings "
                "less the exits of counted institutions."
            ),
            _(
                "Complete: of the way from the baseline (zero for a flow) to the target. Pace: "
                "change per quarter since the baseline date, required to reach the target by "
                "its due date and actual so far."
            ),
        ],
    )


# ---------------------------------------------------------------- 2. landings in the quarter


LANDING_FIELDS = (
    "date",
    "kind",
    "uscc",
    "registered_capital",
    "registered_capital_currency",
    "building__name_zh",
    "building__name_en",
    "licence_type",
    "recognition",
    "recognised_by",
    "exit_kind",
    "reason",
    "project_id",
    "project__owner_id",
    "institution_id",
    "institution__name_zh",
    "institution__name_en",
    "institution__uscc",
    "institution__institution_type",
    "institution__country",
    "institution__registered_capital",
    "institution__registered_capital_currency",
    "institution__building__name_zh",
    "institution__building__name_en",
    "institution__owner_id",
)


def _label(choices, value: str) -> str:
    """The label of ``value`` in a TextChoices, in the active language; the value if unknown."""
    member = choices._value2member_map_.get(value)
    return str(member.label) if member is not None else value


def _milestone_details(row: dict) -> str:
    kind = row["kind"]
    if kind == MilestoneKind.LICENSED:
        return row["licence_type"]
    if kind == MilestoneKind.RECOGNISED:
        return " · ".join(part for part in (row["recognition"], row["recognised_by"]) if part)
    if kind == MilestoneKind.EXITED:
        exit_kind = _label(ExitKind, row["exit_kind"]) if row["exit_kind"] else ""
        return " · ".join(part for part in (exit_kind, row["reason"]) if part)
    return ""


def landings_sheet(tally: Tally) -> Sheet:
    """One row per milestone (registered, licensed, recognised, exited) dated in the quarter.

    The officer is the owner of the project behind the milestone when that project is named
    to the reader, else the institution's owner: a confidential project is never revealed.
    """
    milestones = milestones_visible_to(tally.user).filter(
        date__gte=tally.start,
        date__lte=tally.as_of,
        institution__in=institutions_visible_to(tally.user),
    )
    rows = list(
        milestones.order_by("date", "kind", "institution__name_zh", "pk").values(*LANDING_FIELDS)
    )
    categories: dict[int, list[str]] = defaultdict(list)
    if rows:
        order = {category.pk: i for i, (category, _depth) in enumerate(tally.categories)}
        names = {category.pk: category.name for category, _depth in tally.categories}
        links = sorted(
            Institution.categories.through.objects.filter(
                institution__in=milestones.values("institution_id"), category__plan=tally.plan
            ).values_list("institution_id", "category_id"),
            key=lambda link: order.get(link[1], 0),
        )
        for institution_id, category_id in links:
            categories[institution_id].append(names.get(category_id, ""))
    project_ids = {row["project_id"] for row in rows if row["project_id"]}
    named = {
        project.pk
        for project in projects_visible_to(tally.user)
        .filter(pk__in=project_ids)
        .only("pk", "confidential", "owner_id", "team_id")
        if is_named_to(tally.user, project)
    }
    for row in rows:
        by_project = row["project_id"] in named and row["project__owner_id"]
        row["officer"] = row["project__owner_id"] if by_project else row["institution__owner_id"]
    officer_ids = {row["officer"] for row in rows} - {None}
    people = {user.pk: user for user in User.objects.filter(pk__in=officer_ids)}
    lines = []
    for row in rows:
        if row["kind"] == MilestoneKind.REGISTERED and row["registered_capital"] is not None:
            capital, currency = row["registered_capital"], row["registered_capital_currency"]
        else:
            capital = row["institution__registered_capital"]
            currency = row["institution__registered_capital_currency"]
        if row["building__name_zh"]:
            building = pick(row["building__name_zh"], row["building__name_en"])
        else:
            building = pick(
                row["institution__building__name_zh"] or "",
                row["institution__building__name_en"] or "",
            )
        country = row["institution__country"]
        lines.append(
            Line(
                [
                    row["date"],
                    _label(MilestoneKind, row["kind"]),
                    pick(row["institution__name_zh"], row["institution__name_en"]),
                    row["institution__uscc"] or row["uscc"] or "",
                    _label(InstitutionType, row["institution__institution_type"]),
                    _joined(categories.get(row["institution_id"], ())),
                    countries.name(country) if country else "",
                    "" if capital is None else capital,
                    currency if capital is not None else "",
                    building,
                    _person(people.get(row["officer"])),
                    _milestone_details(row),
                ]
            )
        )
    return Sheet(
        name=_("Landings in the quarter"),
        title=_("Landings in the quarter"),
        columns=[
            Column(_("Date"), 11, DATE),
            Column(_("Milestone"), 18, wrap=True),
            Column(_("Institution"), 32, wrap=True),
            Column(_("Unified social credit code"), 21),
            Column(_("Institution type"), 16, wrap=True),
            Column(_("Plan categories"), 24, wrap=True),
            Column(_("Country of origin"), 14),
            Column(_("Registered capital (10,000s)"), 14, AMOUNT),
            Column(_("Currency"), 8),
            Column(_("Building"), 20, wrap=True),
            Column(_("Officer"), 12),
            Column(_("Details"), 24, wrap=True),
        ],
        lines=lines,
        notes=[
            _(
                "Registered capital: as registered, else the institution's; in ten-thousands "
                "of the currency shown, not converted. Officer: the owner of the project that "
                "produced the landing, else the institution's owner."
            )
        ],
        frozen_columns=3,
    )


# ---------------------------------------------------------------- 3. the pipeline


@dataclass
class _Cell:
    count: int = 0
    capital: Decimal = Decimal(0)


def _projects_at(tally: Tally) -> list[tuple[int, int, bool, Decimal | None, str, bool]]:
    """(project, stage, moved in the quarter, expected capital, currency, named) of every
    visible project on the as-of date.

    For the running quarter, its current stage; for a past one, the stage of its last move
    on or before the quarter's last day (projects created after it are left out). A project
    moved in the quarter entered that stage in the quarter: its last move is in it.
    """
    projects = projects_visible_to(tally.user).order_by()
    since = _day_start(tally.start)
    until = _day_start(tally.as_of + datetime.timedelta(1))
    is_named = ExpressionWrapper(named_filter(tally.user), output_field=BooleanField())
    fields = ("expected_registered_capital", "expected_registered_capital_currency", "is_named")
    if tally.current:
        moved = ExpressionWrapper(Q(stage_entered_at__gte=since), output_field=BooleanField())
        return list(
            projects.annotate(moved=moved, is_named=is_named).values_list(
                "pk", "stage_id", "moved", *fields
            )
        )
    last = StageChange.objects.filter(project=OuterRef("pk"), changed_at__lt=until).order_by(
        "-changed_at", "-pk"
    )
    in_quarter = StageChange.objects.filter(
        project=OuterRef("pk"), changed_at__gte=since, changed_at__lt=until
    )
    return list(
        projects.annotate(
            stage_at=Subquery(last.values("to_stage_id")[:1]),
            moved=Exists(in_quarter),
            is_named=is_named,
        )
        .filter(stage_at__isnull=False)
        .values_list("pk", "stage_at", "moved", *fields)
    )


def _project_tops(tally: Tally) -> dict[int, set[int]]:
    """Visible project → the top-level categories of the plan it falls under."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = Project.categories.through.objects.filter(
        project__in=projects_visible_to(tally.user), category__plan=tally.plan
    ).values_list("project_id", "category_id")
    for project_id, category_id in rows:
        found[project_id].add(tally.top_of.get(category_id, category_id))
    return found


def pipeline_sheet(tally: Tally) -> Sheet:
    """Projects by stage × top-level category, with expected registered capital in CNY.

    Open and on-hold stages count the projects standing there on the as-of date; landed and
    lost ones those that entered them in the quarter. Every visible project is counted;
    capital is summed over the projects named to the reader (as on the board) and in yuan
    only: other currencies are counted, not converted.
    """
    stages = list(Stage.objects.order_by("position", "pk"))
    closed = {stage.pk for stage in stages if stage.kind in (StageKind.WON, StageKind.LOST)}
    rows = [row for row in _projects_at(tally) if row[1] not in closed or row[2]]
    links = _project_tops(tally) if rows else {}
    tops = [category for category, depth in tally.categories if depth == 0]
    uncategorised = 0  # the key of the column of projects with no category of this plan
    keys = [category.pk for category in tops] + [uncategorised]
    cells: dict[tuple[int, int], _Cell] = defaultdict(_Cell)
    totals: dict[int, list] = defaultdict(lambda: [0, Decimal(0), 0, 0])
    for pk, stage_id, _moved, amount, currency, named in rows:
        for key in links.get(pk) or {uncategorised}:
            cell = cells[stage_id, key]
            cell.count += 1
            if named and amount is not None and currency == "CNY":
                cell.capital += amount
        total = totals[stage_id]
        total[0] += 1
        if named and amount is not None:
            if currency == "CNY":
                total[1] += amount
            else:
                total[2] += 1
        if not named:
            total[3] += 1

    columns = [Column(_("Stage"), 14), Column(_("Counted"), 16, wrap=True)]
    for category in tops:
        columns += [
            Column(_("%(category)s: projects") % {"category": category.name}, 11, INTEGER, True),
            Column(
                _("%(category)s: expected capital (CNY 10,000s)") % {"category": category.name},
                14,
                AMOUNT,
                True,
            ),
        ]
    columns += [
        Column(_("No category of this plan: projects"), 11, INTEGER, True),
        Column(_("No category of this plan: expected capital (CNY 10,000s)"), 14, AMOUNT, True),
        Column(_("All projects"), 10, INTEGER, True),
        Column(_("All: expected capital (CNY 10,000s)"), 14, AMOUNT, True),
        Column(_("Capital in other currencies (projects)"), 13, INTEGER, True),
        Column(_("Not named to you (capital left out)"), 13, INTEGER, True),
    ]
    lines = []
    grand = [0] * (len(keys) * 2 + 4)
    for stage in stages:
        values: list = [
            stage.name,
            _("entered this quarter") if stage.pk in closed else _("on the as-of date"),
        ]
        for key in keys:
            cell = cells.get((stage.pk, key), _Cell())
            values += [cell.count, cell.capital]
        values += totals[stage.pk] if stage.pk in totals else [0, Decimal(0), 0, 0]
        for i, value in enumerate(values[2:]):
            grand[i] += value
        lines.append(Line(values))
    lines.append(Line([_("Total"), "", *grand], bold=True))
    return Sheet(
        name=_("Pipeline"),
        title=_("Pipeline by stage and category"),
        columns=columns,
        lines=lines,
        notes=[
            _(
                "Open and on-hold stages: the projects standing there on the as-of date (for "
                "a past quarter, as their stage history says). Landed and lost: the projects "
                "that entered them in the quarter."
            ),
            _(
                "A project is counted under each top-level category it falls in, and once in "
                "the totals. Expected capital is summed in yuan only, over the projects named "
                "to you; projects in other currencies are counted, not converted."
            ),
        ],
        frozen_columns=2,
    )


# ---------------------------------------------------------------- 4. projects lost


def lost_sheet(tally: Tally) -> Sheet:
    """The projects moved to a lost stage in the quarter (the last such move of each).

    A confidential project not named to the reader shows its code name, team and owner
    only: its institution, title, amounts, reason, note and competing locations stay
    hidden, as in the funnel review.
    """
    changes = (
        StageChange.objects.filter(
            project__in=projects_visible_to(tally.user),
            to_stage__kind=StageKind.LOST,
            changed_at__gte=_day_start(tally.start),
            changed_at__lt=_day_start(tally.as_of + datetime.timedelta(1)),
        )
        .select_related("project__institution", "project__owner", "project__team", "from_stage")
        .order_by("changed_at", "pk")
    )
    latest: dict[int, StageChange] = {}
    for change in changes:
        latest.pop(change.project_id, None)  # keep the order of the last move
        latest[change.project_id] = change
    hidden = _("(confidential)")
    lines = []
    for change in latest.values():
        project = change.project
        when = timezone.localtime(change.changed_at).date()
        common = [
            when,
            project.team.name if project.team else "",
            _person(project.owner),
            change.from_stage.name if change.from_stage else "",
        ]
        if is_named_to(tally.user, project):
            amount = project.expected_registered_capital
            values = [
                common[0],
                project.title,
                project.institution.name,
                *common[1:],
                _label(Vehicle, project.vehicle),
                "" if amount is None else amount,
                project.expected_registered_capital_currency if amount is not None else "",
                _label(LostReason, project.lost_reason),
                project.lost_note,
                _joined(project.competing_locations or []),
            ]
        else:
            values = [
                common[0],
                project.code_name,
                hidden,
                *common[1:],
                "",
                "",
                "",
                hidden,
                "",
                "",
            ]
        lines.append(Line(values))
    return Sheet(
        name=_("Projects lost"),
        title=_("Projects lost in the quarter"),
        columns=[
            Column(_("Date lost"), 11, DATE),
            Column(_("Project"), 26, wrap=True),
            Column(_("Institution"), 28, wrap=True),
            Column(_("Team"), 14),
            Column(_("Owner"), 12),
            Column(_("Stage before"), 12),
            Column(_("Vehicle"), 14),
            Column(_("Expected registered capital (10,000s)"), 14, AMOUNT),
            Column(_("Currency"), 8),
            Column(_("Reason lost"), 18, wrap=True),
            Column(_("Note on the loss"), 30, wrap=True),
            Column(_("Competing locations"), 22, wrap=True),
        ],
        lines=lines,
        notes=[
            _(
                "Confidential projects not named to you show their code name only. A project "
                "lost more than once in the quarter appears once, on its last loss."
            )
        ],
        frozen_columns=2,
    )


# ---------------------------------------------------------------- 5. landings by category


def _plan_quarters(tally: Tally) -> list[tuple[int, int]]:
    found, current = [], first_quarter(tally.plan)
    while current <= (tally.year, tally.quarter):
        found.append(current)
        year, quarter = current
        current = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return found


def _institution_categories(tally: Tally) -> dict[int, set[int]]:
    """Institution registered since the baseline → its categories of the plan."""
    found: dict[int, set[int]] = defaultdict(set)
    registered = tally.registrations_since_baseline().values("institution_id")
    rows = Institution.categories.through.objects.filter(
        institution__in=institutions_visible_to(tally.user).filter(pk__in=registered),
        category__plan=tally.plan,
    ).values_list("institution_id", "category_id")
    for institution_id, category_id in rows:
        found[institution_id].add(category_id)
    return found


def categories_sheet(tally: Tally) -> Sheet:
    """Registrations per category and quarter, from the plan's first quarter to this one.

    A registration counts under each category of the institution and every category above
    it, once per row however many of that subtree's categories it has.
    """
    quarters = _plan_quarters(tally)
    column_of = {q: i for i, q in enumerate(quarters)}
    own = _institution_categories(tally)
    parents = {category.pk: category.parent_id for category, _depth in tally.categories}

    def with_ancestors(pks: set[int]) -> set[int]:
        found = set()
        for pk in pks:
            while pk is not None and pk not in found:
                found.add(pk)
                pk = parents.get(pk)
        return found

    expanded = {pk: with_ancestors(pks) for pk, pks in own.items()}
    width = len(quarters)
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0] * width)
    everything = [0] * width
    for institution_id, day, *_rest in tally.registrations:
        column = column_of[quarter_containing(day)]
        everything[column] += 1
        for pk in expanded.get(institution_id) or {None}:
            counts[pk][column] += 1

    lines = [Line([_("All registrations"), *everything, sum(everything)], bold=True)]
    for category, depth in tally.categories:
        row = counts.get(category.pk, [0] * width)
        lines.append(Line([category.name, *row, sum(row)], indent=depth, bold=depth == 0))
    row = counts.get(None, [0] * width)
    lines.append(Line([_("No category of this plan"), *row, sum(row)]))
    return Sheet(
        name=_("Landings by category"),
        title=_("Registrations by category and quarter"),
        columns=[
            Column(_("Category"), 30),
            *(Column(quarter_name(*q), 9, INTEGER, True) for q in quarters),
            Column(_("Since the baseline"), 11, INTEGER, True),
        ],
        lines=lines,
        notes=[
            _(
                "Registrations (business licence issued) dated in each quarter, by the "
                "institution's categories; a category includes those below it. The last "
                "column runs from the plan's baseline date to the as-of date."
            )
        ],
    )


# ---------------------------------------------------------------- 6. landings by country


def countries_sheet(tally: Tally) -> Sheet:
    """Registrations by the country of the direct investor: quarter, year, plan to date."""
    institutions = tally.registered_institutions
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for institution_id, day, *_rest in tally.registrations:
        country = institutions.get(institution_id, ("",))[0] or ""
        for i, inside in enumerate(tally.period_of(day)):
            if inside:
                counts[country][i] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1][2], -item[1][0], item[0] or "~"))
    lines = [
        Line(
            [
                countries.name(code) if code else _("Not recorded"),
                code,
                *figures,
            ]
        )
        for code, figures in ordered
    ]
    total = [sum(figures[i] for figures in counts.values()) for i in range(3)]
    lines.append(Line([_("Total"), "", *total], bold=True))
    return Sheet(
        name=_("Landings by country"),
        title=_("Registrations by country of origin"),
        columns=[
            Column(_("Country of origin"), 24),
            Column(_("Code"), 6),
            Column(_("This quarter"), 11, INTEGER, True),
            Column(_("Year to date"), 11, INTEGER, True),
            Column(_("Since the baseline"), 11, INTEGER, True),
        ],
        lines=lines,
        notes=[
            _(
                "Registrations by the country of the institution's direct investor, as the "
                "register records it now."
            )
        ],
    )


# ---------------------------------------------------------------- 7. interactions


def interactions_sheet(tally: Tally) -> Sheet:
    """Interactions in the quarter by officer present and kind (one with no officer
    recorded counts for whoever logged it); an interaction counts for each officer there."""
    interactions = interactions_visible_to(tally.user).filter(
        date__gte=tally.start, date__lte=tally.as_of
    )
    kinds = list(InteractionKind)
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    through = interactions.model.officers.through.objects.filter(
        interaction__in=interactions
    ).values_list("user_id", "interaction__kind")
    for user_id, kind in through:
        counts[user_id][kind] += 1
    unattended = interactions.filter(officers__isnull=True).values_list("created_by_id", "kind")
    for user_id, kind in unattended:
        counts[user_id][kind] += 1
    all_kinds: dict[str, int] = defaultdict(int)
    for kind in interactions.values_list("kind", flat=True):
        all_kinds[kind] += 1
    # Officers who have left are named too: the quarter's work was theirs.
    people = {
        person.pk: person
        for person in User.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    }
    rows = []
    for user_id, by_kind in counts.items():
        name = str(people[user_id]) if user_id in people else _("Not recorded")
        figures = [by_kind.get(kind.value, 0) for kind in kinds]
        rows.append((name, figures))
    rows.sort(key=lambda row: (-sum(row[1]), row[0]))
    lines = [Line([name, *figures, sum(figures)]) for name, figures in rows]
    figures = [all_kinds.get(kind.value, 0) for kind in kinds]
    lines.append(Line([_("All interactions, each once"), *figures, sum(figures)], bold=True))
    return Sheet(
        name=_("Interactions"),
        title=_("Interactions by officer and kind"),
        columns=[
            Column(_("Officer"), 16),
            *(Column(str(kind.label), 10, INTEGER, True) for kind in kinds),
            Column(_("Total"), 10, INTEGER),
        ],
        lines=lines,
        notes=[
            _(
                "Interactions dated in the quarter that you may see. Each counts once for "
                "every officer present, so the officers' rows add up to more than the last "
                "row, which counts each interaction once."
            )
        ],
    )


# ---------------------------------------------------------------- 8. landings by building


def buildings_sheet(tally: Tally) -> Sheet:
    """Institutions registered since the baseline, by the building they registered in.

    Each institution counts once per building and period; "exited" counts those of the
    plan-to-date column with an exit on or before the as-of date.
    """
    periods: dict[int | None, list[set[int]]] = defaultdict(lambda: [set(), set(), set()])
    for institution_id, day, building_id, own_building_id in tally.registrations:
        building = building_id or own_building_id
        for i, inside in enumerate(tally.period_of(day)):
            if inside:
                periods[building][i].add(institution_id)
    first_landed: dict[int, datetime.date] = {}
    for institution_id, day, *_rest in tally.registrations:
        first_landed.setdefault(institution_id, day)
    exits = (
        milestones_visible_to(tally.user)
        .filter(
            kind=MilestoneKind.EXITED,
            date__gt=tally.plan.baseline_date,
            date__lte=tally.as_of,
            institution_id__in=tally.registrations_since_baseline().values("institution_id"),
        )
        .values_list("institution_id", "date")
    )
    exited = {pk for pk, day in exits if pk in first_landed and day >= first_landed[pk]}
    buildings = {
        building.pk: building
        for building in buildings_visible_to(tally.user).filter(
            pk__in=[pk for pk in periods if pk is not None]
        )
    }
    names = tally.registered_institutions
    rows = []
    for pk, (quarter, year, plan) in periods.items():
        building: Building | None = buildings.get(pk)
        landed_now = sorted(pick(*names[i][1:]) for i in quarter if i in names)
        rows.append(
            [
                building.name if building else _("No building recorded"),
                _label(TaxTier, building.tax_tier) if building else "",
                len(quarter),
                len(year),
                len(plan),
                len(plan & exited),
                _joined(landed_now),
            ]
        )
    rows.sort(key=lambda row: (row[0] == _("No building recorded"), -row[4], -row[2], row[0]))
    lines = [Line(row) for row in rows]
    lines.append(
        Line(
            [
                _("Total"),
                "",
                *(sum(row[i] for row in rows) for i in range(2, 6)),
                "",
            ],
            bold=True,
        )
    )
    return Sheet(
        name=_("Landings by building"),
        title=_("Landed institutions by building"),
        columns=[
            Column(_("Building"), 26, wrap=True),
            Column(_("Tax revenue tier"), 16, wrap=True),
            Column(_("This quarter"), 10, INTEGER, True),
            Column(_("Year to date"), 10, INTEGER, True),
            Column(_("Since the baseline"), 11, INTEGER, True),
            Column(_("Of which exited since"), 11, INTEGER, True),
            Column(_("Institutions registered this quarter"), 60, wrap=True),
        ],
        lines=lines,
        notes=[
            _(
                "Institutions with a registration (business licence issued) since the plan's "
                "baseline date, by the building on the registration, else the institution's "
                "own. An institution counts once per building and column."
            )
        ],
    )


SHEETS: tuple[Callable[[Tally], Sheet], ...] = (
    target_progress_sheet,
    landings_sheet,
    pipeline_sheet,
    lost_sheet,
    categories_sheet,
    countries_sheet,
    interactions_sheet,
    buildings_sheet,
)


# ---------------------------------------------------------------- writing


HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A6A6A6")
HEADER_BORDER = Border(bottom=THIN, top=THIN)


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A tab name Excel accepts: no []:*?/\\, no apostrophe at either end, ≤ 31, unique."""
    cleaned = SHEET_NAME_FORBIDDEN.sub(" ", name).strip().strip("'").strip() or "Sheet"
    cleaned = cleaned[:SHEET_NAME_LIMIT].rstrip()
    taken_folded = {t.casefold() for t in taken}
    candidate, n = cleaned, 2
    while candidate.casefold() in taken_folded:
        suffix = " (%d)" % n
        candidate = cleaned[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        n += 1
    return candidate


def _cell(ws: Worksheet, row: int, column: int, value: object):
    """Write one value; text is always text, never a formula, whatever it begins with."""
    if isinstance(value, Promise):
        value = str(value)
    cell = ws.cell(row, column, value)
    if isinstance(value, str) and could_become_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    return cell


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")  # & starts a code in Excel's headers and footers


def _write(book: Workbook, sheet: Sheet, tally: Tally) -> Worksheet:
    ws = book.create_sheet(sheet_name(sheet.name, book.sheetnames))
    last = len(sheet.columns)
    _cell(ws, 1, 1, sheet.title).font = Font(bold=True, size=14)
    _cell(
        ws,
        2,
        1,
        _("%(plan)s · %(quarter)s · as of %(date)s")
        % {"plan": tally.plan.name, "quarter": tally.label, "date": tally.as_of.isoformat()},
    ).font = Font(bold=True)
    _cell(
        ws,
        3,
        1,
        _("Generated %(when)s by %(user)s")
        % {
            "when": tally.generated_at.strftime("%Y-%m-%d %H:%M"),
            "user": _person(tally.user),
        },
    ).font = Font(color="595959")
    for index, column in enumerate(sheet.columns, start=1):
        cell = _cell(ws, HEADER_ROW, index, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    for offset, line in enumerate(sheet.lines, start=HEADER_ROW + 1):
        for index, value in enumerate(line.values):
            column = sheet.columns[index]
            cell = _cell(ws, offset, index + 1, value)
            number_format = line.formats.get(index, column.number_format)
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
            if isinstance(value, str) and value and index > 0 and column.number_format:
                cell.alignment = Alignment(horizontal="right")
            if column.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if line.bold:
                cell.font = Font(bold=True)
                cell.fill = TOTAL_FILL
        if line.indent:
            ws.cell(offset, 1).alignment = Alignment(indent=line.indent * 2)
    row = HEADER_ROW + len(sheet.lines) + 2
    for note in sheet.notes:
        cell = _cell(ws, row, 1, note)
        cell.font = Font(italic=True, color="595959")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(last, 1))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * _note_lines(note, sheet.columns)
        row += 1
    if not sheet.lines:
        ws.cell(HEADER_ROW + 1, 1, _("Nothing in this quarter.")).font = Font(color="595959")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, sheet.frozen_columns + 1)
    _page_setup(ws, tally)
    return ws


def _note_lines(note: str, columns: list[Column]) -> int:
    """How many lines a note takes across the merged cells (CJK characters count double)."""
    width = max(sum(column.width for column in columns), 40)
    visual = sum(2 if ord(char) >= 0x2E80 else 1 for char in note)
    return -(-int(visual * 1.1) // int(width))


def _page_setup(ws: Worksheet, tally: Tally) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "%d:%d" % (HEADER_ROW, HEADER_ROW)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.oddHeader.left.text = _header_footer_text(tally.plan.name)
    ws.oddHeader.right.text = _header_footer_text(tally.label)
    ws.oddFooter.center.text = _("Page &P of &N")


def tally_filename(*, plan: Plan, year: int, quarter: int, language: str) -> str:
    """The workbook's file name, e.g. 季度统计表-lujiazui-14th-2025Q4.xlsx (in ``language``)."""
    with translation.override(language):
        word = pgettext("file name", "quarterly-tally")
    return "%s-%s-%s.xlsx" % (word, plan.code, quarter_code(year, quarter))


def tally_workbook(*, plan: Plan, year: int, quarter: int, user: User, language: str) -> bytes:
    """The tally workbook of ``plan`` for one quarter as ``user`` may see it, in ``language``.

    Raises ``ValidationError`` (``check_quarter``) for a quarter that cannot be tallied.
    Every label, header, sheet name and choice is in ``language``; plans, categories and
    targets give their own name in it.
    """
    with translation.override(language):
        check_quarter(plan=plan, year=year, quarter=quarter)
        tally = Tally(plan=plan, user=user, year=year, quarter=quarter)
        book = Workbook()
        book.remove(book.active)
        for build in SHEETS:
            _write(book, build(tally), tally)
        book.properties.title = "%s · %s" % (plan.name, tally.label)
        book.properties.creator = _person(user)
        book.properties.language = language
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()
