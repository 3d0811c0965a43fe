"""Import templates as downloads: a kind in, its .xlsx template out, in the user's language.

Thin: ``spreadsheets.import_templates`` builds the workbook from what the signed-in user
may choose (their plans' categories, the colleagues they may name). Signing in is required
by ``LoginRequiredMiddleware``, as for every page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .exports import XLSX_CONTENT_TYPE
from .import_templates import KINDS, template_filename, template_workbook


@require_safe
@never_cache
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """Download the import template of ``kind`` (institutions, interactions, projects, measurements)."""
    if kind not in KINDS:
        raise Http404
    language = getattr(request, "LANGUAGE_CODE", None) or get_language()
    content = template_workbook(kind, user=request.user, language=language)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, template_filename(kind, language=language)
    )
    return response
