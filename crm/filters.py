"""The register list's filters (django-filter). Querysets come scoped from the selectors."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Team
from core.filters import SidebarFilterSet
from core.widgets import (
    AutocompleteSelect,
    QuickSelect,
    QuickSelectMultiple,
    StaticOptionsSelect,
)
from plans.selectors import category_index

from .models import FLAG_FIELDS, Flag, Institution, InstitutionStatus, InstitutionType, Ownership
from .selectors import (
    buildings_visible_to,
    institutions_matching,
    overdue_follow_ups_exist,
    users_choosable_by,
)

# Long lists of choices become searchable chips (static/js/landfall.js).
MULTI = QuickSelectMultiple(attrs={"data-enhance": "multi"})


class InstitutionOrdering(django_filters.OrderingFilter):
    """Sorting on the last contact treats "never" as the oldest date.

    Most recent first puts never-contacted institutions last, stalest first puts them
    first; PostgreSQL's default would do the opposite, and SQLite's differs from it.
    """

    def get_ordering_value(self, param: str):
        if param.lstrip("-") == "contacted":
            field = F("last_contacted_on")
            return (
                field.desc(nulls_last=True)
                if param.startswith("-")
                else field.asc(nulls_first=True)
            )
        return super().get_ordering_value(param)


class InstitutionFilter(SidebarFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, alias, USCC or LEI"), "type": "search"}
        ),
    )
    institution_type = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=InstitutionType.choices, distinct=False, widget=MULTI
    )
    ownership = django_filters.MultipleChoiceFilter(
        label=_("Ownership"), choices=Ownership.choices, distinct=False, widget=MULTI
    )
    country = django_filters.ChoiceFilter(
        label=_("Country of the investor"), choices=countries, widget=StaticOptionsSelect
    )
    category = django_filters.TypedChoiceFilter(
        label=_("Plan category"), coerce=int, method="filter_category", widget=QuickSelect
    )
    flags = django_filters.MultipleChoiceFilter(
        label=_("Flags"),
        choices=Flag.choices,
        method="filter_flags",
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=InstitutionStatus.choices, distinct=False, widget=MULTI
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        queryset=None,
        widget=AutocompleteSelect("crm:autocomplete_users"),
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.all(), widget=QuickSelect
    )
    building = django_filters.ModelChoiceFilter(
        label=_("Building"),
        queryset=None,
        widget=AutocompleteSelect("crm:autocomplete_buildings"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Has overdue follow-ups"),
        method="filter_overdue",
        widget=QuickSelect(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )
    contacted_after = django_filters.DateFilter(
        label=_("Last contact on or after"),
        field_name="last_contacted_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contacted_before = django_filters.DateFilter(
        label=_("Last contact before (or never)"),
        method="filter_contacted_before",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sort = InstitutionOrdering(
        label=_("Sort by"),
        fields=(
            ("name_zh", "name_zh"),
            ("name_en", "name_en"),
            ("institution_type", "type"),
            ("status", "status"),
            ("owner__username", "owner"),
            ("last_contacted_on", "contacted"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "name_zh": _("Chinese name"),
            "name_en": _("English name"),
            "institution_type": _("Type"),
            "status": _("Status"),
            "owner__username": _("Owner"),
            "last_contacted_on": _("Last contact"),
            "updated_at": _("Updated"),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = users_choosable_by(user)
        self.filters["building"].queryset = buildings_visible_to(user)
        # One query serves the select, its validation and the sub-category lookup.
        self.categories = category_index(user=user)
        # An empty first choice: without it a submitted form would filter by the first category.
        self.filters["category"].extra["choices"] = [("", "---------"), *self.categories.choices]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return institutions_matching(queryset, value)

    def filter_category(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if not value:
            return queryset
        ids = self.categories.subtree(value)
        # A subquery, not a join: an institution in two sub-categories is listed once.
        return queryset.filter(
            pk__in=Institution.categories.through.objects.filter(category_id__in=ids).values(
                "institution_id"
            )
        )

    def filter_flags(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        for code in value:
            queryset = queryset.filter(**{FLAG_FIELDS[code]: True})
        return queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(overdue_follow_ups_exist() if value else ~overdue_follow_ups_exist())

    def filter_contacted_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Q(last_contacted_on__lt=value) | Q(last_contacted_on__isnull=True))
