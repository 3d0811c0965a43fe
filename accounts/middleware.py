"""Per-request rules on the signed-in session: its language, its timeouts, its second factor.

Language: the user's own choice, then the cookie, then Chinese. Django's LocaleMiddleware
would follow the browser's Accept-Language header; the office works in Chinese first, so a
browser set to English must not switch the product by itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from core.security import security_log

from .selectors import totp_device_for, two_factor_required_for
from .sessions import OTP_PENDING, Expiry, session_expiry, with_next

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for(request: HttpRequest) -> str:
    """The language this request is served in."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in SUPPORTED:
        return cookie
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _return_to(request: HttpRequest) -> str:
    """Where the person was going: the page itself, or for htmx the page the panel sits on."""
    if getattr(request, "htmx", False):
        return request.htmx.current_url_abs_path or ""
    return request.get_full_path() if request.method == "GET" else ""


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``; an htmx request gets the whole page changed, not a panel."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionTimeoutMiddleware:
    """Log out a session idle for too long, or older than the longest a session may last."""

    MESSAGES = {
        Expiry.IDLE: _("You were logged out after a period of inactivity. Please log in again."),
        Expiry.ABSOLUTE: _("Your session has reached its time limit. Please log in again."),
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expiry = session_expiry(request)
            if expiry is not None:
                user_id = request.user.pk
                logout(request)
                security_log.info("session expired (%s) user_id=%s", expiry, user_id)
                messages.info(request, self.MESSAGES[expiry])
                return _redirect(request, _login_url(_return_to(request)))
        return self.get_response(request)


class TwoFactorMiddleware:
    """Hold a session at the second step until its code is given.

    A user with an authenticator who has given only the password may reach the code step
    and log out, nothing else. With ``LANDFALL_REQUIRE_2FA_FOR_ADMINS``, an administrator
    without an authenticator may reach only the page that sets one up, and log out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = self._step_owed(request)
            if step is not None and request.path_info not in {
                reverse(step),
                reverse("accounts:logout"),
            }:
                return _redirect(request, with_next(reverse(step), _return_to(request)))
        return self.get_response(request)

    @staticmethod
    def _step_owed(request: HttpRequest) -> str | None:
        if request.session.get(OTP_PENDING):
            return "accounts:otp_verify"
        if two_factor_required_for(request.user):
            if totp_device_for(request.user) is not None:
                request.session[OTP_PENDING] = True
                return "accounts:otp_verify"
            return "accounts:two_factor"
        return None


def _login_url(next_url: str) -> str:
    login_url = resolve_url(settings.LOGIN_URL)
    return with_next(login_url, "" if next_url.startswith(login_url) else next_url)
