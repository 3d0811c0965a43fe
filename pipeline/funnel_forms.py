"""The funnel's filter form: a period, who and what to count, and when a project is stalled."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Team, User
from core.widgets import AutocompleteSelect, QuickSelect, StaticOptionsSelect
from crm.forms import UserChoiceField
from crm.permissions import sees_every_team
from crm.selectors import users_choosable_by
from plans.selectors import category_index

from .funnel import FunnelFilters, Period, default_period, period_presets
from .models import Vehicle

DEFAULT_STUCK_DAYS = 90
MAX_DAYS = 3650
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_team_id(user: User) -> int | None:
    """The team a manager or officer reviews by default: the one they manage, else work in.

    Analysts and admins review every team by default.
    """
    if sees_every_team(user):
        return None
    ids = sorted(user.managed_team_ids) or sorted(user.working_team_ids)
    return ids[0] if ids else None


class FunnelForm(forms.Form):
    """Read from the query string; what is missing takes its default, so links are complete."""

    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("All teams"),
        widget=QuickSelect,
    )
    owner = UserChoiceField(
        label=_("Officer"),
        queryset=User.objects.none(),
        required=False,
        widget=AutocompleteSelect("crm:autocomplete_users"),
    )
    category = forms.TypedChoiceField(
        label=_("Plan category"), coerce=int, empty_value=None, required=False, widget=QuickSelect
    )
    country = forms.ChoiceField(
        label=_("Country of origin"),
        choices=[("", "---------"), *countries],
        required=False,
        widget=StaticOptionsSelect,
    )
    vehicle = forms.ChoiceField(
        label=_("Vehicle"), choices=[("", "---------"), *Vehicle.choices], required=False
    )
    idle_days = forms.IntegerField(
        label=_("Stalled: no interaction for (days)"), min_value=1, max_value=MAX_DAYS
    )
    stuck_days = forms.IntegerField(
        label=_("Stalled: in one stage for more than (days)"), min_value=1, max_value=MAX_DAYS
    )

    def __init__(self, params: Mapping[str, str], *, user: User):
        data = QueryDict(mutable=True)
        data.update({key: params[key] for key in self.base_fields if key in params})
        period = default_period()
        defaults = {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "idle_days": str(settings.LANDFALL_STALE_DAYS),
            "stuck_days": str(DEFAULT_STUCK_DAYS),
        }
        for key, value in defaults.items():
            data.setdefault(key, value)
        if "team" not in params:  # an empty team, as sent by the form, means all teams
            team = default_team_id(user)
            data["team"] = "" if team is None else str(team)
        super().__init__(data)
        teams = Team.objects.all()
        if not sees_every_team(user):
            teams = teams.filter(pk__in=user.working_team_ids)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = users_choosable_by(user)
        # One query serves the select, its validation and the sub-category lookup.
        self.categories = category_index(user=user)
        self.fields["category"].choices = [("", "---------"), *self.categories.choices]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if name == "owner":
                continue  # the autocomplete adds its own
            field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " " + css).strip()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."), code="period")
        return data

    def filters(self) -> FunnelFilters:
        """The valid form's filters."""
        data = self.cleaned_data
        category = data.get("category")
        return FunnelFilters(
            period=Period(data["start"], data["end"]),
            team=data.get("team"),
            owner=data.get("owner"),
            category_ids=frozenset(self.categories.subtree(category)) if category else frozenset(),
            country=data.get("country") or "",
            vehicle=data.get("vehicle") or "",
            idle_days=data["idle_days"],
            stuck_days=data["stuck_days"],
        )

    def query(self, **changes: str) -> QueryDict:
        """The form's values as a query string (with ``changes``), defaults spelled out, so
        that a link computes exactly what the page did."""
        query = QueryDict(mutable=True)
        for name, value in (
            {name: self.data.get(name, "") for name in self.fields} | changes
        ).items():
            query[name] = value
        return query


def preset_queries(form: FunnelForm) -> list[tuple[str, str, bool]]:
    """(label, query string, chosen) for each preset period, the other filters kept."""
    labels = {
        "this_quarter": _("This quarter"),
        "last_quarter": _("Last quarter"),
        "this_year": _("This year"),
        "last_12_months": _("Last 12 months"),
    }
    chosen = (form.data.get("start"), form.data.get("end"))
    presets = []
    for key, period in period_presets(timezone.localdate()).items():
        dates = (period.start.isoformat(), period.end.isoformat())
        query = form.query(start=dates[0], end=dates[1]).urlencode()
        presets.append((str(labels[key]), query, dates == chosen))
    return presets
