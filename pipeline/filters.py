"""The project list's filters (django-filter). Querysets come scoped from the selectors.

A project shown only by its code name must not be found through what the code name hides:
the search matches its code name alone, and every filter on the institution or the
project's particulars (country, category, vehicle, expected landing) and the sorts on
amounts and dates match only the projects named to the user (``named_filter``). Filters
on what the board shows of every card (team, owner, stage) apply to all.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, F, Q, QuerySet, When
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Team, User
from core.filters import SidebarFilterSet
from core.widgets import AutocompleteSelect, QuickSelect, QuickSelectMultiple, StaticOptionsSelect
from crm.selectors import search_terms, users_choosable_by
from plans.selectors import category_index

from .models import Project, Stage, StageKind, Vehicle
from .selectors import named_filter

MULTI = QuickSelectMultiple(attrs={"data-enhance": "multi"})
YES_NO = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]

# Sorts whose values only projects named to the user may contribute: the others sort last.
NAMED_SORTS = {
    "capital": F("expected_registered_capital"),
    "landing": F("expected_year") * 10 + F("expected_quarter"),
}


class ProjectOrdering(django_filters.OrderingFilter):
    """Sorts on stage order, days in stage, and (named projects only) amounts and landing."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        keys = {param.lstrip("-") for param in value or []}
        named = named_filter(self.parent.user)
        for key in keys & NAMED_SORTS.keys():
            qs = qs.annotate(
                **{"sort_%s" % key: Case(When(named, then=NAMED_SORTS[key]), default=None)}
            )
        return super().filter(qs, value)

    def get_ordering_value(self, param: str):
        key = param.lstrip("-")
        descending = param.startswith("-")
        if key in NAMED_SORTS:
            field = F("sort_%s" % key)
            return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
        if key == "days":  # more days in the stage is an earlier entry
            field = F("stage_entered_at")
            return field.asc() if descending else field.desc()
        return super().get_ordering_value(param)


class ProjectFilter(SidebarFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Title, code name or institution"), "type": "search"}
        ),
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.all(), widget=QuickSelect
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), queryset=None, widget=AutocompleteSelect("crm:autocomplete_users")
    )
    mine = django_filters.BooleanFilter(
        label=_("Only my projects"), method="filter_mine", widget=forms.CheckboxInput
    )
    stage = django_filters.ModelMultipleChoiceFilter(
        label=_("Stage"), queryset=Stage.objects.all(), distinct=False, widget=MULTI
    )
    stage_kind = django_filters.MultipleChoiceFilter(
        label=_("Kind of stage"),
        field_name="stage__kind",
        choices=StageKind.choices,
        distinct=False,
        widget=MULTI,
    )
    vehicle = django_filters.MultipleChoiceFilter(
        label=_("Vehicle"), choices=Vehicle.choices, method="filter_vehicle", widget=MULTI
    )
    category = django_filters.TypedChoiceFilter(
        label=_("Plan category"), coerce=int, method="filter_category", widget=QuickSelect
    )
    country = django_filters.ChoiceFilter(
        label=_("Country of the investor"),
        choices=countries,
        method="filter_country",
        widget=StaticOptionsSelect,
    )
    year = django_filters.NumberFilter(
        label=_("Expected landing year"),
        method="filter_year",
        widget=forms.NumberInput(attrs={"min": 2000, "max": 2100}),
    )
    confidential = django_filters.BooleanFilter(
        label=_("Confidential"), widget=QuickSelect(choices=YES_NO)
    )
    sort = ProjectOrdering(
        label=_("Sort by"),
        fields=(
            ("stage__position", "stage"),
            ("probability", "probability"),
            ("stage_entered_at", "days"),
            ("expected_registered_capital", "capital"),
            ("expected_year", "landing"),
            ("created_at", "created"),
        ),
        field_labels={
            "stage__position": _("Stage"),
            "probability": _("Probability"),
            "stage_entered_at": _("Days in stage"),
            "expected_registered_capital": _("Expected capital"),
            "expected_year": _("Expected landing"),
            "created_at": _("Created"),
        },
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.named = named_filter(user)
        self.filters["owner"].queryset = users_choosable_by(user)
        # One query serves the select, its validation and the sub-category lookup.
        self.categories = category_index(user=user)
        # An empty first choice: without it a submitted form would filter by the first category.
        self.filters["category"].extra["choices"] = [("", "---------"), *self.categories.choices]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Named projects match on title, code name and institution; the others on code name."""
        for term in search_terms(value):
            queryset = queryset.filter(
                (
                    self.named
                    & (
                        Q(title__icontains=term)
                        | Q(code_name__icontains=term)
                        | Q(institution__search_text__contains=term)
                    )
                )
                | (~self.named & Q(code_name__icontains=term))
            )
        return queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(owner=self.user) if value else queryset

    def filter_vehicle(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(self.named, vehicle__in=value)

    def filter_category(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if not value:
            return queryset
        ids = self.categories.subtree(value)
        # A subquery, not a join: a project in two sub-categories is listed once.
        return queryset.filter(
            self.named,
            pk__in=Project.categories.through.objects.filter(category_id__in=ids).values(
                "project_id"
            ),
        )

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(self.named, institution__country=value)

    def filter_year(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(self.named, expected_year=int(value))
