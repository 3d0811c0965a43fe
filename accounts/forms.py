"""Forms for the second login step and for setting up an authenticator app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OTPCodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )
