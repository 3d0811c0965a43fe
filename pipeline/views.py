"""Pipeline pages: the project list, a project's page and form, moves, and the team board.

Thin: parse the request, call a selector or service, render. Who sees a project is the
selectors' business (404 outside it); who may change it, ``pipeline.permissions`` (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from core.audit import history_of
from crm.selectors import institutions_visible_to
from crm.services import EditConflict

from . import permissions, selectors, services
from .forms import MoveForm, ProjectForm, add_service_errors
from .models import Project, Stage, StageChange

PAGE_SIZE = 50


def _partial(request: HttpRequest) -> bool:
    """Whether to answer with the page's fragment: htmx asks, and not to restore history."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _require(allowed: bool) -> None:
    """Refuse a change the user may not make. Seeing a project is the selectors' business."""
    if not allowed:
        raise PermissionDenied


def _visible_project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        selectors.projects_visible_to(request.user).select_related(
            "institution", "team", "owner", "stage"
        ),
        pk=pk,
    )


# ---------------------------------------------------------------- list


def project_list(request: HttpRequest) -> HttpResponse:
    filterset, page = selectors.project_list_page(
        user=request.user, params=request.GET, page=request.GET.get("page"), per_page=PAGE_SIZE
    )
    query = request.GET.get("q", "")[:100]
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    template = (
        "pipeline/_project_results.html" if _partial(request) else "pipeline/project_list.html"
    )
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "rows": [
                (
                    p,
                    selectors.is_named_to(request.user, p),
                    selectors.days_in_stage(p.stage_entered_at),
                )
                for p in page.object_list
            ],
            "cards": selectors.code_name_cards(user=request.user, query=query),
            "query_string": params.urlencode(),
            "sort_query": sort_params.urlencode(),
            "sort": request.GET.get("sort", ""),
            "can_create": permissions.can_create_project(request.user),
        },
    )


# ---------------------------------------------------------------- the project page


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.project_page(user=request.user, pk=pk)
    if found is None:
        raise Http404
    project, named = found
    context = {"project": project, "named": named}
    if named:  # the code-name card shows the team and the owner, and nothing more
        context.update(
            detail=selectors.project_detail(user=request.user, project=project),
            history=history_of(project)[:50],
            can_edit=permissions.can_edit_project(request.user, project),
            can_move=permissions.can_move_project(request.user, project),
            stages=list(Stage.objects.all()),
            days_in_stage=selectors.days_in_stage(project.stage_entered_at),
        )
    return render(request, "pipeline/project_detail.html", context)


# ---------------------------------------------------------------- create and edit


def project_create(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_create_project(request.user))
    project = Project()
    chosen = request.GET.get("institution", "")
    if request.method != "POST" and chosen.isdigit():
        # The institution page links here: start from it, if the user may see it.
        institution = institutions_visible_to(request.user).filter(pk=chosen).first()
        if institution is not None:
            project.institution = institution
    return _project_form(request, project)


def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible_project(request, pk)
    _require(permissions.can_edit_project(request.user, project))
    return _project_form(request, project)


