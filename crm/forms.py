"""Forms of the register (crispy-forms, Bootstrap 5)."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from core.money import Currency
from core.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from plans.models import Category

from . import scoping
from .identifiers import check_lei, check_uscc
from .models import (
    Building,
    Contact,
    Institution,
    Interaction,
    InteractionKind,
    Milestone,
    MilestoneKind,
)
from .permissions import is_admin
from .selectors import buildings_visible_to, contacts_visible_to, users_choosable_by
from .services import MERGE_FIELDS, FollowUpDraft


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class InstitutionForm(forms.ModelForm):
    """Create or edit an institution; odd identifiers and likely duplicates need a confirmation."""

    aliases = forms.CharField(
        label=_("Aliases and former names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    confirm_identifiers = forms.BooleanField(
        label=_("Save the identifiers even though they fail the check"),
        required=False,
    )
    # The version the editor started from: a save over someone else's newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a different institution: save it anyway"),
        required=False,
    )

    class Meta:
        model = Institution
        # The fields a merge weighs are exactly the ones a person edits, plus categories.
        fields = [*MERGE_FIELDS, "categories"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.identifier_warnings: dict[str, str] = {}
        self.fields["owner"] = UserChoiceField(
            label=_("owner"),
            queryset=users_choosable_by(user),
            required=False,
            widget=AutocompleteSelect("crm:autocomplete_users"),
        )
        self.fields["building"].queryset = buildings_visible_to(user)
        self.fields["building"].widget = AutocompleteSelect("crm:autocomplete_buildings")
        # Officers file records under their own teams; admins under any.
        teams = Team.objects.all()
        if not is_admin(user):
            teams = teams.filter(Q(pk__in=user.working_team_ids) | Q(pk=self.instance.team_id))
        self.fields["team"].queryset = teams
        if not self.is_bound:
            self.initial["version"] = self.instance.version
        self.fields["categories"].queryset = Category.objects.select_related("plan").order_by(
            "plan", "position", "pk"
        )
        self.fields["categories"].widget.attrs["data-enhance"] = "multi"
        if self.instance.pk and not self.is_bound:
            self.initial["aliases"] = "\n".join(
                self.instance.aliases.values_list("name", flat=True)
            )
        elif not self.is_bound:  # a new record is the creator's, in the creator's team
            self.initial.setdefault("owner", user.pk)
            team = user.memberships.values_list("team_id", flat=True).first()
            if team:
                self.initial.setdefault("team", team)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Names"),
                Row(Column("name_zh"), Column("name_en")),
                "aliases",
            ),
            Fieldset(
                _("Identifiers"),
                Row(Column("uscc"), Column("lei")),
            ),
            Fieldset(
                _("Classification"),
                Row(Column("institution_type"), Column("ownership"), Column("status")),
                Row(Column("country"), Column("parent_country")),
                Row(
                    Column("licensed"),
                    Column("national_first"),
                    Column("foreign_controlled"),
                    Column("regulator"),
                ),
                "categories",
            ),
            Fieldset(
                _("Presence"),
                Row(
                    Column("building"),
                    Column("registered_capital"),
                    Column("registered_capital_currency"),
                ),
                "website",
                "description",
            ),
            Fieldset(_("Responsibility"), Row(Column("owner"), Column("team"))),
        )
        # The two confirmations are rendered by the template, only when they apply.

    def accept_current_version(self) -> None:
        """After a conflict, let the editor save over the newer version knowingly."""
        self.data = self.data.copy()
        self.data["version"] = Institution.objects.get(pk=self.instance.pk).version

    def clean_aliases(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]

    def _clean_identifier(self, name: str, check) -> str | None:
        raw = self.cleaned_data.get(name) or ""
        if not raw.strip():
            return None
        result = check(raw)
        if not result.valid:
            self.identifier_warnings[name] = result.problem
        return result.value

    def clean_uscc(self) -> str | None:
        return self._clean_identifier("uscc", check_uscc)

    def clean_lei(self) -> str | None:
        return self._clean_identifier("lei", check_lei)

    def clean(self):
        cleaned = super().clean()
        if self.identifier_warnings and not cleaned.get("confirm_identifiers"):
            for name, problem in self.identifier_warnings.items():
                self.add_error(
                    name,
                    _("%(problem)s Check the code, or tick the confirmation to save it as it is.")
                    % {"problem": problem},
                )
        return cleaned


class InteractionForm(forms.ModelForm):
    """Log an interaction, and optionally the follow-up it calls for, in one go."""

    officers = UserMultipleChoiceField(
        label=_("Officers present"),
        queryset=User.objects.none(),
        required=False,
        widget=AutocompleteSelectMultiple("crm:autocomplete_users"),
    )
    follow_up_title = forms.CharField(label=_("Follow-up"), max_length=200, required=False)
    follow_up_due = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    follow_up_assignee = UserChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        widget=AutocompleteSelect("crm:autocomplete_users"),
        help_text=_("You, unless you choose a colleague."),
    )

    class Meta:
        model = Interaction
        fields = [
            "kind",
            "date",
            "officers",
            "contacts",
            "project",
            "summary",
            "outcome",
            "next_step",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "next_step": forms.Textarea(attrs={"rows": 2}),
            "contacts": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self,
        *args,
        user: User,
        institution: Institution,
        projects: list | None = None,
        contacts: list | None = None,
        **kwargs,
    ):
        """``projects``, ``contacts``: the institution's visible projects and contacts when
        the caller has them already (the page); they are offered without a query again. The
        fields still validate a submitted choice against their scoped querysets."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.institution = institution
        self.fields["officers"].queryset = users_choosable_by(user)
        self.fields["officers"].widget.known = {user.pk: user}
        self.fields["follow_up_assignee"].queryset = users_choosable_by(user)
        self.fields["contacts"].queryset = contacts_visible_to(user).filter(
            institution=institution, erased_at__isnull=True
        )
        if contacts is not None:
            offered = [c for c in contacts if c.erased_at is None]
            self.fields["contacts"].choices = [
                (c.pk, self.fields["contacts"].label_from_instance(c)) for c in offered
            ]
        self.fields["project"].queryset = scoping.visible("projects", user).filter(
            institution=institution
        )
        if projects:
            self.fields["project"].choices = [
                ("", self.fields["project"].empty_label),
                *((p.pk, self.fields["project"].label_from_instance(p)) for p in projects),
            ]
        if not (projects if projects is not None else self.fields["project"].queryset.exists()):
            del self.fields["project"]
        self.fields["contacts"].required = False
        if not self.is_bound:
            self.initial.setdefault("kind", InteractionKind.VISIT)
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("officers", [user.pk])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("kind"), Column("date")),
            "officers",
            "contacts",
            *(["project"] if "project" in self.fields else []),
            "summary",
            Row(Column("outcome"), Column("next_step")),
            Fieldset(
                _("Follow-up (optional)"),
                Row(
                    Column(Field("follow_up_title"), css_class="col-md-6"),
                    Column("follow_up_due"),
                    Column("follow_up_assignee"),
                ),
            ),
        )

    def clean_date(self) -> datetime.date:
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("An interaction cannot be dated in the future."))
        return date

    def clean(self):
        cleaned = super().clean()
        title = cleaned.get("follow_up_title")
        due = cleaned.get("follow_up_due")
        wants_follow_up = title or due or cleaned.get("follow_up_assignee")
        if wants_follow_up:
            if not title:
                self.add_error("follow_up_title", _("Say what needs doing."))
            if not due and "follow_up_due" not in self.errors:
                self.add_error("follow_up_due", _("Give the follow-up a due date."))
        return cleaned

    def follow_up_draft(self) -> FollowUpDraft | None:
        title = self.cleaned_data.get("follow_up_title")
        if not title:
            return None
        return FollowUpDraft(
            title=title,
            assignee=self.cleaned_data.get("follow_up_assignee") or self.user,
            due_date=self.cleaned_data["follow_up_due"],
        )


