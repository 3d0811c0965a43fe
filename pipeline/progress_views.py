"""Progress against the plan's targets at any as-of date, with the drill-down per target.

Thin: the figures come from ``pipeline.progress.plan_progress`` (six queries for a whole
plan, one sweep per target for its quarterly series); this module parses the as-of date,
turns the figures into what the templates and charts show, and lists the institutions
counted through ``crm.selectors.institutions_visible_to``. No project is ever shown here,
so a confidential project cannot be revealed by a count.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import ExitKind, Institution
from crm.selectors import institutions_visible_to
from plans.models import Plan, Target
from plans.selectors import plan_list, plans_visible_to

from .progress import (
    Counted,
    TargetProgress,
    TargetReport,
    check_as_of,
    is_quarter_end,
    plan_progress,
    quarter_ends,
    quarter_of,
)

QUICK_LINKS = 8  # quarter ends offered as one-click as-of dates
DRILL_PAGE_SIZE = 100


class AsOfForm(forms.Form):
    """The as-of date of the progress pages: any day from the plan's baseline to today."""

    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["as_of"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "min": plan.baseline_date.isoformat(),
                "max": timezone.localdate().isoformat(),
            }
        )

    def clean_as_of(self) -> datetime.date:
        day = self.cleaned_data["as_of"] or timezone.localdate()
        try:
            check_as_of(plan=self.plan, as_of=day)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return day


@dataclass
class Figures:
    """What both pages show above their tables: the date, the form, and the reports."""

    form: AsOfForm
    as_of: datetime.date
    reports: list[TargetReport] | None  # None: not even today can be counted yet
    fell_back: bool  # the date asked for was refused, so these are today's figures
    quick_links: list[tuple[str, str]]  # (label, as_of)


def _figures(request: HttpRequest, plan: Plan, target_code: str | None = None) -> Figures:
    """Today's figures, or those of the as-of date asked for when it can be counted."""
    today = timezone.localdate()
    bound = "as_of" in request.GET
    form = AsOfForm(request.GET if bound else None, plan=plan, initial={"as_of": today})
    as_of, fell_back = today, False
    if bound:
        if form.is_valid():
            as_of = form.cleaned_data["as_of"]
        else:
            fell_back = True
            form.fields["as_of"].widget.attrs["class"] += " is-invalid"
    try:
        reports = plan_progress(
            plan=plan, as_of=as_of, target_code=target_code, listing=target_code is not None
        )
    except ValidationError:  # a plan whose baseline date is still ahead
        reports = None
    links = [
        (quarter_label(day), day.isoformat())
        for day in quarter_ends(plan.baseline_date, today)[-QUICK_LINKS:]
    ]
    return Figures(form, as_of, reports, fell_back, list(reversed(links)))


def quarter_name(year: int, quarter: int) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}


