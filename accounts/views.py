from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import django_otp
import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.security import log_security_event

from .forms import OTPCodeForm
from .selectors import totp_device_for, two_factor_required_for
from .services import (
    totp_config_url,
    totp_new_key,
    two_factor_check,
    two_factor_disable,
    two_factor_enable,
    user_set_language,
)
from .sessions import ENROL_KEY, OTP_PENDING, with_next


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in users keep the choice on their record."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


class LoginView(auth_views.LoginView):
    """Log in; a language picked on the login page becomes the user's own choice."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in dict(settings.LANGUAGES):
            user_set_language(user=form.get_user(), language=chosen)
        if self.request.session.get(OTP_PENDING):
            # The password was right; the session counts only once the code is given too.
            step = reverse("accounts:otp_verify")
            return HttpResponseRedirect(with_next(step, self.get_success_url()))
        return response


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a locked-out login sees (django-axes): the login page, saying why and how long."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    message = ngettext(
        "Too many failed login attempts. Logging in with this user name from this computer "
        "is blocked for %(minutes)s minute.",
        "Too many failed login attempts. Logging in with this user name from this computer "
        "is blocked for %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    context = {
        "form": AuthenticationForm(request),
        "next": _next_param(request),
        "lockout_message": message,
    }
    return render(request, "accounts/login.html", context, status=429)


def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: the code from the user's authenticator app."""
    if not request.session.get(OTP_PENDING):
        return HttpResponseRedirect(_next_url(request))
    form = OTPCodeForm(request.POST or None)
    if form.is_valid():
        try:
            device = two_factor_check(user=request.user, token=form.cleaned_data["otp_token"])
        except ValidationError as error:
            log_security_event("otp failed", request=request)
            form.add_error("otp_token", error)
        else:
            _session_verified(request, device)
            return HttpResponseRedirect(_next_url(request))
    context = {"form": form, "next": _next_param(request)}
    return render(request, "accounts/otp_verify.html", context)


def two_factor(request: HttpRequest) -> HttpResponse:
    """See, set up or turn off two-factor login (a TOTP authenticator app)."""
    device = totp_device_for(request.user)
    if device is not None:
        return _two_factor_page(request, device=device, disable_form=OTPCodeForm())
    key = request.session.get(ENROL_KEY)
    if not key:
        key = request.session[ENROL_KEY] = totp_new_key()
    form = OTPCodeForm(request.POST or None)
    if form.is_valid():
        try:
            device = two_factor_enable(
                user=request.user, key=key, token=form.cleaned_data["otp_token"]
            )
        except ValidationError as error:
            form.add_error("otp_token", error)
        else:
            del request.session[ENROL_KEY]
            _session_verified(request, device)
            messages.success(request, _("Two-factor login is on."))
            return HttpResponseRedirect(_next_url(request, default=reverse("accounts:two_factor")))
    return _two_factor_page(request, key=key, form=form)


@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Turn off two-factor login, given a current code (never for those who must use it)."""
    if two_factor_required_for(request.user):
        messages.error(request, _("Your role requires two-factor login; it cannot be turned off."))
        return redirect("accounts:two_factor")
    device = totp_device_for(request.user)
    if device is None:
        return redirect("accounts:two_factor")
    form = OTPCodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor_check(user=request.user, token=form.cleaned_data["otp_token"])
        except ValidationError as error:
            log_security_event("otp failed", request=request)
            form.add_error("otp_token", error)
        else:
            two_factor_disable(user=request.user)
            messages.success(request, _("Two-factor login is off."))
            return redirect("accounts:two_factor")
    return _two_factor_page(request, device=device, disable_form=form)


def _two_factor_page(
    request: HttpRequest,
    *,
    device: TOTPDevice | None = None,
    key: str = "",
    form: OTPCodeForm | None = None,
    disable_form: OTPCodeForm | None = None,
) -> HttpResponse:
    context = {
        "device": device,
        "required": two_factor_required_for(request.user),
        "form": form,
        "disable_form": disable_form,
        "next": _next_param(request),
    }
    if key:
        url = totp_config_url(user=request.user, key=key)
        secret = b32encode(unhexlify(key)).decode()
        context["qr_code"] = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "accounts/two_factor.html", context)


def _session_verified(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark the session as having given its second factor, under a new session key."""
    django_otp.login(request, device)
    request.session.pop(OTP_PENDING, None)
    request.session.cycle_key()


def _next_param(request: HttpRequest) -> str:
    return request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")


def _next_url(request: HttpRequest, default: str = "") -> str:
    """Where to go after a login step: the ``next`` asked for, if it is on this site."""
    next_url = _next_param(request)
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default or reverse(settings.LOGIN_REDIRECT_URL)
