"""Rows of the projects kind: an attraction project, where it stands, and its landing.

A row names an institution (matched to the register by USCC, then LEI, then normalised
name; created when the register lacks it) and, optionally, the project's title (matched
among that institution's projects). A stage that differs from the project's moves it
through ``pipeline.services``, dated by the row's stage date, so that the history stays
complete; a landing records its registration as the institution's milestone.
docs/spreadsheets-importing-projects.md tells the rules.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.money import Currency
from crm import services as crm_services
from crm.identifiers import check_uscc
from crm.models import Institution, InstitutionType, Ownership
from crm.permissions import can_create_institution, is_admin
from crm.services import EditConflict
from pipeline import services as pipeline_services
from pipeline.models import LostReason, Project, Stage, StageKind, Vehicle, first_open_stage
from pipeline.permissions import can_create_project, can_edit_project
from plans.models import Category
from plans.selectors import category_index

from ..headers import normalise_header, unit_hint_above, unit_hints
from ..values import (
    CellError,
    is_blank,
    match_categories,
    normalise_text,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    parse_quarter,
    split_multi,
)
from .engine import (
    BATCH,
    CREATE,
    DUPLICATE,
    FAILED,
    UNCHANGED,
    UPDATE,
    RowError,
    RowOutcome,
    column_names,
    importer,
    skipped,
)
from .lookups import Ambiguous, Lookups, OtherCode, RegisterIndex, name_key

__all__ = ["ProjectImporter", "title_key"]

CURRENCY_HEADERS = frozenset({"币种", "货币", "币别", "注册资本币种", "currency"})
TEXT_FIELDS = ("title", "code_name")
LONG_TEXT_FIELDS = ("lost_note", "hold_reason")
# Words ledgers use that the choices' labels (中文, English, code) do not cover.
VEHICLE_WORDS = {
    "全资子公司": Vehicle.SUBSIDIARY,
    "独资子公司": Vehicle.SUBSIDIARY,
    "分行": Vehicle.BRANCH,
    "分支机构": Vehicle.BRANCH,
    "区域总部": Vehicle.REGIONAL_HQ,
    "地区总部认定": Vehicle.REGIONAL_HQ,
    "外商独资私募": Vehicle.WFOE_FUND_MANAGER,
    "外资私募": Vehicle.WFOE_FUND_MANAGER,
    "WFOE PFM": Vehicle.WFOE_FUND_MANAGER,
    "合资": Vehicle.JOINT_VENTURE,
    "合资公司": Vehicle.JOINT_VENTURE,
    "项目公司": Vehicle.LEASING_SPV,
    "研发": Vehicle.RD_CENTRE,
}
LOST_WORDS = {
    "选择其他地区": LostReason.OTHER_LOCATION,
    "选择其他城市": LostReason.OTHER_LOCATION,
    "其他地区": LostReason.OTHER_LOCATION,
    "落户其他地区": LostReason.OTHER_LOCATION,
    "外地": LostReason.OTHER_LOCATION,
    "政策": LostReason.POLICY,
    "扶持政策": LostReason.POLICY,
    "成本过高": LostReason.COST,
    "租金": LostReason.COST,
    "监管": LostReason.REGULATORY,
    "审批": LostReason.REGULATORY,
    "牌照": LostReason.REGULATORY,
    "战略调整": LostReason.STRATEGY,
    "总部战略调整": LostReason.STRATEGY,
    "战略": LostReason.STRATEGY,
    "时间": LostReason.TIMING,
}
# Stage words of the default set (by code) that its names do not cover.
STAGE_WORDS = {
    "接洽": "contacted",
    "洽谈": "negotiating",
    "洽谈中": "negotiating",
    "谈判": "negotiating",
    "谈判中": "negotiating",
    "注册中": "registering",
    "筹建中": "registering",
    "暂缓": "hold",
    "放弃": "lost",
}
# A Project attname → the import field whose column an error about it names.
SOURCE = {
    "owner_id": "owner",
    "team_id": "team",
    "expected_registered_capital_currency": "expected_registered_capital",
    "expected_year": "expected_landing",
    "expected_quarter": "expected_landing",
    "date": "registration_date",
    "stage": "stage",
    "__all__": "stage_date",
}
NOT_A_STAGE = gettext_lazy("“%(value)s” is not a stage. The stages are: %(stages)s.")


def title_key(title: str) -> str:
    """How titles are compared: tidied, case, spaces and punctuation set aside."""
    return _title_key(normalise_text(title))


@lru_cache(maxsize=65_536)
def _title_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _word_key(text: object) -> str:
    return re.sub(r"[\s\-_.·]+", "", normalise_text(text).casefold())


def _moment(day: datetime.date) -> datetime.datetime:
    """A ledger's date as the moment the services take: the start of that day, here."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# ------------------------------------------------------------------ rows and plans


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # Project attnames → parsed value
    row: dict[str, Any] = field(default_factory=dict)  # the other fields: institution, stage …
    categories: list[int] | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def institution_name(self) -> str:
        return self.row.get("institution", "")


