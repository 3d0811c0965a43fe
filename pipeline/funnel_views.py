"""The funnel review for managers: reached-stage counts, conversion, time in stage, losses.

Thin: the form reads the query string, ``pipeline.funnel`` counts, and the view links every
number to the list behind it and builds the charts' options (labels already translated).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .funnel import FunnelReview, funnel_list, funnel_review, funnel_rows
from .funnel_forms import FunnelForm, preset_queries

PAGE_SIZE = 50


@require_GET
def funnel(request: HttpRequest) -> HttpResponse:
    form = FunnelForm(request.GET, user=request.user)
    review = charts = None
    if form.is_valid():
        review = funnel_review(user=request.user, filters=form.filters())
        base = reverse("pipeline:funnel_projects")
        for figure in review.figures():
            figure.url = "%s?%s" % (base, form.query(show=figure.show).urlencode())
        charts = {
            "funnel": _funnel_chart(review),
            "reasons": _reasons_chart(review),
            "days": _days_chart(review),
        }
    return render(
        request,
        "pipeline/funnel.html",
        {"form": form, "review": review, "charts": charts, "presets": preset_queries(form)},
    )


@require_GET
def funnel_projects(request: HttpRequest) -> HttpResponse:
    """The projects behind one number of the funnel (``show=``), a page at a time."""
    form = FunnelForm(request.GET, user=request.user)
    show = request.GET.get("show", "")[:200]
    listing = page = None
    rows: list = []
    if form.is_valid():
        listing = funnel_list(user=request.user, filters=form.filters(), show=show)
        if listing is not None:
            page = Paginator(listing.projects, PAGE_SIZE).get_page(request.GET.get("page"))
            rows = funnel_rows(user=request.user, projects=page.object_list)
    return render(
        request,
        "pipeline/funnel_projects.html",
        {
            "form": form,
            "listing": listing,
            "page": page,
            "rows": rows,
            "query_string": form.query(show=show).urlencode(),
            "back": "%s?%s" % (reverse("pipeline:funnel"), form.query().urlencode()),
        },
    )


# ---------------------------------------------------------------- charts (ECharts options)


def _number(value) -> float | str:
    """A chart value: a float, or ECharts' mark for "no value"."""
    return "-" if value is None else float(value)


def _funnel_chart(review: FunnelReview) -> dict:
    data = []
    for row in review.rows:
        text = _("%(stage)s: %(count)s") % {"stage": row.stage.name, "count": row.reached.value}
        if row.conversion is not None:
            text += " · " + _("%(percent)s%% go on") % {"percent": row.conversion}
        data.append(
            {
                "name": row.stage.name,
                "value": row.reached.value,
                "url": row.reached.url,
                "label": {"formatter": text},
            }
        )
    return {
        "aria": {"enabled": True},
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [
            {
                "name": _("Projects that reached the stage"),
                "type": "funnel",
                "sort": "none",
                "top": 8,
                "bottom": 8,
                "left": "2%",
                "width": "45%",
                "minSize": "8%",
                "gap": 2,
                "label": {"show": True, "position": "right", "color": "#212529"},
                "labelLine": {"show": True},
                "data": data,
            }
        ],
    }


def _reasons_chart(review: FunnelReview) -> dict:
    return {
        "aria": {"enabled": True},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 32, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [reason.label for reason in review.reasons],
        },
        "series": [
            {
                "name": _("Lost projects"),
                "type": "bar",
                "label": {"show": True, "position": "right"},
                "data": [
                    {"value": reason.count.value, "url": reason.count.url}
                    for reason in review.reasons
                ],
            }
        ],
    }


def _days_chart(review: FunnelReview) -> dict:
    return {
        "aria": {"enabled": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [row.stage.name for row in review.waiting]},
        "yAxis": {"type": "value", "name": _("days")},
        "series": [
            {
                "name": _("Median days in the stage (stays ended in the period)"),
                "type": "bar",
                "data": [
                    {"value": _number(row.median_days.value), "url": row.median_days.url}
                    for row in review.waiting
                ],
            },
            {
                "name": _("Median days so far (projects in the stage today)"),
                "type": "bar",
                "data": [
                    {"value": _number(row.median_age), "url": row.now_in_stage.url}
                    for row in review.waiting
                ],
            },
        ],
    }