def quarter_label(day: datetime.date) -> str:
    """The quarter, e.g. "2023 Q2", for a quarter end; the date itself for any other day."""
    if not is_quarter_end(day):
        return day.isoformat()
    number = quarter_of(day)
    return quarter_name(number // 4, number % 4 + 1)


def _drill_url(plan: Plan, code: str, as_of: datetime.date) -> str:
    return "%s?%s" % (
        reverse("pipeline:progress_target", args=[plan.code, code]),
        urlencode({"as_of": as_of.isoformat()}),
    )


# ---------------------------------------------------------------- the plan's progress


@dataclass
class Row:
    """One target's line in the progress table."""

    report: TargetReport
    url: str  # the drill-down at the same as-of date
    bar: int  # the progress bar's value, the percentage kept within 0–100
    sparkline: str  # SVG polyline points, empty when there is nothing to draw
    measured_label: str  # "2023 Q1": the quarter a measured value is for

    @property
    def progress(self) -> TargetProgress:
        return self.report.progress

    @property
    def target(self) -> Target:
        return self.report.target


SPARK_WIDTH, SPARK_HEIGHT = 100, 24


def sparkline(series) -> str:
    """The series as SVG polyline points in a 100 × 24 box (higher values higher up)."""
    points = [(i, float(v)) for i, (_day, v) in enumerate(series) if v is not None]
    if len(points) < 2:
        return ""
    low, high = min(v for _i, v in points), max(v for _i, v in points)
    span_x = max(len(series) - 1, 1)

    def y(value: float) -> float:
        if high == low:  # a flat line runs through the middle
            return SPARK_HEIGHT / 2
        return SPARK_HEIGHT - 2 - (value - low) * (SPARK_HEIGHT - 4) / (high - low)

    return " ".join("%.1f,%.1f" % (i * SPARK_WIDTH / span_x, y(v)) for i, v in points)


def _bar(percent: Decimal | None) -> int:
    if percent is None:
        return 0
    return round(min(max(percent, Decimal(0)), Decimal(100)))


def _row(plan: Plan, report: TargetReport, as_of: datetime.date) -> Row:
    measured = report.measured_in
    return Row(
        report=report,
        url=_drill_url(plan, report.target.code, as_of),
        bar=_bar(report.progress.percent),
        sparkline=sparkline(report.series),
        measured_label=quarter_name(*measured) if measured else "",
    )


def _overview_chart(rows: list[Row]) -> dict | None:
    """Per count target with a known percentage: how far along it is; a bar opens its list."""
    shown = [
        r for r in rows if r.target.kind == Target.Kind.COUNT and r.progress.percent is not None
    ]
    if not shown:
        return None
    return {
        "aria": {"enabled": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 40, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "value",
            "min": min([0, *(math.floor(r.progress.percent) for r in shown)]),
            "max": max([100, *(math.ceil(r.progress.percent) for r in shown)]),
            "axisLabel": {"formatter": "{value}%"},
        },
        "yAxis": {"type": "category", "inverse": True, "data": [r.target.name for r in shown]},
        "series": [
            {
                "type": "bar",
                "name": _("Of the way from the baseline to the target"),
                "label": {"show": True, "position": "right", "formatter": "{c}%"},
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "label": {"show": False},
                    "lineStyle": {"type": "dashed"},
                    "data": [{"xAxis": 100}],
                },
                "data": [
                    {
                        "value": float(r.progress.percent),
                        "url": r.url,
                        "itemStyle": {
                            "color": "#198754" if r.progress.on_pace is not False else "#dc3545"
                        },
                    }
                    for r in shown
                ],
            }
        ],
    }


def progress_index(request: HttpRequest) -> HttpResponse:
    """The progress of the current plan; a note when no plan has been loaded."""
    plan = plan_list(user=request.user).first()
    if plan is None:
        return render(request, "pipeline/progress.html", {"plan": None})
    url = reverse("pipeline:progress", args=[plan.code])
    if request.GET.get("as_of"):
        url += "?" + urlencode({"as_of": request.GET["as_of"][:40]})
    return redirect(url)


def progress(request: HttpRequest, plan: str) -> HttpResponse:
    """Every target of the plan on the as-of date: figures, pace, projection, a chart."""
    found = get_object_or_404(plans_visible_to(request.user), code=plan)
    figures = _figures(request, found)
    rows = [_row(found, report, figures.as_of) for report in figures.reports or []]
    return render(
        request,
        "pipeline/progress.html",
        {
            "plan": found,
            "figures": figures,
            "rows": rows,
            "chart": _overview_chart(rows),
        },
    )


# ---------------------------------------------------------------- one target


@dataclass
class Quarter:
    """One point of a target's series, with the value the required pace asks for there."""

    label: str
    day: datetime.date
    value: Decimal | None
    change: Decimal | None
    required: Decimal | None
    url: str


@dataclass
class Listed:
    """An institution in the drill-down, with the milestone date counted or its exit."""

    entry: Counted
    institution: Institution | None  # None: not visible to the user

    @property
    def exit_kind_label(self) -> str:
        return str(dict(ExitKind.choices).get(self.entry.exit_kind, self.entry.exit_kind))


