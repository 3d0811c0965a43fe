"""The import wizard: upload → sheet, header row and mapping → dry run → import → result.

Thin: ``jobs`` does the work, ``forms`` reads the choices, ``permissions`` says who may.
A job's page is its status: the progress bar while a run goes (htmx polls
``import_progress``, which asks the page to reload itself once the run ends), the
preview after a dry run, the result after the import. docs/spreadsheets-importing.md.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import jobs
from .fields import field_choices
from .forms import ImportMappingForm, ImportUploadForm
from .models import ImportJob, ImportKind
from .permissions import can_import, can_run_job, importable_kinds
from .reading import SpreadsheetRejected
from .selectors import import_jobs_visible_to

log = logging.getLogger("landfall.imports")

PROBLEMS_PER_PAGE = 50
JOBS_PER_PAGE = 25
State, Mode = ImportJob.State, ImportJob.Mode


def _job(request: HttpRequest, pk: int, *, run: bool = False) -> ImportJob:
    job = get_object_or_404(import_jobs_visible_to(request.user), pk=pk)
    if run and not can_run_job(request.user, job):
        raise PermissionDenied
    return jobs.job_refresh(job=job)


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """Step 1: choose what the file holds and upload it."""
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    choices = [(kind, ImportKind(kind).label) for kind in kinds]
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        kinds=choices,
        initial={"kind": request.GET.get("kind", "")[:20]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.job_create(
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                user=request.user,
            )
        except SpreadsheetRejected as error:
            form.add_error("file", error.message)
        else:
            return redirect("spreadsheets:import_mapping", pk=job.pk)
    recent = import_jobs_visible_to(request.user).filter(created_by=request.user)[:5]
    return render(
        request,
        "spreadsheets/import_start.html",
        {"form": form, "kinds": choices, "recent": recent},
    )


@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the sheet, the header row and each column's field; then the dry run."""
    job = _job(request, pk, run=True)
    if job.active:
        return redirect("spreadsheets:import_job", pk=job.pk)
    sheet = jobs.sheet_of(job, request.POST.get("sheet", job.sheet)) or jobs.sheet_of(job)
    if sheet is None:  # a file without a sheet cannot be stored; kept for safety
        raise Http404
    if sheet["name"] != job.sheet and request.method == "POST":
        # Another sheet chosen: guess its header row and mapping, and show them.
        jobs.job_configure(
            job=job,
            sheet=sheet["name"],
            header_row=None,
            mapping=None,
            all_or_nothing="all_or_nothing" in request.POST,
        )
        return redirect("spreadsheets:import_mapping", pk=job.pk)
    header_row = job.header_row
    if request.method == "POST" and request.POST.get("action") == "refresh":
        header_row = _posted_row(request, default=header_row)
        jobs.job_configure(
            job=job,
            sheet=job.sheet,
            header_row=header_row,
            mapping=None,
            all_or_nothing="all_or_nothing" in request.POST,
        )
        return redirect("spreadsheets:import_mapping", pk=job.pk)
    sample = sheet["sample"]
    headers = sample[header_row] if header_row < len(sample) else []
    initial = {
        "sheet": job.sheet,
        "header_row": job.header_row + 1,
        "all_or_nothing": job.all_or_nothing,
        **{f"column_{i}": field for i, field in job.mapping.items()},
    }
    form = ImportMappingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        sheets=job.sheets,
        headers=[str(h) for h in headers],
        fields=field_choices(job.kind),
    )
    if request.method == "POST" and form.is_valid():
        if not form.mapping:
            form.add_error(None, _("Choose a field for at least one column."))
        else:
            jobs.job_configure(
                job=job,
                sheet=job.sheet,
                header_row=form.cleaned_data["header_row"] - 1,
                mapping=form.mapping,
                all_or_nothing=form.cleaned_data["all_or_nothing"],
            )
            jobs.job_start(job=job, mode=Mode.CHECK)
            return redirect("spreadsheets:import_job", pk=job.pk)
    return render(
        request,
        "spreadsheets/import_mapping.html",
        {
            "job": job,
            "form": form,
            "sheet": sheet,
            "preview_rows": sample[header_row + 1 : header_row + 6],
            "runs_inline": jobs.runs_inline(job),
        },
    )


