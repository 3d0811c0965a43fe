from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pipeline.dashboard import dashboard, pipeline_chart


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: the user's pipeline, landings, targets behind pace, overdue follow-ups."""
    board = dashboard(user=request.user, scope=request.GET.get("scope"))
    chart = pipeline_chart(board)
    return render(request, "core/home.html", {"dash": board, "pipeline_chart": chart})


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and CI: the process answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