def _required_value(report: TargetReport, plan: Plan, day: datetime.date) -> Decimal | None:
    """Where the straight line from the start to the target at the due date is on ``day``."""
    progress = report.progress
    if progress.required_pace is None:
        return None
    start = Decimal(0) if report.target.counting == Target.Counting.FLOW else progress.baseline
    quarters = min(quarter_of(day), quarter_of(report.target.due_date)) - quarter_of(
        plan.baseline_date
    )
    return start + progress.required_pace * quarters


def _quarters(report: TargetReport, plan: Plan) -> list[Quarter]:
    found, previous = [], None
    for day, value in report.series:
        found.append(
            Quarter(
                label=quarter_label(day),
                day=day,
                value=value,
                change=value - previous if value is not None and previous is not None else None,
                required=_required_value(report, plan, day),
                url=_drill_url(plan, report.target.code, day),
            )
        )
        previous = value
    return found


def _target_chart(report: TargetReport, plan: Plan, quarters: list[Quarter]) -> dict:
    """The value at each quarter end (a point opens that quarter's list) and the pace line."""
    progress = report.progress
    series = [
        {
            "name": _("Value"),
            "type": "line",
            "data": [
                {"value": [q.day.isoformat(), float(q.value)], "url": q.url}
                for q in quarters
                if q.value is not None
            ],
        }
    ]
    start = Decimal(0) if report.target.counting == Target.Counting.FLOW else progress.baseline
    if start is not None and progress.target is not None:
        series.append(
            {
                "name": _("Required pace"),
                "type": "line",
                "symbol": "none",
                "lineStyle": {"type": "dashed"},
                "data": [
                    [plan.baseline_date.isoformat(), float(start)],
                    [report.target.due_date.isoformat(), float(progress.target)],
                ],
            }
        )
    return {
        "aria": {"enabled": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "scale": True},
        "series": series,
    }


def _page(request: HttpRequest, entries: tuple[Counted, ...], param: str) -> Page:
    return Paginator(entries, DRILL_PAGE_SIZE).get_page(request.GET.get(param))


def _listed(request: HttpRequest, *pages: Page) -> list[list[Listed]]:
    """The pages' entries with their institutions, fetched in one query (and their categories)."""
    ids = {entry.institution_id for page in pages for entry in page.object_list}
    institutions = {
        i.pk: i
        for i in institutions_visible_to(request.user)
        .filter(pk__in=ids)
        .prefetch_related("categories")
    }
    return [
        [Listed(entry, institutions.get(entry.institution_id)) for entry in page.object_list]
        for page in pages
    ]


def progress_target(request: HttpRequest, plan: str, target: str) -> HttpResponse:
    """One target on the as-of date: its quarters, and exactly the institutions counted."""
    found = get_object_or_404(plans_visible_to(request.user), code=plan)
    figures = _figures(request, found, target_code=target)
    if figures.reports == [] or (
        figures.reports is None and not found.targets.filter(code=target).exists()
    ):
        raise Http404
    context: dict = {"plan": found, "figures": figures, "report": None}
    if figures.reports:
        report = figures.reports[0]
        quarters = _quarters(report, found)
        counted_page = _page(request, report.counted, "page")
        exited_page = _page(request, report.exited, "exited_page")
        counted, exited = _listed(request, counted_page, exited_page)
        as_of = figures.as_of.isoformat()
        context.update(
            report=report,
            row=_row(found, report, figures.as_of),
            quarters=quarters,
            chart=_target_chart(report, found, quarters),
            counted=counted,
            counted_page=counted_page,
            exited=exited,
            exited_page=exited_page,
            counted_query=urlencode({"as_of": as_of, "exited_page": exited_page.number}),
            exited_query=urlencode({"as_of": as_of, "page": counted_page.number}),
        )
    return render(request, "pipeline/progress_target.html", context)
