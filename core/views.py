from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app
from pipeline.dashboard import dashboard, pipeline_chart

log = logging.getLogger("landfall.health")


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: the user's pipeline, landings, targets behind pace, overdue follow-ups."""
    board = dashboard(user=request.user, scope=request.GET.get("scope"))
    chart = pipeline_chart(board)
    return render(request, "core/home.html", {"dash": board, "pipeline_chart": chart})


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """The state of the database, the broker and (``?deep=1``) the Celery workers.

    For a load balancer, plain ``/health/`` answers 503 only when the database does not
    respond: a web process without it serves nothing, but one without the broker serves
    everything except background imports, so it stays in rotation ("degraded"). For
    monitoring, ``/health/?deep=1`` also pings the workers (about a second) and answers
    503 when anything is down, including no worker answering while a broker is set.
    docs/deployment.md, "Health".
    """
    deep = request.GET.get("deep") == "1"
    report: dict[str, object] = {"database": _database_state(), "broker": _broker_state()}
    problems = [name for name in ("database", "broker") if report[name] == "down"]
    if deep:
        report["workers"] = _worker_count() if report["broker"] == "ok" else 0
        if report["broker"] == "ok" and not report["workers"]:
            problems.append("workers")
    if not problems:
        report["status"] = "ok"
    elif report["database"] == "down" or deep:
        report["status"] = "down"
    else:
        report["status"] = "degraded"
    if problems:
        log.warning("health %s: %s down", report["status"], ", ".join(problems))
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)


HEALTH_TIMEOUT = 1.0  # seconds for the broker to answer, and for the workers' ping


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to answer is "down", whatever the driver raises
        return "down"
    return "ok"


def _broker_state() -> str:
    """The broker: "ok", "down", or "off" when none is set (tasks run in the web process)."""
    if celery_app.conf.task_always_eager or not celery_app.conf.broker_url:
        return "off"
    try:
        with celery_app.connection_for_write(
            connect_timeout=HEALTH_TIMEOUT,
            transport_options={
                "socket_connect_timeout": HEALTH_TIMEOUT,
                "socket_timeout": HEALTH_TIMEOUT,
            },
        ) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=HEALTH_TIMEOUT)
            broker.default_channel  # noqa: B018 - opening a channel is what proves it answers
    except Exception:  # refused, timed out, bad credentials: all "down"
        return "down"
    return "ok"


def _worker_count() -> int:
    """How many Celery workers answer a ping within the timeout."""
    try:
        replies = celery_app.control.inspect(timeout=HEALTH_TIMEOUT).ping()
    except Exception:
        return 0
    return len(replies or {})
