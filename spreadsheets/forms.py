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
from openpyxl.utils import get_column_letter

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


# ---------------------------------------------------------------- import wizard


class ImportUploadForm(forms.Form):
    """Step 1: what the file holds, and the file."""

    kind = forms.ChoiceField(label=_("The file holds"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Workbook"),
        help_text=_(".xlsx or .csv (UTF-8 or GB18030), up to %(size)s MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv,.tsv,.txt"}),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if len(kinds) == 1:
            self.initial.setdefault("kind", kinds[0][0])
        megabytes = settings.LANDFALL_IMPORT_MAX_BYTES / (1024 * 1024)
        self.fields["file"].help_text = self.fields["file"].help_text % {"size": f"{megabytes:g}"}
        self.helper = FormHelper()
        self.helper.form_tag = False


class ImportMappingForm(forms.Form):
    """Step 2: the sheet, the header row (as Excel numbers it) and what each column is.

    One ``column_<n>`` field per header cell; a field may take one column only.
    """

    sheet = forms.ChoiceField(label=_("Sheet"))
    header_row = forms.IntegerField(
        label=_("Header row"),
        min_value=1,
        help_text=_("The row number Excel shows for the row of column names."),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        help_text=_("When any row fails, write nothing. Untick to write the good rows."),
    )

    def __init__(
        self,
        *args,
        sheets: list[dict],
        headers: list[str],
        fields: list[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        hidden = _("(hidden)")
        self.fields["sheet"].choices = [
            (s["name"], f"{s['name']} {hidden}" if s["hidden"] else s["name"])
            for s in sheets
            if not s.get("refused")
        ]
        self.sample_rows = {s["name"]: len(s["sample"]) for s in sheets}
        self.headers = headers
        self.labels = dict(fields)
        choices = [("", _("— not imported —")), *fields]
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("(column %(letter)s)") % {"letter": column_letter(index)},
                choices=choices,
                required=False,
            )

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{i}"] for i in range(len(self.headers))]

    def clean(self) -> dict:
        cleaned = super().clean()
        sheet, row = cleaned.get("sheet"), cleaned.get("header_row")
        if sheet and row and row > max(self.sample_rows.get(sheet, 0), 1):
            self.add_error(
                "header_row",
                _("The header row must be within the first %(count)s rows of the sheet.")
                % {"count": max(self.sample_rows.get(sheet, 0), 1)},
            )
        taken: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            name = cleaned.get(f"column_{index}")
            if not name:
                continue
            if name in taken:
                self.add_error(
                    f"column_{index}",
                    _("“%(field)s” is already taken by the column %(column)s.")
                    % {"field": self.labels.get(name, name), "column": taken[name]},
                )
            else:
                taken[name] = header or column_letter(index)
        return cleaned

    @property
    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data[f"column_{index}"]
            for index in range(len(self.headers))
            if self.cleaned_data.get(f"column_{index}")
        }


def column_letter(index: int) -> str:
    """A, B, … Z, AA for a 0-based column index."""
    return get_column_letter(index + 1)