def _project_form(request: HttpRequest, project: Project) -> HttpResponse:
    creating = project.pk is None
    conflict_changes: list = []
    if request.method == "POST":
        form = ProjectForm(request.POST, instance=project, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if creating:
                    saved = services.project_create(
                        institution=data["institution"],
                        title=data["title"],
                        actor=request.user,
                        # Left empty: the institution's categories.
                        categories=list(data["categories"]) or None,
                        **form.service_fields(),
                    )
                else:
                    saved = services.project_update(
                        project=project,
                        actor=request.user,
                        expected_version=data["version"] or 0,
                        categories=data["categories"],
                        title=data["title"],
                        **form.service_fields(),
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            except EditConflict as conflict:
                conflict_changes = conflict.changes
                form.accept_current_version()
            else:
                message = (
                    _("Project “%(name)s” created.") if creating else _("Project “%(name)s” saved.")
                )
                messages.success(request, message % {"name": saved.title})
                return redirect(saved)
    else:
        initial = {"institution": project.institution_id} if creating else None
        form = ProjectForm(instance=project, user=request.user, initial=initial)
    return render(
        request,
        "pipeline/project_form.html",
        {
            "form": form,
            "project": project,
            "creating": creating,
            "conflict_changes": conflict_changes,
        },
    )


# ---------------------------------------------------------------- moves


def project_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The move form (a modal's content for htmx, a page without JS) and the move itself."""
    project = _visible_project(request, pk)
    _require(permissions.can_move_project(request.user, project))
    stages = list(Stage.objects.all())
    origin = _move_origin(request)
    if request.method == "POST":
        form = MoveForm(request.POST, project=project, stages=stages)
        if form.is_valid():
            try:
                change = services.project_move(
                    project=project, actor=request.user, **form.move_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _moved(request, project, change, origin)
    else:
        form = MoveForm(
            project=project,
            stages=stages,
            initial={"to": request.GET.get("to", ""), "note": request.GET.get("note", "")},
        )
    modal = _partial(request)
    template = "pipeline/_move_form.html" if modal else "pipeline/project_move.html"
    return render(
        request, template, {"form": form, "project": project, "origin": origin, "modal": modal}
    )


def _move_origin(request: HttpRequest) -> dict[str, str]:
    """Where the move form was opened: the board (its team and toggle) or the project page."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("from") != "board":
        return {}
    team = data.get("team", "")
    return {
        "from": "board",
        "team": team if team.isdigit() else "",
        "mine": "1" if data.get("mine") == "1" else "",
    }


def _moved(
    request: HttpRequest, project: Project, change: StageChange, origin: dict[str, str]
) -> HttpResponse:
    message = _("“%(project)s” moved from %(from)s to %(to)s.") % {
        "project": project.title
        if selectors.is_named_to(request.user, project)
        else project.code_name,
        "from": change.from_stage,
        "to": change.to_stage,
    }
    if origin and request.htmx:
        # The board redraws its columns in place; board.js closes the modal on the event.
        response = _board_response(request, origin, moved=message, strict=False)
        response = retarget(response, "#board")
        response = reswap(response, "innerHTML")
        return trigger_client_event(response, "landfall:moved")
    messages.success(request, message)
    if origin:
        back = "%s?%s" % (
            reverse("pipeline:board"),
            urlencode({k: v for k, v in origin.items() if k in ("team", "mine") and v}),
        )
    else:
        back = project.get_absolute_url()
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return redirect(back)


# ---------------------------------------------------------------- the board


def board(request: HttpRequest) -> HttpResponse:
    return _board_response(request, request.GET)


def _board_response(
    request: HttpRequest, params, moved: str = "", strict: bool = True
) -> HttpResponse:
    teams = selectors.board_teams(request.user)
    team = _board_team(request, teams, params.get("team", ""), strict=strict)
    mine = params.get("mine") == "1"
    data = None
    if team is not None:
        data = selectors.board(user=request.user, team=team, mine=mine)
        for card in data.cards:
            card.can_move = permissions.can_move_project(request.user, card.project)
    template = "pipeline/_board.html" if _partial(request) else "pipeline/board.html"
    return render(
        request,
        template,
        {
            "board": data,
            "teams": teams,
            "team": team,
            "mine": mine,
            "moved": moved,
            "board_query": _board_query(team, mine),
            "can_create": permissions.can_create_project(request.user),
        },
    )


def _board_query(team, mine: bool) -> str:
    """The board's own parameters, which its move links carry so that it redraws the same."""
    params = {"team": team.pk} if team else {}
    if mine:
        params["mine"] = "1"
    return urlencode(params)


def _board_team(request: HttpRequest, teams: list, raw: str, strict: bool = True):
    """The team asked for, which must be one the user may open (404 when ``strict``, else the
    default); without one, the user's first working team, else the first they may open."""
    if raw.isdigit():
        chosen = next((team for team in teams if team.pk == int(raw)), None)
        if chosen is not None:
            return chosen
        if strict:
            raise Http404
    own = [team for team in teams if team.pk in request.user.working_team_ids]
    return (own or teams or [None])[0]
