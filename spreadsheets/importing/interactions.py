"""Rows of the interactions kind: a dated visit, meeting or call with an institution.

The institution must be in the register already (matched by USCC, then normalised name,
as lookups.RegisterIndex does). An interaction already logged with the same institution,
date, kind and summary is unchanged, or updated when the row adds an outcome, a next step,
an officer or a contact. docs/spreadsheets-importing-kinds.md tells the rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from crm import services as crm_services
from crm.identifiers import check_uscc
from crm.models import Contact, Interaction, InteractionKind, LawfulBasis
from crm.permissions import can_edit_interaction, can_log_interaction, is_admin

from ..values import (
    CellError,
    is_blank,
    normalise_text,
    parse_choice,
    parse_date,
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
from .lookups import UNKNOWN_PERSON, Ambiguous, Lookups, OtherCode, RegisterIndex, key, name_key

# The ledgers' own words for the kinds, beside the labels and codes parse_choice knows.
KIND_WORDS = {
    "拜访": InteractionKind.VISIT,
    "走访": InteractionKind.VISIT,
    "上门拜访": InteractionKind.VISIT,
    "上门走访": InteractionKind.VISIT,
    "拜会": InteractionKind.VISIT,
    "来访": InteractionKind.VISIT,
    "会议": InteractionKind.MEETING,
    "会面": InteractionKind.MEETING,
    "座谈": InteractionKind.MEETING,
    "座谈会": InteractionKind.MEETING,
    "洽谈": InteractionKind.MEETING,
    "面谈": InteractionKind.MEETING,
    "视频会议": InteractionKind.MEETING,
    "线上会议": InteractionKind.MEETING,
    "电话沟通": InteractionKind.CALL,
    "通话": InteractionKind.CALL,
    "电话会议": InteractionKind.CALL,
    "电子邮件": InteractionKind.EMAIL,
    "邮件沟通": InteractionKind.EMAIL,
    "活动": InteractionKind.EVENT,
    "论坛": InteractionKind.EVENT,
    "推介会": InteractionKind.EVENT,
    "峰会": InteractionKind.EVENT,
    "沙龙": InteractionKind.EVENT,
    "考察": InteractionKind.SITE_VISIT,
    "现场考察": InteractionKind.SITE_VISIT,
    "实地踏勘": InteractionKind.SITE_VISIT,
    "看楼": InteractionKind.SITE_VISIT,
    "函": InteractionKind.LETTER,
    "来函": InteractionKind.LETTER,
    "发函": InteractionKind.LETTER,
    "信函": InteractionKind.LETTER,
}
REQUIRED = {
    "date": gettext_lazy("The row gives no date."),
    "kind": gettext_lazy("The row does not say what kind of interaction it was."),
    "summary": gettext_lazy("The row has no summary."),
}
UNKNOWN_PEOPLE = gettext_lazy("No colleagues in Landfall are called %(names)s.")
CONTACT_NAME_LENGTH = Contact._meta.get_field("name").max_length


def summary_key(text: str) -> str:
    """How two summaries are compared: tidied, spaces and case set aside."""
    return "".join(normalise_text(text).casefold().split())


@dataclass
class _Row:
    number: int
    institution: str = ""  # the name as written
    uscc: str | None = None
    date: datetime.date | None = None
    kind: str = ""
    summary: str = ""
    outcome: str = ""
    next_step: str = ""
    officer_ids: list[int] = field(default_factory=list)
    team_id: int | None = None
    contacts: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # the fields whose cell failed
    institution_id: int | None = None

    @property
    def label(self) -> str:
        day = self.date.isoformat() if self.date else ""
        return " ".join(part for part in (self.institution or self.uscc or "", day) if part)

    def key(self) -> tuple[int | None, datetime.date | None, str, str]:
        return (self.institution_id, self.date, self.kind, summary_key(self.summary))


@importer("interactions")
class InteractionImporter:
    """Rows of the interactions kind: a dated interaction with an institution in the register."""

    def __init__(
        self, *, user: User, rows: list[list[object]], header_row: int, mapping: dict[int, str]
    ) -> None:
        self.user = user
        self.mapping = mapping
        self.column_of = column_names(rows, header_row, mapping)
        self.allowed = can_log_interaction(user)
        self.any_team = is_admin(user)
        self.today = timezone.localdate()
        self.register = RegisterIndex()
        self.lookups = Lookups(user)
        self.seen: dict[tuple, int] = {}  # a row's key → the first row number
        self.new_contacts: dict[tuple[int, str], Contact] = {}  # (institution, name key)
        self.drafts: list[crm_services.InteractionDraft] = []

    # -- reading a row

    def _error(self, row: _Row, name: str, cell: object, reason: object) -> None:
        shown = "" if cell is None else normalise_text(cell)
        row.errors.append(RowError(row.number, self.column_of.get(name, ""), shown, str(reason)))

    def parse(self, number: int, cells: list[object]) -> _Row:
        row = _Row(number)
        if not self.allowed:
            reason = _("You may not log interactions.")
            row.errors.append(RowError(number, "", "", reason))
            return row
        read = {name: cells[i] if i < len(cells) else None for i, name in self.mapping.items()}
        for name, cell in read.items():
            if is_blank(cell):
                continue
            try:
                self._read(row, name, cell)
            except CellError as error:
                self._error(row, name, cell, error.message)
                row.unreadable.add(name)
        for name, reason in REQUIRED.items():
            if is_blank(read.get(name)):
                self._error(row, name, None, reason)
        if is_blank(read.get("institution")) and is_blank(read.get("uscc")):
            self._error(row, "institution", None, _("The row names no institution."))
        return row

    def _read(self, row: _Row, name: str, cell: object) -> None:
        if name == "institution":
            row.institution = normalise_text(cell)
        elif name == "uscc":
            found = check_uscc(normalise_text(cell))
            if not found.valid:
                raise CellError(found.problem)
            row.uscc = found.value
        elif name == "date":
            row.date = parse_date(cell).date  # 2021.3 (a month) is its first day
            if row.date > self.today:
                raise CellError(_("An interaction cannot be dated in the future."))
        elif name == "kind":
            row.kind = parse_choice(cell, InteractionKind, synonyms=KIND_WORDS)
        elif name in ("summary", "outcome", "next_step"):
            setattr(row, name, normalise_text(cell, multiline=True))
        elif name == "officers":
            row.officer_ids = self._officers(cell)
        elif name == "team":
            row.team_id = self.lookups.team(cell)
            if not self.any_team and row.team_id not in self.user.working_team_ids:
                raise CellError(_("You may log interactions only for your own teams."))
        elif name == "contacts":
            names = {key(n): n for n in split_multi(cell)}
            too_long = [n for n in names.values() if len(n) > CONTACT_NAME_LENGTH]
            if too_long:
                raise CellError(
                    gettext_lazy("A contact's name has at most %(count)s characters."),
                    {"count": CONTACT_NAME_LENGTH},
                )
            row.contacts = list(names.values())

    def _officers(self, cell: object) -> list[int]:
        found, unknown = [], []
        for name in split_multi(cell):
            pk = self.lookups.people.get(key(name))
            if pk is None:
                unknown.append(name)
            elif pk not in found:
                found.append(pk)
        if len(unknown) == 1:
            raise CellError(UNKNOWN_PERSON, {"name": unknown[0]})
        if unknown:
            raise CellError(UNKNOWN_PEOPLE, {"names": "、".join(unknown)})
        return found

    def _match(self, row: _Row) -> None:
        """The institution the row names, which must be in the register."""
        if not (row.institution or row.uscc) or row.unreadable & {"institution", "uscc"}:
            return
        keys = {name_key(row.institution)} - {""} if row.institution else set()
        try:
            row.institution_id = self.register.match(uscc=row.uscc, lei=None, name_keys=keys)
        except OtherCode as error:
            self._error(row, "uscc", row.uscc, error.message)
            return
        except Ambiguous as error:
            self._error(row, "institution", row.institution, error.message)
            return
        if row.institution_id is not None:
            return
        if row.institution:
            reason = _("No institution in the register is called “%(name)s”; import it first.") % {
                "name": row.institution
            }
            self._error(row, "institution", row.institution, reason)
        else:
            reason = _("No institution in the register has this code; import it first.")
            self._error(row, "uscc", row.uscc, reason)

    # -- deciding

    def decide(self, chunk: list[tuple[int, list[object]]]) -> list[RowOutcome]:
        """What each row of a batch does; collects the writes for :meth:`apply`."""
        rows = [self.parse(number, cells) for number, cells in chunk if not skipped(cells)]
        for row in rows:
            self._match(row)
        good = [row for row in rows if not row.errors]
        stored, officers, present, contacts = self._stored(good)
        outcomes = []
        for row in rows:
            if not row.errors:
                action = self._decide(row, stored, officers, present, contacts)
            else:
                action = FAILED
            outcomes.append(RowOutcome(row.number, action, row.errors, row.label))
        return outcomes

    def _stored(self, rows: list[_Row]) -> tuple[dict, dict, dict, dict]:
        """The interactions the rows may repeat, who was at them, and the institutions'
        contacts: four queries a batch."""
        stored: dict[tuple, Interaction] = {}
        officers: dict[int, set[int]] = {}
        present: dict[int, set[int]] = {}
        contacts: dict[tuple[int, str], Contact] = {}
        if not rows:
            return stored, officers, present, contacts
        institutions = {row.institution_id for row in rows}
        found = Interaction.objects.filter(
            institution_id__in=institutions, date__in={row.date for row in rows}
        ).order_by("pk")
        for interaction in found:
            stored.setdefault(
                (
                    interaction.institution_id,
                    interaction.date,
                    interaction.kind,
                    summary_key(interaction.summary),
                ),
                interaction,
            )
        ids = [interaction.pk for interaction in stored.values()]
        through = Interaction.officers.through.objects.filter(interaction_id__in=ids)
        for interaction, user in through.values_list("interaction_id", "user_id"):
            officers.setdefault(interaction, set()).add(user)
        through = Interaction.contacts.through.objects.filter(interaction_id__in=ids)
        for interaction, contact in through.values_list("interaction_id", "contact_id"):
            present.setdefault(interaction, set()).add(contact)
        known = Contact.objects.filter(institution_id__in=institutions, erased_at=None)
        for contact in known.only("pk", "institution_id", "name").order_by("pk"):
            if contact.name:
                contacts.setdefault((contact.institution_id, key(contact.name)), contact)
        return stored, officers, present, contacts

    def _contacts(self, row: _Row, known: dict[tuple[int, str], Contact]) -> list[Contact]:
        """The row's contacts among the institution's, new ones made (saved on apply)."""
        found = []
        for name in row.contacts:
            index = (row.institution_id, key(name))
            contact = known.get(index) or self.new_contacts.get(index)
            if contact is None:
                contact = Contact(
                    institution_id=row.institution_id,
                    name=name,
                    lawful_basis=LawfulBasis.PUBLIC,
                    basis_note=_("Imported from a spreadsheet"),
                )
                self.new_contacts[index] = contact
            found.append(contact)
        return found

    def _decide(
        self,
        row: _Row,
        stored: dict[tuple, Interaction],
        officers: dict[int, set[int]],
        present: dict[int, set[int]],
        known: dict[tuple[int, str], Contact],
    ) -> str:
        key_ = row.key()
        if key_ in self.seen:
            reason = _("The same interaction as row %(row)s of this file.") % {
                "row": self.seen[key_]
            }
            row.errors.append(RowError(row.number, "", "", reason))
            return DUPLICATE
        self.seen[key_] = row.number
        interaction = stored.get(key_)
        if interaction is None:
            new = Interaction(
                institution_id=row.institution_id,
                kind=row.kind,
                date=row.date,
                summary=row.summary,
                outcome=row.outcome,
                next_step=row.next_step,
                team_id=row.team_id,
            )
            contacts = self._contacts(row, known)
            self.drafts.append(crm_services.InteractionDraft(new, row.officer_ids, contacts))
            return CREATE
        changed = tuple(
            name
            for name in ("outcome", "next_step")
            if getattr(row, name) and getattr(row, name) != getattr(interaction, name)
        )
        at = present.get(interaction.pk, set())
        new_officers = [pk for pk in row.officer_ids if pk not in officers.get(interaction.pk, ())]
        new_contacts = [c for c in self._contacts(row, known) if c.pk is None or c.pk not in at]
        if not (changed or new_officers or new_contacts):
            return UNCHANGED
        if not can_edit_interaction(self.user, interaction):
            reason = _(
                "This interaction is logged already; only whoever logged it, the manager of "
                "its team or an administrator may add to it."
            )
            row.errors.append(RowError(row.number, "", "", reason))
            return FAILED
        for name in changed:
            setattr(interaction, name, getattr(row, name))
        self.drafts.append(
            crm_services.InteractionDraft(interaction, new_officers, new_contacts, changed)
        )
        return UPDATE

    # -- writing

    def apply(self, *, checkpoint: Callable[[int, int], None]) -> None:
        """Write what :meth:`decide` collected, through ``crm.services.interactions_import``."""
        total = len(self.drafts)
        for start in range(0, total, BATCH):
            checkpoint(start, total)
            crm_services.interactions_import(
                drafts=self.drafts[start : start + BATCH], actor=self.user
            )
        checkpoint(total, total)
