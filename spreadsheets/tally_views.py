"""The tally workbook's page: choose a plan, a quarter and a language; get the .xlsx.

Thin: ``TallyForm`` reads and checks the choice, ``spreadsheets.tally.tally_workbook``
builds the file as the signed-in user may see it. Every member of staff may download it:
every figure in it is scoped to them (docs/spreadsheets-tally.md).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .forms import TallyForm
from .tally import tally_filename, tally_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
def tally(request: HttpRequest) -> HttpResponse:
    """The form; with a quarter in the query string, the workbook (or the form's errors)."""
    bound = "quarter" in request.GET
    initial = {"plan": request.GET["plan"][:60]} if "plan" in request.GET else {}
    form = TallyForm(request.GET if bound else None, user=request.user, initial=initial)
    if bound and form.is_valid():
        plan, (year, quarter) = form.cleaned_data["plan"], form.cleaned_data["quarter"]
        language = form.cleaned_data["language"]
        try:
            content = tally_workbook(
                plan=plan, year=year, quarter=quarter, user=request.user, language=language
            )
        except ValidationError as error:  # the quarter began to be refused meanwhile
            form.add_error("quarter", error)
        else:
            response = HttpResponse(content, content_type=XLSX)
            response["Content-Disposition"] = content_disposition_header(
                True,
                tally_filename(plan=plan, year=year, quarter=quarter, language=language),
            )
            return response
    return render(request, "spreadsheets/tally.html", {"form": form})
