"""Pipeline pages: for now, finding a project and opening it (the board comes with stages)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.audit import history_of

from . import selectors


def project_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    results = selectors.project_search(user=request.user, query=query)
    return render(request, "pipeline/project_list.html", {"query": query, "results": results})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.project_page(user=request.user, pk=pk)
    if found is None:
        raise Http404
    project, named = found
    return render(
        request,
        "pipeline/project_detail.html",
        {
            "project": project,
            "named": named,
            "history": history_of(project)[:50] if named else [],
        },
    )
