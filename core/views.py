from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from crm.selectors import institutions_visible_to
from plans.selectors import plan_list


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the current plan and the size of the register."""
    plans = plan_list(user=request.user)
    return render(
        request,
        "core/home.html",
        {
            "plan": plans.first(),
            "institution_count": institutions_visible_to(request.user).count(),
        },
    )


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and CI: the process answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
