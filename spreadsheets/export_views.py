"""List exports as downloads: the page's query string in, an .xlsx file out.

Thin: the exporter (spreadsheets.exports) starts from the list's own selector and filter
set, so whoever may open a list may export it, and gets the rows the page shows them.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import exports

log = logging.getLogger("landfall.exports")


@require_safe
@never_cache
def list_export(request: HttpRequest, kind: str) -> FileResponse:
    """Download the list ``kind`` (institutions, contacts, interactions, projects) as .xlsx."""
    if kind not in exports.EXPORTERS:
        raise Http404
    export = exports.export_list(kind=kind, user=request.user, params=request.GET)
    log.info("export kind=%s user_id=%s rows=%d", kind, request.user.pk, export.rows)
    return FileResponse(
        export.file,
        as_attachment=True,
        filename=export.filename,
        content_type=exports.XLSX_CONTENT_TYPE,
    )