@dataclass
class _NewInstitution:
    """An institution the register lacks, created by the import for its first row."""

    draft: crm_services.InstitutionDraft
    row: int

    @property
    def institution(self) -> Institution:
        return self.draft.institution


@dataclass
class _Plan:
    """What :meth:`ProjectImporter.apply` does for one row."""

    outcome: RowOutcome
    institution: Institution | _NewInstitution
    project: Project | None  # None: created
    title: str = ""
    create: dict[str, Any] = field(default_factory=dict)
    categories: list[int] | None = None  # on create: None takes the institution's
    created_at: datetime.datetime | None = None
    move: Stage | None = None
    move_at: datetime.datetime | None = None
    move_arguments: dict[str, Any] = field(default_factory=dict)
    milestone: dict[str, Any] = field(default_factory=dict)
    update: dict[str, Any] = field(default_factory=dict)
    update_categories: list[int] | None = None
    draft: pipeline_services.ProjectDraft | None = None  # a create written in bulk


# ------------------------------------------------------------------ the importer


@importer("projects")
class ProjectImporter:
    """Rows of the projects kind: a project of an institution, its stage and its landing."""

    def __init__(
        self, *, user: User, rows: list[list[object]], header_row: int, mapping: dict[int, str]
    ) -> None:
        self.user = user
        self.mapping = mapping
        headers = rows[header_row] if header_row < len(rows) else []
        self.column_of = column_names(rows, header_row, mapping)
        self.column_index = {f: i for i, f in mapping.items()}
        hints = unit_hints(headers)
        sheet_hint = unit_hint_above(rows, header_row)
        self.hints = {
            name: hints.get(self.column_index[name], sheet_hint)
            if name in self.column_index
            else None
            for name in ("expected_registered_capital", "registered_capital")
        }
        self.sheet_hint = sheet_hint
        self.currency_column = next(
            (
                i
                for i, h in enumerate(headers)
                if i not in mapping and normalise_header(h) in CURRENCY_HEADERS
            ),
            None,
        )
        self.categories = category_index(user=user)
        self.register = RegisterIndex()
        self.lookups = Lookups(user)
        self.first_stage = first_open_stage()
        self.stages = {stage.pk: stage for stage in Stage.objects.all()}
        self.stage_table = _stage_table(list(self.stages.values()))
        self.may_create = can_create_project(user)
        self.may_create_institution = can_create_institution(user)
        self.last_institution: tuple[object, object] | None = None  # for merged cells
        self.new_institutions: dict[tuple[str, str], _NewInstitution] = {}
        self.seen: dict[tuple[object, str], int] = {}  # (institution, title key) → row
        self.seen_uscc: dict[str, tuple[object, int]] = {}  # code → (institution, row)
        self.plans: list[_Plan] = []

    # -- reading a row

    def parse(self, number: int, cells: list[object]) -> _Row:
        parsed = _Row(number)
        institution_cells = [self._cell(cells, name) for name in ("institution", "uscc")]
        if all(is_blank(cell) for cell in institution_cells) and self.last_institution:
            # A merged institution cell: its value sits in the first of the rows it spans.
            institution_cells = list(self.last_institution)
        elif not all(is_blank(cell) for cell in institution_cells):
            self.last_institution = tuple(institution_cells)
        filled = dict(zip(("institution", "uscc"), institution_cells, strict=True))
        for name in self.mapping.values():
            cell = filled[name] if name in filled else self._cell(cells, name)
            try:
                self._read(parsed, name, cell, cells)
            except CellError as error:
                parsed.errors.append(self._error(number, name, cell, error.message))
        return parsed

    def _cell(self, cells: list[object], name: str) -> object:
        column = self.column_index.get(name)
        return cells[column] if column is not None and column < len(cells) else None

    def _error(self, number: int, name: str, cell: object, reason: object) -> RowError:
        shown = "" if cell is None else normalise_text(cell)
        return RowError(number, self.column_of.get(name, ""), shown, str(reason))

    def _read(self, parsed: _Row, name: str, cell: object, cells: list[object]) -> None:
        values, row = parsed.values, parsed.row
        if name == "confidential":
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                return
            try:
                values[name] = parse_bool(cell)  # 无 in a yes/no column answers "no"
            except CellError:
                if not is_blank(cell):
                    raise
            return
        if is_blank(cell):
            return
        if name in TEXT_FIELDS:
            values[name] = normalise_text(cell)
        elif name in LONG_TEXT_FIELDS:
            values[name] = normalise_text(cell, multiline=True)
        elif name == "institution":
            row["institution"] = normalise_text(cell)
        elif name == "uscc":
            found = check_uscc(normalise_text(cell))
            if not found.valid:
                raise CellError(found.problem)
            row["uscc"] = found.value
        elif name == "vehicle":
            values["vehicle"] = parse_choice(cell, Vehicle, synonyms=VEHICLE_WORDS)
        elif name == "lost_reason":
            values["lost_reason"] = parse_choice(cell, LostReason, synonyms=LOST_WORDS)
        elif name == "categories":
            ids, unknown = match_categories(self.categories, split_multi(cell))
            if unknown:
                raise CellError(
                    gettext_lazy("No plan category is called %(names)s."),
                    {"names": "、".join(unknown)},
                )
            parsed.categories = ids
        elif name == "owner":
            values["owner_id"] = self.lookups.person(cell)
        elif name == "team":
            values["team_id"] = self.lookups.team(cell)
        elif name == "building":
            row["building_id"] = self.lookups.building(cell)
        elif name == "stage":
            row["stage"] = self._stage(cell)
        elif name in ("stage_date", "registration_date"):
            row[name] = parse_date(cell).date
        elif name == "probability":
            values["probability"] = _probability(cell)
        elif name == "expected_jobs":
            jobs = parse_int(cell)
            if jobs < 0:
                raise CellError(gettext_lazy("A number of jobs cannot be negative."))
            values["expected_jobs"] = jobs
        elif name == "expected_landing":
            values["expected_year"], values["expected_quarter"] = _quarter(cell)
        elif name == "competing_locations":
            values["competing_locations"] = split_multi(cell)
        elif name == "expected_registered_capital":
            amount = self._amount(name, cell, cells)
            values[name], values[name + "_currency"] = amount
        elif name == "registered_capital":
            row["registered_capital"], row["registered_capital_currency"] = self._amount(
                name, cell, cells
            )

    def _amount(self, name: str, cell: object, cells: list[object]) -> tuple[Decimal, str]:
        hint = self.hints.get(name) or self.sheet_hint
        currency = (hint.currency if hint else None) or Currency.CNY
        column = self.currency_column
        if column is not None and column < len(cells) and not is_blank(cells[column]):
            with suppress(CellError):  # the amount cell may name its own currency
                currency = parse_choice(cells[column], Currency)
        amount = parse_amount(
            cell, default_currency=currency, unit_hint=hint.unit if hint else None
        )
        return amount.amount, amount.currency

    def _stage(self, cell: object) -> Stage:
        key = _word_key(cell)
        pk = self.stage_table.get(key) or self.stage_table.get(key.removeprefix("已"))
        if pk is None:
            raise CellError(
                NOT_A_STAGE,
                {
                    "value": normalise_text(cell),
                    "stages": "、".join(str(s) for s in self.stages.values()),
                },
            )
        return self.stages[pk]

    # -- deciding

    def decide(self, chunk: list[tuple[int, list[object]]]) -> list[RowOutcome]:
        """What each row of a batch does; collects the writes for :meth:`apply`."""
        parsed = [self.parse(number, cells) for number, cells in chunk if not skipped(cells)]
        institutions = {row.number: self._institution(row) for row in parsed if not row.errors}
        pks = [i for i in institutions.values() if isinstance(i, int)]
        existing = Institution.objects.in_bulk(pks)
        projects: dict[int, list[Project]] = {}
        held: dict[int, set[int]] = {}
        if pks:
            found = Project.objects.filter(institution_id__in=pks).select_related("stage")
            for project in found.order_by("pk"):
                projects.setdefault(project.institution_id, []).append(project)
            through = Project.categories.through.objects.filter(
                project__institution_id__in=pks
            ).values_list("project_id", "category_id")
            for project_id, category_id in through:
                held.setdefault(project_id, set()).add(category_id)
        outcomes = []
        for row in parsed:
            outcome = RowOutcome(row.number, FAILED, row.errors, self._label(row, None))
            outcomes.append(outcome)
            if row.errors:
                continue
            found = institutions[row.number]
            institution = existing[found] if isinstance(found, int) else found
            outcome.label = self._label(row, institution)
            self._decide_row(row, institution, projects, held, outcome)
            if row.errors:
                outcome.action, outcome.errors = FAILED, row.errors
        return outcomes

    def _institution(self, row: _Row) -> int | _NewInstitution | None:
        """The institution the row names: in the register, new in this file, or None (failed)."""
        name = row.row.get("institution", "")
        uscc = row.row.get("uscc")
        keys = {name_key(name)} - {""} if name else set()
        if not keys and not uscc:
            row.errors.append(
                RowError(
                    row.number,
                    self.column_of.get("institution", ""),
                    "",
                    _("The row names no institution."),
                )
            )
            return None
        try:
            pk = self.register.match(uscc=uscc, lei=None, name_keys=keys)
        except OtherCode as error:
            row.errors.append(
                RowError(row.number, self.column_of.get("uscc", ""), uscc, error.message)
            )
            return None
        except Ambiguous as error:
            row.errors.append(
                RowError(row.number, self.column_of.get("institution", ""), name, error.message)
            )
            return None
        if pk is not None:
            return pk
        return self._new_institution(row, name, keys, uscc)

    def _new_institution(
        self, row: _Row, name: str, keys: set[str], uscc: str | None
    ) -> _NewInstitution | None:
        known = [("uscc", uscc)] if uscc else []
        known += [("name", key) for key in keys]
        for found in known:
            if found in self.new_institutions:
                new = self.new_institutions[found]
                other = new.institution.uscc
                if uscc and other and other != uscc:
                    row.errors.append(
                        RowError(
                            row.number,
                            self.column_of.get("uscc", ""),
                            uscc,
                            _("Row %(row)s of this file gives this institution another code.")
                            % {"row": new.row},
                        )
                    )
                    return None
                return new
        column = self.column_of.get("institution", "")
        if not name:
            row.errors.append(
                RowError(
                    row.number,
                    self.column_of.get("uscc", ""),
                    uscc or "",
                    _("No institution in the register has this code; give its name to add it."),
                )
            )
            return None
        if not self.may_create_institution:
            row.errors.append(
                RowError(
                    row.number,
                    column,
                    name,
                    _("No institution in the register is called “%(name)s”; import it first.")
                    % {"name": name},
                )
            )
            return None
        institution = Institution(
            name_zh=name,
            uscc=uscc or None,
            institution_type=InstitutionType.OTHER,
            ownership=Ownership.OTHER,
        )
        with suppress(KeyError):  # a landed row tells where the institution sits
            institution.building_id = row.row["building_id"]
        try:
            institution.clean_fields(exclude=_all_but(Institution, {"name_zh", "uscc"}))
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    row.errors.append(RowError(row.number, column, name, message))
            return None
        draft = crm_services.InstitutionDraft(institution, list(row.categories or []), [])
        new = _NewInstitution(draft, row.number)
        for found in known:
            self.new_institutions[found] = new
        return new

    def _label(self, row: _Row, institution: Institution | _NewInstitution | None) -> str:
        title = row.values.get("title", "")
        if isinstance(institution, _NewInstitution):
            name = _("%(name)s (new to the register)") % {"name": institution.institution.name}
        elif institution is not None:
            name = institution.name
        else:
            name = row.institution_name
        if name and title:
            return _("%(institution)s · %(project)s") % {"institution": name, "project": title}
        return name or title

    def _decide_row(
        self,
        row: _Row,
        institution: Institution | _NewInstitution,
        projects: dict[int, list[Project]],
        held: dict[int, set[int]],
        outcome: RowOutcome,
    ) -> None:
        new_institution = isinstance(institution, _NewInstitution)
        record = institution.institution if new_institution else institution
        identity: object = id(institution) if new_institution else institution.pk
        title = row.values.get("title") or record.name
        own = [] if new_institution else projects.get(institution.pk, [])
        project = self._project(row, own, title, record)
        if row.errors:
            return
        found = ("pk", project.pk) if project is not None else None
        keys = [(identity, title_key(title))] + ([(found, "")] if found else [])
        first = min((self.seen[k] for k in keys if k in self.seen), default=None)
        for key in keys:
            self.seen.setdefault(key, row.number)
        if first is not None:
            outcome.action = DUPLICATE
            outcome.errors = [
                RowError(
                    row.number,
                    "",
                    "",
                    _("The same project as row %(row)s of this file.") % {"row": first},
                )
            ]
            return
        self._check_uscc(row, identity)
        if project is None:
            plan = self._create(row, institution, title)
        else:
            plan = self._update(row, institution, project, held.get(project.pk, set()))
        if row.errors:
            return
        if plan is None:
            outcome.action = UNCHANGED
            return
        plan.outcome = outcome
        outcome.action = CREATE if project is None else UPDATE
        self.plans.append(plan)

    def _project(
        self, row: _Row, own: list[Project], title: str, institution: Institution
    ) -> Project | None:
        """The institution's project the row describes; None for a new one.

        By title; a row without one means the project titled after the institution, else
        its only open project, else its only project.
        """
        key = title_key(title)
        same = [p for p in own if title_key(p.title) == key]
        if same or "title" in row.values:
            return same[0] if same else None
        open_ones = [p for p in own if p.stage.kind in (StageKind.OPEN, StageKind.HOLD)]
        if len(open_ones) == 1:
            return open_ones[0]
        if len(own) == 1:
            return own[0]
        if own:
            row.errors.append(
                RowError(
                    row.number,
                    self.column_of.get("title", ""),
                    "",
                    _(
                        "%(name)s has several projects; give the project's title to say "
                        "which one this row is about."
                    )
                    % {"name": institution.name},
                )
            )
        return None

    def _check_uscc(self, row: _Row, identity: object) -> None:
        uscc = row.row.get("uscc")
        if not uscc:
            return
        other, first = self.seen_uscc.setdefault(uscc, (identity, row.number))
        if other != identity:
            row.errors.append(
                RowError(
                    row.number,
                    self.column_of.get("uscc", ""),
                    uscc,
                    _("Row %(row)s of this file gives this code to another institution.")
                    % {"row": first},
                )
            )

    # -- the stage

    def _move(
        self, row: _Row, plan: _Plan, current: Stage, entered: datetime.datetime | None
    ) -> None:
        """Plan the move to the row's stage, checked as ``project_move`` checks it."""
        to: Stage | None = row.row.get("stage")
        if to is None or to.pk == current.pk:
            return
        if current.kind == StageKind.WON:
            self._fail(
                row,
                "stage",
                to,
                _(
                    "The project has landed; an import does not take a landing back. "
                    "Move it on the project's page."
                ),
            )
            return
        day: datetime.date | None = row.row.get("stage_date")
        today = timezone.localdate()
        at = None
        if day is not None:
            at = _moment(day)
            if day > today:
                self._fail(row, "stage_date", day, _("A change cannot be dated in the future."))
            elif entered is not None and at < entered:
                if timezone.localdate(entered) == day:
                    at = entered  # the same day as the last move: just after it
                else:
                    self._fail(
                        row,
                        "stage_date",
                        day,
                        _("A move cannot be dated before the project's last move, on %(date)s.")
                        % {"date": timezone.localtime(entered).strftime("%Y-%m-%d %H:%M")},
                    )
        plan.move, plan.move_at = to, at
        values = row.values
        project = plan.project
        if to.kind == StageKind.WON:
            self._landing(row, plan)
        elif to.kind == StageKind.LOST:
            reason = values.get("lost_reason") or (project.lost_reason if project else "")
            if not reason:
                self._fail(row, "lost_reason", "", _("Say why the project was lost."))
            plan.move_arguments = {
                "lost_reason": reason,
                "lost_note": values.get("lost_note") or (project.lost_note if project else ""),
            }
        elif to.kind == StageKind.HOLD and values.get("hold_reason"):
            plan.move_arguments = {"hold_reason": values["hold_reason"]}

    def _landing(self, row: _Row, plan: _Plan) -> None:
        """A landing needs the registration date and a USCC (the row's or the institution's)."""
        day = row.row.get("registration_date")
        if day is None:
            self._fail(row, "registration_date", "", _("A landing needs the date of registration."))
        elif day > timezone.localdate():
            self._fail(
                row,
                "registration_date",
                day,
                _("The registration date cannot be in the future."),
            )
        institution = plan.institution
        record = (
            institution.institution if isinstance(institution, _NewInstitution) else institution
        )
        uscc = row.row.get("uscc") or ""
        if not uscc and not record.uscc:
            self._fail(
                row,
                "uscc",
                "",
                _("A landing needs the unified social credit code of the registered institution."),
            )
        if day is None:
            return
        plan.move_arguments = {
            "registration": pipeline_services.Registration(date=day, uscc=uscc),
        }
        plan.milestone = {
            name: row.row[name]
            for name in ("registered_capital", "registered_capital_currency", "building_id")
            if name in row.row
        }

    def _fail(self, row: _Row, name: str, value: object, reason: str) -> None:
        shown = "" if value in (None, "") else normalise_text(value)
        row.errors.append(RowError(row.number, self.column_of.get(name, ""), shown, reason))

    # -- create and update

    def _create(
        self, row: _Row, institution: Institution | _NewInstitution, title: str
    ) -> _Plan | None:
        if not self.may_create:
            self._fail(row, "title", title, _("You may not start projects."))
            return None
        values = {name: value for name, value in row.values.items() if name != "title"}
        self._check_team(row, values.get("team_id"), None)
        probability = values.pop("probability", None)
        # The stage and probability given, so that their defaults cost no query.
        unsaved = Project(title=title, stage=self.first_stage, probability=0, **values)
        self._validate(row, unsaved, {"title", *values})
        plan = _Plan(RowOutcome(row.number, CREATE), institution, None, title=title)
        plan.create = values
        plan.categories = row.categories
        days = [row.row.get("stage_date")]
        if (row.row.get("stage") or self.first_stage).kind == StageKind.WON:
            days.append(row.row.get("registration_date"))
        days = [day for day in days if day is not None and day <= timezone.localdate()]
        plan.created_at = _moment(min(days)) if days else None
        self._move(row, plan, self.first_stage, plan.created_at)
        stage = plan.move or self.first_stage
        if probability is None:
            probability = stage.default_probability
        if stage.kind != StageKind.WON:
            # Written in bulk (projects_import), standing where the row says, history and all.
            record = (
                institution.institution if isinstance(institution, _NewInstitution) else institution
            )
            project = Project(
                institution=record, title=title, stage=stage, probability=probability, **values
            )
            plan.draft = pipeline_services.ProjectDraft(
                project, row.categories, plan.created_at, plan.move_at
            )
        elif probability != stage.default_probability:
            plan.update["probability"] = probability
        return plan

    def _update(
        self,
        row: _Row,
        institution: Institution | _NewInstitution,
        project: Project,
        held: set[int],
    ) -> _Plan | None:
        """The plan for a project that exists; None when the row changes nothing."""
        plan = _Plan(RowOutcome(row.number, UPDATE), institution, project, title=project.title)
        self._move(row, plan, project.stage, project.stage_entered_at)
        moved = set(plan.move_arguments) if plan.move else set()
        probability = plan.move.default_probability if plan.move else project.probability
        changes: dict[str, Any] = {}
        for name, value in row.values.items():
            if name == "title" or name in moved:
                continue
            current = probability if name == "probability" else getattr(project, name)
            if name == "competing_locations":
                known = {title_key(place) for place in current}
                added = [place for place in value if title_key(place) not in known]
                if added:
                    changes[name] = [*current, *added]
            elif _differs(current, value):
                changes[name] = value
        new_categories = [c for c in row.categories or [] if c not in held]
        if changes:
            self._check_team(row, changes.get("team_id"), project)
            edited = copy.copy(project)
            for name, value in changes.items():
                setattr(edited, name, value)
            self._validate(row, edited, changes)
        if not (changes or new_categories or plan.move):
            return None
        if not can_edit_project(self.user, project):
            self._fail(
                row,
                "title",
                row.values.get("title", ""),
                _("You may not change this project: it is another team's, or confidential."),
            )
            return None
        plan.update = changes
        plan.update_categories = [*held, *new_categories] if new_categories else None
        return plan

    def _check_team(self, row: _Row, team_id: int | None, project: Project | None) -> None:
        """Officers file projects under their own teams, as on the project form."""
        if team_id is None or is_admin(self.user) or team_id in self.user.working_team_ids:
            return
        if project is not None and project.team_id == team_id:
            return
        self._fail(
            row,
            "team",
            self._team_name(team_id),
            _("You may file projects only under your own teams."),
        )

    def _team_name(self, team_id: int) -> str:
        return next((name for name, pk in self.lookups.teams.items() if pk == team_id), "")

    def _validate(self, row: _Row, project: Project, names: Iterable[str]) -> None:
        """Check the fields the file wrote and the project's own rules, as full_clean would."""
        errors: dict[str, list[str]] = {}
        fields = _fields()
        for name in names:
            model_field = fields.get(name)
            if model_field is None or model_field.is_relation:
                continue  # relations are found by name among the records that exist
            try:
                model_field.clean(getattr(project, model_field.attname), project)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
        try:
            project.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        for name, messages in errors.items():
            source = SOURCE.get(name, name)
            value = row.values.get(name, "")
            for message in messages:
                self._fail(row, source, value, message)

    # -- writing

    def apply(self, *, checkpoint: Callable[[int, int], None]) -> None:
        """Write what :meth:`decide` collected, through the register's and the pipeline's services.

        Each row is written in a savepoint: should a service refuse it after all (someone
        changed the project meanwhile), that row alone is rolled back and reported failed.
        """
        used = {id(plan.institution) for plan in self.plans}
        drafts = list(
            {
                id(new): new.draft for new in self.new_institutions.values() if id(new) in used
            }.values()
        )
        owners = {plan.create["owner_id"] for plan in self.plans if "owner_id" in plan.create}
        self.owners = User.objects.in_bulk(owners)
        self.category_objects = Category.objects.in_bulk(
            {
                c
                for plan in self.plans
                for c in (plan.categories or []) + (plan.update_categories or [])
            }
        )
        bulk = [plan.draft for plan in self.plans if plan.draft is not None]
        one_by_one = [plan for plan in self.plans if plan.draft is None]
        total = len(drafts) + len(self.plans)
        for start in range(0, len(drafts), BATCH):
            checkpoint(start, total)
            crm_services.institutions_import(drafts=drafts[start : start + BATCH], actor=self.user)
        done = len(drafts)
        for start in range(0, len(bulk), BATCH):
            checkpoint(done + start, total)
            pipeline_services.projects_import(
                drafts=bulk[start : start + BATCH],
                actor=self.user,
                note=_("Imported from a spreadsheet"),
            )
        done += len(bulk)
        for number, plan in enumerate(one_by_one):
            if number % BATCH == 0:
                checkpoint(done + number, total)
            try:
                with transaction.atomic():
                    self._write(plan)
            except (ValidationError, EditConflict) as error:
                plan.outcome.action = FAILED
                plan.outcome.errors = self._service_errors(plan, error)
        checkpoint(total, total)

    def _write(self, plan: _Plan) -> None:
        institution = plan.institution
        if isinstance(institution, _NewInstitution):
            institution = institution.institution
        project = plan.project
        if project is None:
            fields = dict(plan.create)
            if "owner_id" in fields:  # the service gives the actor unless told an owner
                fields["owner"] = self.owners[fields.pop("owner_id")]
            project = pipeline_services.project_create(
                institution=institution,
                title=plan.title,
                actor=self.user,
                categories=self._categories(plan.categories),
                note=_("Imported from a spreadsheet"),
                at=plan.created_at,
                **fields,
            )
        if plan.move is not None:
            arguments = {"project": project, "to": plan.move, "actor": self.user}
            arguments.update(at=plan.move_at, note=_("Imported from a spreadsheet"))
            if plan.move.kind == StageKind.WON:
                arguments["landing"] = plan.milestone
            pipeline_services.project_move(**arguments, **plan.move_arguments)
        if plan.update or plan.update_categories is not None:
            pipeline_services.project_update(
                project=project,
                actor=self.user,
                expected_version=project.version,
                categories=self._categories(plan.update_categories),
                **plan.update,
            )

    def _categories(self, ids: list[int] | None) -> list[Category] | None:
        return None if ids is None else [self.category_objects[pk] for pk in ids]

    def _service_errors(self, plan: _Plan, error: Exception) -> list[RowError]:
        number = plan.outcome.row
        if isinstance(error, EditConflict):
            reason = _("Someone changed this project during the import; import the row again.")
            return [RowError(number, "", "", reason)]
        errors = []
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                column = self.column_of.get(SOURCE.get(name, name), "")
                errors += [RowError(number, column, "", message) for message in messages]
        else:
            column = self.column_of.get("stage_date", "")
            errors += [RowError(number, column, "", message) for message in error.messages]
        return errors