class MilestoneForm(forms.ModelForm):
    """Record a landing milestone. Each kind has its own fieldset (``Milestone.KIND_FIELDS``);
    what was typed into another kind's fields is dropped, and ``Milestone.clean`` says which
    of the kind's fields are missing."""

    # Typed as the licence prints it, spaces and all; compacted to 18 characters.
    uscc = forms.CharField(label=_("unified social credit code"), max_length=40, required=False)
    confirm_uscc = forms.BooleanField(
        label=_("Keep this code even though it fails the check"), required=False
    )

    class Meta:
        model = Milestone
        fields = [
            "kind",
            "date",
            "uscc",
            "registered_capital",
            "registered_capital_currency",
            "building",
            "licence_type",
            "regulator",
            "recognition",
            "recognised_by",
            "exit_kind",
            "reason",
            "note",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reason": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.uscc_warning = ""
        self.fields["building"].queryset = buildings_visible_to(user)
        self.fields["building"].widget = AutocompleteSelect("crm:autocomplete_buildings")
        self.fields["kind"].widget.attrs["data-milestone-kind-select"] = ""
        # Only a registration has a capital; its currency is CNY unless said otherwise.
        self.fields["registered_capital_currency"].required = False
        if institution.uscc:
            self.fields["uscc"].help_text = _(
                "The institution's code, %(code)s, unless you type it here."
            ) % {"code": institution.uscc}
        if not self.is_bound and not self.initial.get("date"):
            self.initial["date"] = timezone.localdate()

        def kind_fieldset(kind: MilestoneKind, *layout) -> Fieldset:
            return Fieldset(kind.label, *layout, data_milestone_kind=kind.value)

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("kind"), Column("date")),
            kind_fieldset(
                MilestoneKind.REGISTERED,
                "uscc",
                Row(Column("registered_capital"), Column("registered_capital_currency")),
                "building",
            ),
            kind_fieldset(MilestoneKind.LICENSED, Row(Column("licence_type"), Column("regulator"))),
            kind_fieldset(
                MilestoneKind.RECOGNISED, Row(Column("recognition"), Column("recognised_by"))
            ),
            kind_fieldset(MilestoneKind.EXITED, "exit_kind", "reason"),
            "note",
        )
        # The USCC confirmation is rendered by the template, only when the code fails the check.

    def clean_uscc(self) -> str:
        raw = self.cleaned_data.get("uscc") or ""
        if not raw.strip():
            return ""
        result = check_uscc(raw)
        if not result.valid:
            self.uscc_warning = result.problem
        return result.value

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        own = set(Milestone.KIND_FIELDS.get(kind, ())) | {"registered_capital_currency"}
        for names in Milestone.KIND_FIELDS.values():
            for name in set(names) - own:
                cleaned[name] = None if name in ("registered_capital", "building") else ""
        cleaned["registered_capital_currency"] = (
            cleaned.get("registered_capital_currency") or Currency.CNY
        )
        if kind != MilestoneKind.REGISTERED:
            self.uscc_warning = ""
        elif not cleaned.get("uscc") and self.institution.uscc:
            cleaned["uscc"] = self.institution.uscc
        if self.uscc_warning and not cleaned.get("confirm_uscc") and "uscc" not in self.errors:
            self.add_error(
                "uscc",
                _("%(problem)s Check the code, or tick the confirmation to keep it as it is.")
                % {"problem": self.uscc_warning},
            )
        return cleaned

    def milestone_fields(self) -> dict:
        """What ``milestone_record`` takes from the form: the kind, the date and its fields."""
        data = self.cleaned_data
        kind = data["kind"]
        names = ["date", *Milestone.KIND_FIELDS[kind], "note"]
        return {"kind": kind, **{name: data[name] for name in names}}

    def add_service_error(self, error: ValidationError) -> None:
        """Put the service's errors on the fields they name, the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "name_en",
            "title",
            "email",
            "phone",
            "wechat",
            "is_primary",
            "do_not_contact",
            "lawful_basis",
            "basis_note",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name"), Column("name_en"), Column("title")),
            Row(Column("email"), Column("phone"), Column("wechat")),
            Row(Column("is_primary"), Column("do_not_contact")),
            Fieldset(_("Personal data"), Row(Column("lawful_basis"), Column("basis_note"))),
            "notes",
        )


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["name_zh", "name_en", "address", "tax_tier", "tax_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class MergeForm(forms.Form):
    """Pick the survivor and, for each field where the two differ, whose value stays."""

    survivor = forms.ChoiceField(
        label=_("Record that stays"),
        choices=[("a", "A"), ("b", "B")],
        widget=forms.RadioSelect,
        initial="a",
    )

    def __init__(self, *args, a: Institution, b: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.a, self.b = a, b
        self.rows = []
        for name in MERGE_FIELDS:
            field = Institution._meta.get_field(name)
            value_a, value_b = _shown(a, field), _shown(b, field)
            if getattr(a, field.attname) == getattr(b, field.attname):
                continue
            self.fields[name] = forms.ChoiceField(
                label=field.verbose_name,
                choices=[("a", value_a), ("b", value_b)],
                widget=forms.RadioSelect,
                initial="a" if getattr(a, field.attname) not in ("", None) else "b",
            )
            self.rows.append(name)

    def field_rows(self):
        return [self[name] for name in self.rows]

    def keep_and_drop(self) -> tuple[Institution, Institution, list[str]]:
        survivor = self.cleaned_data["survivor"]
        keep, drop = (self.a, self.b) if survivor == "a" else (self.b, self.a)
        take = [name for name in self.rows if self.cleaned_data[name] != survivor]
        return keep, drop, take


def _shown(institution: Institution, field) -> str:
    value = getattr(institution, field.name)
    if value in ("", None):
        return "—"
    if field.choices:
        return str(getattr(institution, "get_%s_display" % field.name)())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if hasattr(value, "name") and not isinstance(value, str):
        return str(value.name)
    return str(value)
