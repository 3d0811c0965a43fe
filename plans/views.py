from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import Role

from . import selectors


def plan_index(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plan_list(user=request.user))
    if len(plans) == 1:
        return redirect(plans[0])
    return render(request, "plans/plan_list.html", {"plans": plans})


def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_visible_to(request.user), code=code)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "tree": selectors.category_tree(plan=plan),
            "targets": selectors.plan_targets(plan=plan),
            "can_edit_plan": request.user.has_any_role(Role.ANALYST, Role.ADMIN),
        },
    )
