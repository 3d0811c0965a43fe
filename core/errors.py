"""Error pages in the product's look and the user's language, without tracebacks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .security import log_security_event


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    log_security_event("permission denied", request=request)
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A signed-in user's 404 is most often a record outside their scope (the scoping
    # selectors answer "not found", never "not yours"): worth a line on the security log.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        log_security_event("not found", request=request)
    return _error(
        request, 404, _("Not found"), _("There is no such page, or it is not yours to see.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed may be what the full page would need.
    context = {
        "title": _("Something went wrong"),
        "message": _("The error has been logged. Please try again."),
    }
    return render(None, "500.html", context, status=500)