# ------------------------------------------------------------------ cell readers


def _probability(cell: object) -> int:
    """A percentage: 60, "60%", "60", or 0.6 (a cell Excel formats as a percentage)."""
    try:
        value = Decimal(parse_int(cell))
    except CellError:
        value = parse_decimal(cell)
        if 0 < value < 1:
            value *= 100
        value = value.to_integral_value()
    if not 0 <= value <= 100:
        raise CellError(
            gettext_lazy("“%(value)s”: a probability is a percentage from 0 to 100."),
            {"value": normalise_text(cell)},
        )
    return int(value)


def _quarter(cell: object) -> tuple[int, int]:
    """(year, quarter): 2026Q2, 2026年二季度, 2026-06-30, or any date or 2026年5月 → its quarter."""
    try:
        return parse_quarter(cell)
    except CellError as error:
        try:
            parsed = parse_date(cell)
        except CellError:
            raise error from None
        # 2026.4 could be April or the fourth quarter; 2026年4月 cannot.
        if parsed.precision != "day" and not (isinstance(cell, str) and "月" in cell):
            raise error from None
        return parsed.date.year, (parsed.date.month - 1) // 3 + 1


def _stage_table(stages: list[Stage]) -> dict[str, int]:
    """Code, Chinese and English name of each stage → its pk; then lesser names.

    Lesser: each part of 筹建/注册, 已落地 without its 已, and a few words ledgers use for
    the default stages. A lesser name two stages share matches neither.
    """
    exact: dict[str, int] = {}
    lesser: dict[str, int | None] = {}
    by_code = {stage.code: stage.pk for stage in stages}
    for stage in stages:
        for name in (stage.code, stage.name_zh, stage.name_en):
            if name:
                exact.setdefault(_word_key(name), stage.pk)
        variants = [stage.name_zh.removeprefix("已")]
        for name in (stage.name_zh, stage.name_en):
            parts = split_multi(name)
            variants += parts if len(parts) > 1 else []
        for variant in variants:
            key = _word_key(variant)
            if key and lesser.get(key, stage.pk) != stage.pk:
                lesser[key] = None
            else:
                lesser.setdefault(key, stage.pk)
    for word, code in STAGE_WORDS.items():
        if code in by_code:
            lesser.setdefault(_word_key(word), by_code[code])
    table = {key: pk for key, pk in lesser.items() if pk is not None and key}
    table.update(exact)
    return table


@lru_cache
def _fields() -> dict[str, Any]:
    return {f.attname: f for f in Project._meta.concrete_fields}


def _all_but(model: type[Any], names: set[str]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in names]


def _differs(current: Any, new: Any) -> bool:
    if current in (None, "") and new in (None, ""):
        return False
    return current != new
