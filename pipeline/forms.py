"""Forms of the pipeline (crispy-forms, Bootstrap 5): a project, and a move between stages."""

from __future__ import annotations

import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from core.widgets import AutocompleteSelect
from crm.forms import UserChoiceField
from crm.identifiers import check_uscc
from crm.models import Institution
from crm.permissions import is_admin
from crm.selectors import institutions_visible_to, users_choosable_by
from plans.models import Category
from plans.selectors import category_index, plans_visible_to

from .models import LostReason, Project, Stage, StageKind
from .services import Registration

# What people type between competing locations: Chinese and Latin commas and semicolons,
# the enumeration comma 、, slashes and line breaks (never spaces: "Hong Kong").
LOCATION_SEPARATORS = re.compile(r"[、，,；;/／\n\r]+")


def split_locations(text: str) -> list[str]:
    """The competing locations typed in one box, trimmed, each once, in the order typed."""
    seen: set[str] = set()
    locations = []
    for part in LOCATION_SEPARATORS.split(text or ""):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            locations.append(name)
    return locations


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return obj.name


class ProjectForm(forms.ModelForm):
    """Create or edit a project. Its stage is not here: it changes only by a move."""

    competing_locations = forms.CharField(
        label=_("competing locations"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas or 、, e.g. 北京、深圳前海、Hong Kong、Singapore."),
    )
    # The version the editor started from: a save over someone else's newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = [
            "institution",
            "title",
            "vehicle",
            "categories",
            "owner",
            "team",
            "confidential",
            "code_name",
            "expected_registered_capital",
            "expected_registered_capital_currency",
            "expected_jobs",
            "expected_year",
            "expected_quarter",
            "probability",
            "competing_locations",
            "hold_reason",
            "lost_reason",
            "lost_note",
        ]
        widgets = {
            "hold_reason": forms.Textarea(attrs={"rows": 2}),
            "lost_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.creating = self.instance.pk is None
        self.fields["institution"] = InstitutionChoiceField(
            label=_("institution"),
            queryset=institutions_visible_to(user),
            widget=AutocompleteSelect("crm:autocomplete_institutions"),
        )
        self.fields["owner"] = UserChoiceField(
            label=_("owner"),
            queryset=users_choosable_by(user),
            widget=AutocompleteSelect("crm:autocomplete_users"),
        )
        # A project is its team's business: officers file it under their own teams.
        teams = Team.objects.all()
        if not is_admin(user):
            teams = teams.filter(Q(pk__in=user.working_team_ids) | Q(pk=self.instance.team_id))
        self.fields["team"].queryset = teams
        self.fields["team"].required = True
        self._set_up_categories()
        self.fields["expected_registered_capital"].help_text = _("In ten-thousands (万).")
        stage_kind = None if self.creating else self.instance.stage.kind
        if self.creating:
            del self.fields["probability"]  # the first stage's default
            self.fields["categories"].help_text = _(
                "Left empty, the project takes the institution's categories."
            )
        else:
            del self.fields["institution"]  # a project stays with its institution
            self.fields["probability"].help_text = _(
                "Set to the stage's default on every move; adjust it to your judgement."
            )
        if stage_kind != StageKind.HOLD:
            del self.fields["hold_reason"]
        if stage_kind == StageKind.LOST:
            self.fields["lost_reason"].required = True
        else:
            del self.fields["lost_reason"], self.fields["lost_note"]
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["competing_locations"] = "、".join(self.instance.competing_locations or [])
            if self.creating:  # a new project is the creator's, in the creator's team
                self.initial["owner"] = self.initial.get("owner") or user.pk
                if not self.initial.get("team") and user.working_team_ids:
                    self.initial["team"] = min(user.working_team_ids)
        year = self.fields["expected_year"].widget
        year.attrs.update(min=2000, max=2100, placeholder=timezone.localdate().year)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template has its token
        self.helper.layout = self._layout()

    def _set_up_categories(self) -> None:
        field = self.fields["categories"]
        index = category_index(user=self.user)
        field.queryset = Category.objects.filter(plan__in=plans_visible_to(self.user))
        field.choices = index.choices  # grouped by plan, indented by depth
        field.widget.attrs["data-enhance"] = "multi"

    def _layout(self) -> Layout:
        present = [name for name in self.fields if name != "version"]

        def row(*names: str) -> list:
            names = [name for name in names if name in present]
            return [Row(*(Column(name) for name in names))] if names else []

        def block(*names: str) -> list:
            return [name for name in names if name in present]

        status = [
            *block("hold_reason"),
            *row("lost_reason"),
            *block("lost_note"),
        ]
        return Layout(
            Fieldset(
                _("Project"),
                *block("institution", "title"),
                *row("vehicle", "team", "owner"),
                "categories",
            ),
            Fieldset(_("Confidentiality"), Row(Column("confidential"), Column("code_name"))),
            Fieldset(
                _("Expectations"),
                *row(
                    "expected_registered_capital",
                    "expected_registered_capital_currency",
                    "expected_jobs",
                ),
                *row("expected_year", "expected_quarter", "probability"),
                "competing_locations",
            ),
            *([Fieldset(_("Status"), *status)] if status else []),
        )

    def accept_current_version(self) -> None:
        """After a conflict, let the editor save over the newer version knowingly."""
        self.data = self.data.copy()
        self.data["version"] = Project.objects.get(pk=self.instance.pk).version

    def clean_competing_locations(self) -> list[str]:
        return split_locations(self.cleaned_data["competing_locations"])

    def clean_code_name(self) -> str:
        return self.cleaned_data["code_name"].strip()

    def service_fields(self) -> dict[str, Any]:
        """The cleaned fields the services take as they are (not the institution or categories)."""
        skip = {"institution", "title", "categories", "version"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return obj.name


class MoveForm(forms.Form):
    """Move a project to another stage; what it asks besides a note depends on the stage."""

    to = StageChoiceField(label=_("Move to"), queryset=Stage.objects.none(), empty_label=None)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # A won stage: the evidence of the landing.
    registration_date = forms.DateField(
        label=_("Registration date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date on the business licence."),
    )
    uscc = forms.CharField(label=_("Unified social credit code"), required=False, max_length=40)
    confirm_uscc = forms.BooleanField(
        label=_("Record the code as it is, although it fails the check"), required=False
    )
    # A lost stage.
    lost_reason = forms.ChoiceField(
        label=_("Why was it lost?"),
        choices=[("", "---------"), *LostReason.choices],
        required=False,
    )
    lost_note = forms.CharField(
        label=_("Note on the loss"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where did it go, and what would have kept it?"),
    )
    # On hold.
    hold_reason = forms.CharField(
        label=_("Why is it on hold?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    KIND_FIELDS = {
        StageKind.WON: ("registration_date", "uscc", "confirm_uscc"),
        StageKind.LOST: ("lost_reason", "lost_note"),
        StageKind.HOLD: ("hold_reason",),
    }

    def __init__(self, *args, project: Project, stages: list[Stage], **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.current = next((s for s in stages if s.pk == project.stage_id), None)
        choosable = [s for s in stages if s.pk != project.stage_id]
        field = self.fields["to"]
        # Offered: the other stages. Accepted: any, so that a form opened before someone
        # else's move gets the service's own answer ("already at ...").
        field.queryset = Stage.objects.all()
        field.choices = [(s.pk, s.name) for s in choosable]
        self.target = self._target(choosable)
        kind = self.target.kind if self.target else None
        for stage_kind, names in self.KIND_FIELDS.items():
            if stage_kind != kind:
                for name in names:
                    del self.fields[name]
        if kind == StageKind.WON and not self.is_bound and project.institution.uscc:
            self.initial.setdefault("uscc", project.institution.uscc)
        if kind == StageKind.HOLD and not self.is_bound:
            self.initial.setdefault("hold_reason", project.hold_reason)
        # Shown with the confirmation only when the code typed fails its check.
        self.uscc_problem = ""
        if self.is_bound and "uscc" in self.fields:
            typed = self.data.get(self.add_prefix("uscc"), "").strip()
            if typed:
                self.uscc_problem = check_uscc(typed).problem

    def _target(self, choosable: list[Stage]) -> Stage | None:
        raw = self.data.get(self.add_prefix("to")) if self.is_bound else self.initial.get("to")
        raw = str(getattr(raw, "pk", raw) or "")
        found = next((s for s in choosable if str(s.pk) == raw), None)
        if found is not None or self.is_bound:
            return found
        # Nothing asked for: the next stage along the line, else the first other one.
        position = self.current.position if self.current else -1
        ahead = [s for s in choosable if s.position > position and s.kind == StageKind.OPEN]
        return (ahead or choosable or [None])[0]

    @property
    def backwards(self) -> bool:
        """Whether the move goes back along the line (allowed, and kept in the history)."""
        return bool(self.target and self.current and self.target.position < self.current.position)

    @property
    def undoes_landing(self) -> bool:
        return bool(
            self.target
            and self.current
            and self.current.kind == StageKind.WON
            and self.target.kind != StageKind.WON
        )

    def registration(self) -> Registration | None:
        if "registration_date" not in self.fields:
            return None
        return Registration(
            date=self.cleaned_data.get("registration_date"),
            uscc=self.cleaned_data.get("uscc", ""),
            confirm_uscc=self.cleaned_data.get("confirm_uscc", False),
        )

    def move_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``project_move`` besides the project and the actor."""
        data = self.cleaned_data
        return {
            "to": data["to"],
            "note": data.get("note", ""),
            "registration": self.registration(),
            "lost_reason": data.get("lost_reason", ""),
            "lost_note": data.get("lost_note", ""),
            "hold_reason": data.get("hold_reason", ""),
        }