def _posted_row(request: HttpRequest, *, default: int) -> int:
    try:
        row = int(request.POST.get("header_row", "")) - 1
    except ValueError:
        return default
    return row if row >= 0 else default


@require_safe
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page: its progress while it runs, its preview, or its result."""
    job = _job(request, pk)
    if job.state == State.NEW:
        return redirect("spreadsheets:import_mapping", pk=job.pk)
    problems = Paginator(job.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "spreadsheets/import_job.html",
        {
            "job": job,
            "problems": problems,
            "can_run": can_run_job(request.user, job),
            "counts": _counts(job),
            "list_url": _list_url(job),
        },
    )


@never_cache
@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx); once the run has ended, the page reloads itself."""
    job = _job(request, pk)
    response = render(request, "spreadsheets/_import_progress.html", {"job": job})
    if not job.active:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a dry run, the import, or the import of the good rows only."""
    job = _job(request, pk, run=True)
    action = request.POST.get("action")
    if job.active:
        messages.info(request, _("This import is already running."))
    elif action in ("check", "commit", "commit_good"):
        if action == "commit_good":
            job.all_or_nothing = False
            job.save(update_fields=["all_or_nothing"])
        if action != "check" and job.state not in (State.CHECKED, State.FAILED, State.DONE):
            messages.error(request, _("Run the dry run first; then import."))
        else:
            jobs.job_start(job=job, mode=Mode.CHECK if action == "check" else Mode.COMMIT)
    else:
        messages.error(request, _("Unknown action."))
    return redirect("spreadsheets:import_job", pk=job.pk)


@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk, run=True)
    if job.active:
        jobs.job_cancel(job=job)
        messages.info(request, _("Cancelling: everything the run wrote is rolled back."))
    if request.headers.get("HX-Request"):
        return render(request, "spreadsheets/_import_progress.html", {"job": job})
    return redirect("spreadsheets:import_job", pk=job.pk)


@require_safe
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    """The error workbook: the failed rows as they were, plus a column of errors."""
    job = _job(request, pk)
    if not job.error_file:
        raise Http404
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=_("%(name)s-errors.xlsx") % {"name": job.original_name.rsplit(".", 1)[0]},
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_safe
def import_list(request: HttpRequest) -> HttpResponse:
    """Imports the user ran (everyone's, for admins), newest first."""
    if not can_import(request.user):
        raise PermissionDenied
    jobs.jobs_refresh_stale()
    page = Paginator(import_jobs_visible_to(request.user), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "spreadsheets/import_list.html", {"page": page})


def _counts(job: ImportJob) -> list[tuple[str, str, int, str]]:
    """(action, label, count, colour) for the badges of a preview or a result."""
    labels = [
        ("create", _("to create") if job.mode == Mode.CHECK else _("created"), "success"),
        ("update", _("to update") if job.mode == Mode.CHECK else _("updated"), "primary"),
        ("unchanged", _("unchanged"), "secondary"),
        ("duplicate", _("duplicates in the file"), "warning"),
        ("failed", _("failed"), "danger"),
    ]
    if not job.counts:
        return []
    return [(key, label, job.counts.get(key, 0), colour) for key, label, colour in labels]


LIST_PAGES = {
    ImportKind.INSTITUTIONS: "crm:institution_list",
    ImportKind.INTERACTIONS: "crm:institution_list",  # interactions show on each institution
    ImportKind.PROJECTS: "pipeline:project_list",
    ImportKind.MEASUREMENTS: "plans:index",
}


def _list_url(job: ImportJob) -> str:
    return reverse(LIST_PAGES[ImportKind(job.kind)])
