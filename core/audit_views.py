"""The audit search page: admins find who changed what, by user, model and date."""

from __future__ import annotations

import django_filters
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User

from .widgets import AutocompleteSelect


def audited_content_types() -> list[ContentType]:
    """The models whose changes the trail keeps."""
    models = auditlog.get_models()
    return sorted(
        ContentType.objects.get_for_models(*models).values(),
        key=lambda ct: str(ct.model_class()._meta.verbose_name),
    )


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        return str(obj.model_class()._meta.verbose_name).capitalize()


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        label=_("User"),
        queryset=User.objects.all(),
        widget=AutocompleteSelect("crm:autocomplete_users"),
    )
    content_type = django_filters.ModelChoiceFilter(
        label=_("Record type"), queryset=ContentType.objects.none()
    )
    object_id = django_filters.NumberFilter(label=_("Record id"))
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="timestamp",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = django_filters.DateFilter(
        label=_("Until"),
        field_name="timestamp",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = LogEntry
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.filters["content_type"]
        field.queryset = ContentType.objects.filter(
            pk__in=[ct.pk for ct in audited_content_types()]
        )
        field.field_class = ContentTypeChoiceField


def audit_search(request: HttpRequest) -> HttpResponse:
    if not request.user.has_any_role(Role.ADMIN):
        raise PermissionDenied
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    filterset = AuditFilter(request.GET, queryset=entries)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {"filter": filterset, "page": page, "query_string": params.urlencode()},
    )
