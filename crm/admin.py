from __future__ import annotations

from django.contrib import admin

from .models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = (
        "name_zh",
        "name_en",
        "institution_type",
        "ownership",
        "country",
        "uscc",
        "owner",
    )
    list_filter = ("institution_type", "ownership", "licensed")
    search_fields = ("name_zh", "name_en", "uscc", "lei")
    autocomplete_fields = ["owner", "team"]
    filter_horizontal = ("categories",)
