from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import Role

from .models import Category, Plan, Target, TargetMeasurement


class PlanKeeperMixin:
    """Analysts and admins keep the plan: they may view, add, change and delete it here."""

    def _keeps_plans(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_any_role(Role.ANALYST, Role.ADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._keeps_plans(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_plans(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return self._keeps_plans(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_plans(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_plans(request) or super().has_delete_permission(request, obj)


class PlanKeeperAdmin(PlanKeeperMixin, admin.ModelAdmin):
    pass


@admin.register(Plan)
class PlanAdmin(PlanKeeperAdmin):
    list_display = ("code", "name_zh", "name_en", "baseline_date", "horizon_date")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Category)
class CategoryAdmin(PlanKeeperAdmin):
    list_display = ("code", "name_zh", "name_en", "parent", "plan", "position")
    list_filter = ("plan",)
    search_fields = ("code", "name_zh", "name_en")
    autocomplete_fields = ["parent"]
    ordering = ("plan", "position")


class MeasurementInline(PlanKeeperMixin, admin.TabularInline):
    model = TargetMeasurement
    extra = 0
    fields = ("year", "quarter", "value", "note")


@admin.register(Target)
class TargetAdmin(PlanKeeperAdmin):
    list_display = (
        "code",
        "name_zh",
        "kind",
        "baseline_value",
        "target_value",
        "due_date",
        "plan",
    )
    list_filter = ("plan", "kind", "unit")
    search_fields = ("code", "name_zh", "name_en")
    filter_horizontal = ("categories",)
    inlines = [MeasurementInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:  # offer only the categories of the target's own plan
            field = form.base_fields["categories"]
            field.queryset = field.queryset.filter(plan=obj.plan)
        return form

    def save_formset(self, request, form, formset, change):
        for measurement in formset.save(commit=False):
            measurement.recorded_by = request.user
            measurement.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(TargetMeasurement)
class TargetMeasurementAdmin(PlanKeeperAdmin):
    list_display = ("target", "year", "quarter", "value", "recorded_by", "recorded_at")
    list_filter = ("target__plan", "year", "quarter")
    autocomplete_fields = ["target"]
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
