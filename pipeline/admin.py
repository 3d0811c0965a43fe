"""The pipeline in the Django admin: admins keep the stages here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import ProtectedError, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Project, Stage, StageChange


class StageKeeperMixin:
    """Admins keep the stages: they may view, add, change and delete them here."""

    def _keeps_stages(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_any_role(Role.ADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._keeps_stages(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_stages(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return self._keeps_stages(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_stages(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._keeps_stages(request) or super().has_delete_permission(request, obj)


def stage_in_use(stage: Stage) -> bool:
    """Whether a project stands at the stage or its history names it."""
    return (
        stage.projects.exists()
        or StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    )


IN_USE = _(
    "The stage %(stage)s is in use by projects or their history and cannot be deleted. "
    "Rename it or move its projects instead."
)


@admin.register(Stage)
class StageAdmin(StageKeeperMixin, admin.ModelAdmin):
    list_display = ("position", "code", "name_zh", "name_en", "kind", "default_probability")
    list_display_links = ("code",)
    list_editable = ("position",)
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("position", "pk")
    actions = None  # the bulk delete action would meet the protection on each row

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is not None and stage_in_use(obj):
            return False  # hides the button; the delete view answers with a message
        return super().has_delete_permission(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        stage = self.get_object(request, object_id)
        if stage is not None and self._keeps_stages(request) and stage_in_use(stage):
            self.message_user(request, IN_USE % {"stage": stage}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:pipeline_stage_change", args=[stage.pk]))
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:  # a project took the stage between the check and the delete
            self.message_user(request, IN_USE % {"stage": stage}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:pipeline_stage_changelist"))


class StageChangeInline(admin.TabularInline):
    """The project's history, read only: moves are made by ``project_move``."""

    model = StageChange
    extra = 0
    fields = ("changed_at", "from_stage", "to_stage", "actor", "note", "registration_date")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read only, for inspection: projects are kept through the services (history, version)."""

    list_display = ("__str__", "stage", "probability", "owner", "team", "created_at")
    list_filter = ("stage", "confidential")
    inlines = [StageChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
