"""The register in the Django admin: buildings are kept here; the rest is for inspection."""

from __future__ import annotations

from django.contrib import admin

from plans.admin import PlanKeeperMixin

from .models import Building, Contact, FollowUp, Institution, InstitutionMerge, Interaction
from .services import institution_save


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = (
        "name_zh",
        "name_en",
        "institution_type",
        "ownership",
        "status",
        "country",
        "uscc",
        "owner",
    )
    list_select_related = ("owner",)  # nullable: the admin would not join it on its own
    list_filter = ("institution_type", "ownership", "status", "licensed")
    search_fields = ("name_zh", "name_en", "uscc", "lei")
    autocomplete_fields = ["owner", "team", "building"]
    filter_horizontal = ("categories",)
    readonly_fields = ("last_contacted_on", "created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        institution_save(institution=obj, actor=request.user)


@admin.register(Building)
class BuildingAdmin(PlanKeeperMixin, admin.ModelAdmin):
    """Analysts and admins keep the district's buildings and their tax tiers."""

    list_display = ("name_zh", "name_en", "tax_tier", "tax_year", "address")
    list_filter = ("tax_tier",)
    search_fields = ("name_zh", "name_en", "address")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("display_name", "institution", "lawful_basis", "do_not_contact", "erased_at")
    list_filter = ("lawful_basis", "do_not_contact")
    raw_id_fields = ("institution",)
    readonly_fields = ("erased_at",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "institution", "created_by")
    list_filter = ("kind",)
    date_hierarchy = "date"
    raw_id_fields = ("institution", "project", "contacts")
    filter_horizontal = ("officers",)


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("title", "assignee", "due_date", "done", "institution")
    list_filter = ("done",)
    raw_id_fields = ("institution", "project", "interaction")


@admin.register(InstitutionMerge)
class InstitutionMergeAdmin(admin.ModelAdmin):
    """The merge log: read only, as a record should be."""

    list_display = ("merged_at", "merged_name", "survivor", "actor")
    readonly_fields = [f.name for f in InstitutionMerge._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
