"""Forms of the spreadsheet app (crispy-forms, Bootstrap 5)."""

from __future__ import annotations

from collections.abc import Mapping

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from plans.selectors import plan_list

from .tally import (
    check_quarter,
    last_ended_quarter,
    parse_quarter_code,
    previous_quarter,
    quarter_code,
)

QUARTER_SUGGESTIONS = 8  # quarter codes offered under the quarter field


class TallyForm(forms.Form):
    """The tally workbook's plan, quarter and language; read from the query string.

    ``cleaned_data["quarter"]`` is (year, quarter). A quarter the plan cannot be tallied for
    (ending on or before its baseline date, or not begun) is an error on the field.
    """

    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=None, to_field_name="code", empty_label=None
    )
    quarter = forms.CharField(
        label=_("Quarter"),
        max_length=40,
        help_text=_("Year and quarter, e.g. 2025Q4. The running quarter is counted to today."),
        widget=forms.TextInput(attrs={"list": "tally-quarters", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language of the workbook"), choices=settings.LANGUAGES)

    def __init__(self, data: Mapping[str, str] | None = None, *, user: User, **kwargs):
        super().__init__(data, **kwargs)
        plans = plan_list(user=user)
        self.fields["plan"].queryset = plans
        languages = {code for code, _name in settings.LANGUAGES}
        language = user.language if user.language in languages else get_language()
        self.initial.setdefault("plan", getattr(plans.first(), "code", None))
        self.initial.setdefault("quarter", quarter_code(*last_ended_quarter()))
        self.initial.setdefault("language", language)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("plan", css_class="col-md-6"),
                Column("quarter", css_class="col-md-3"),
                Column("language", css_class="col-md-3"),
            )
        )

    @property
    def quarter_suggestions(self) -> list[str]:
        """The last few ended quarters, for the field's list of suggestions."""
        found, current = [], last_ended_quarter()
        for _i in range(QUARTER_SUGGESTIONS):
            found.append(quarter_code(*current))
            current = previous_quarter(*current)
        return found

    def clean_quarter(self) -> tuple[int, int]:
        try:
            return parse_quarter_code(self.cleaned_data["quarter"])
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        plan, quarter = cleaned.get("plan"), cleaned.get("quarter")
        if plan is not None and quarter is not None:
            try:
                check_quarter(plan=plan, year=quarter[0], quarter=quarter[1])
            except ValidationError as error:
                self.add_error("quarter", error)
        return cleaned
