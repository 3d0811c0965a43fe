"""Rows of the institutions kind: an institution, and one contact when the row names one.

Matched to the register by USCC, then LEI, then normalised name (lookups.RegisterIndex);
an update writes only the fields that differ and never blanks one; categories and
aliases in the file are added to the record's, never taken away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.money import Currency
from crm import services as crm_services
from crm.identifiers import check_lei, check_uscc
from crm.models import (
    Contact,
    Institution,
    InstitutionAlias,
    InstitutionStatus,
    InstitutionType,
    LawfulBasis,
    Ownership,
    Regulator,
)
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
    parse_country,
    split_multi,
)
from .engine import (
    BATCH,
    CREATE,
    DUPLICATE,
    FAILED,
    UNCHANGED,
    UPDATE,
    WRITE_ROWS,
    RowError,
    RowOutcome,
    column_names,
    importer,
    skipped,
)
from .lookups import Ambiguous, Lookups, OtherCode, RegisterIndex, key, name_key


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # the model's field attnames → parsed value, for non-blank cells
    categories: list[int]
    aliases: list[str]
    contact: dict[str, str]
    errors: list[RowError]
    _name_keys: set[str] | None = None

    @property
    def label(self) -> str:
        return self.values.get("name_zh") or self.values.get("name_en") or ""

    def name_keys(self) -> set[str]:
        if self._name_keys is None:
            names = (self.values.get("name_zh"), self.values.get("name_en"))
            self._name_keys = {name_key(n) for n in names if n} - {""}
        return self._name_keys


CURRENCY_HEADERS = frozenset({"币种", "货币", "币别", "注册资本币种", "currency"})
TEXT_FIELDS = ("name_zh", "name_en", "website", "description")
CHOICES = {
    "institution_type": InstitutionType,
    "ownership": Ownership,
    "status": InstitutionStatus,
    "regulator": Regulator,
}
BOOLEANS = ("licensed", "national_first", "foreign_controlled")
COUNTRIES = ("country", "parent_country")
# Fields whose cells repeat down a ledger, each distinct cell read once (_read).
REPEATING = frozenset({*BOOLEANS, *CHOICES, *COUNTRIES, "categories", "building", "owner", "team"})
_UNSEEN = object()
CONTACT_FIELDS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_phone": "phone",
    "contact_email": "email",
}
# Compared and written on an update: the model's attnames.
COMPARED = (
    "name_zh",
    "name_en",
    "uscc",
    "lei",
    "institution_type",
    "ownership",
    "country",
    "parent_country",
    "status",
    "licensed",
    "national_first",
    "foreign_controlled",
    "regulator",
    "building_id",
    "registered_capital",
    "registered_capital_currency",
    "website",
    "description",
    "owner_id",
    "team_id",
)
# A model field's attname → the import field whose column an error about it names.
SOURCE = {"building_id": "building", "owner_id": "owner", "team_id": "team"}
SOURCE["registered_capital_currency"] = "registered_capital"


@importer("institutions")
class InstitutionImporter:
    """Rows of the institutions kind: an institution, and one contact when the row names one."""

    def __init__(
        self, *, user: User, rows: list[list[object]], header_row: int, mapping: dict[int, str]
    ) -> None:
        self.user = user
        self.mapping = mapping
        headers = rows[header_row] if header_row < len(rows) else []
        self.column_of = column_names(rows, header_row, mapping)
        hints = unit_hints(headers)
        self.sheet_hint = unit_hint_above(rows, header_row)
        capital = next((i for i, f in mapping.items() if f == "registered_capital"), None)
        self.capital_hint = hints.get(capital) if capital is not None else None
        # The amount's currency in a column of its own (the list export's 币种): not an
        # import field of its own, so found here rather than mapped.
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
        self.seen: dict[tuple[str, str], int] = {}  # ("uscc", code) → first row number
        self.targets: dict[int, int] = {}  # institution pk → first row number
        self.creates: list[crm_services.InstitutionDraft] = []
        self.updates: list[tuple[Institution, set[str], list[int], list[str]]] = []
        self.contacts: list[Contact] = []
        self._checked: dict[tuple[Any, Any], list[str]] = {}  # (field, value) → messages
        self._memo: dict[tuple[str, object], Any] = {}  # (field, cell) → what _read_repeating gave

    # -- reading a row

    def parse(self, number: int, row: list[object]) -> _Row:
        parsed = _Row(number, {}, [], [], {}, [])
        for column, name in self.mapping.items():
            cell = row[column] if column < len(row) else None
            try:
                self._read(parsed, name, cell, row)
            except CellError as error:
                parsed.errors.append(self._error(number, name, cell, error.message))
        return parsed

    def _error(self, number: int, name: str, cell: object, reason: str) -> RowError:
        shown = "" if cell is None else normalise_text(cell)
        return RowError(number, self.column_of.get(name, ""), shown, str(reason))

    def _read(self, parsed: _Row, name: str, cell: object, row: list[object]) -> None:
        if name in REPEATING and isinstance(cell, str | int | float):
            # A ledger repeats a few types, countries, flags and buildings down 100k rows:
            # each distinct cell is read once, and a CellError is remembered as well.
            found = self._memo.get((name, cell), _UNSEEN)
            if found is _UNSEEN:
                try:
                    found = self._read_repeating(name, cell)
                except CellError as error:
                    found = error
                self._memo[name, cell] = found
            if isinstance(found, CellError):
                raise CellError(found._message, found.params, code=found.code)
            if found is not None:
                attribute, value = found
                if attribute == "categories":
                    parsed.categories = list(value)
                else:
                    parsed.values[attribute] = value
            return
        if name in BOOLEANS or name in REPEATING:
            found = self._read_repeating(name, cell)
            if found is not None:
                parsed.values[found[0]] = found[1]
            return
        if is_blank(cell):
            return
        values = parsed.values
        if name in TEXT_FIELDS:
            text = normalise_text(cell, multiline=name == "description")
            if name == "website" and "://" not in text:
                text = "https://" + text
            values[name] = text
        elif name == "uscc":
            values["uscc"] = self._identifier(check_uscc, cell)
        elif name == "lei":
            values["lei"] = self._identifier(check_lei, cell)
        elif name == "registered_capital":
            self._capital(values, cell, row)
        elif name == "aliases":
            parsed.aliases = split_multi(cell)
        elif name in CONTACT_FIELDS:
            parsed.contact[CONTACT_FIELDS[name]] = normalise_text(cell)

    def _read_repeating(self, name: str, cell: object) -> tuple[str, Any] | None:
        """(attribute, value) of a cell of a REPEATING field, None for a blank one."""
        if name in BOOLEANS:
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                return None
            try:
                return name, parse_bool(cell)  # 无 in a yes/no column answers "no"
            except CellError:
                if not is_blank(cell):
                    raise
            return None
        if is_blank(cell):
            return None
        if name in CHOICES:
            return name, parse_choice(cell, CHOICES[name])
        if name in COUNTRIES:
            return name, parse_country(cell)
        if name == "categories":
            ids, unknown = match_categories(self.categories, split_multi(cell))
            if unknown:
                raise CellError(
                    gettext_lazy("No plan category is called %(names)s."),
                    {"names": "、".join(unknown)},
                )
            return "categories", ids
        if name == "building":
            return "building_id", self.lookups.building(cell)
        if name == "owner":
            return "owner_id", self.lookups.person(cell)
        return "team_id", self.lookups.team(cell)

    def _identifier(self, check: Callable, cell: object) -> str:
        found = check(normalise_text(cell))
        if not found.valid:
            raise CellError(found.problem)
        return found.value

    def _capital(self, values: dict[str, Any], cell: object, row: list[object]) -> None:
        hint = self.capital_hint or self.sheet_hint
        currency = (hint.currency if hint else None) or Currency.CNY
        column = self.currency_column
        if column is not None and column < len(row) and not is_blank(row[column]):
            # An unknown currency word is passed over: the amount cell may name its own.
            with suppress(CellError):
                currency = parse_choice(row[column], Currency)
        amount = parse_amount(
            cell, default_currency=currency, unit_hint=hint.unit if hint else None
        )
        values["registered_capital"] = amount.amount
        values["registered_capital_currency"] = amount.currency

    # -- deciding

    def decide(self, chunk: list[tuple[int, list[object]]]) -> list[RowOutcome]:
        """What each row of a batch does; collects the writes for :meth:`apply`."""
        parsed = [self.parse(number, row) for number, row in chunk if not skipped(row)]
        for row in parsed:
            named = row.name_keys() or {"uscc", "lei"} & set(row.values)
            if not row.errors and not named:
                row.errors.append(RowError(row.number, "", "", _("The row names no institution.")))
        matched = {row.number: self._match(row) for row in parsed if not row.errors}
        existing = Institution.objects.in_bulk([pk for pk in matched.values() if pk])
        known = self._related(existing)
        outcomes = []
        for row in parsed:
            if row.errors:
                self._remember(row, None)
                outcomes.append(RowOutcome(row.number, FAILED, row.errors, row.label))
                continue
            pk = matched[row.number]
            first = self._duplicate_of(row, pk)
            self._remember(row, pk)
            if first is not None:
                reason = _("The same institution as row %(row)s of this file.") % {"row": first}
                error = RowError(row.number, "", "", reason)
                outcomes.append(RowOutcome(row.number, DUPLICATE, [error], row.label))
                continue
            action = self._create(row) if pk is None else self._update(row, existing[pk], *known)
            label = row.label or (str(existing[pk]) if pk else "")
            outcomes.append(RowOutcome(row.number, action, row.errors, label))
        return outcomes

    def _match(self, row: _Row) -> int | None:
        """The institution the row describes: by USCC, then LEI, then normalised name."""
        uscc = row.values.get("uscc")
        try:
            return self.register.match(
                uscc=uscc, lei=row.values.get("lei"), name_keys=row.name_keys()
            )
        except OtherCode as error:
            row.errors.append(
                RowError(row.number, self.column_of.get("uscc", ""), uscc, error.message)
            )
        except Ambiguous as error:
            row.errors.append(
                RowError(row.number, self.column_of.get("name_zh", ""), row.label, error.message)
            )
        return None

    def _keys(self, row: _Row, pk: int | None) -> list[tuple[str, str]]:
        keys = [("name", key) for key in row.name_keys()]
        for name in ("uscc", "lei"):
            if row.values.get(name):
                keys.append((name, row.values[name]))
        if pk is not None:
            keys.append(("pk", str(pk)))
        return keys

    def _duplicate_of(self, row: _Row, pk: int | None) -> int | None:
        firsts = [self.seen[key] for key in self._keys(row, pk) if key in self.seen]
        return min(firsts) if firsts else None

    def _remember(self, row: _Row, pk: int | None) -> None:
        for found in self._keys(row, pk):
            self.seen.setdefault(found, row.number)

    def _related(self, existing: dict[int, Institution]) -> tuple[dict, dict, dict]:
        """Categories, alias keys and contacts of the matched institutions (three queries)."""
        categories: dict[int, set[int]] = {}
        aliases: dict[int, list[str]] = {}
        contacts: dict[int, list[Contact]] = {}
        if existing:
            ids = list(existing)
            through = Institution.categories.through.objects.filter(institution_id__in=ids)
            for pk, category in through.values_list("institution_id", "category_id"):
                categories.setdefault(pk, set()).add(category)
            names = InstitutionAlias.objects.filter(institution_id__in=ids)
            for pk, name in names.values_list("institution_id", "name"):
                aliases.setdefault(pk, []).append(name)
            for contact in Contact.objects.filter(institution_id__in=ids, erased_at=None):
                contacts.setdefault(contact.institution_id, []).append(contact)
        return categories, aliases, contacts

    def _validate(self, row: _Row, record: Any, names: Iterable[str]) -> None:
        """Check the fields the file wrote (``names``, attnames) and the record's own rules.

        Only those: the rest are defaults or the stored values, and a full_clean of every
        field (django-countries' check alone costs 1 ms) would take most of a large import.
        """
        contact = isinstance(record, Contact)
        errors: dict[str, list[str]] = {}
        fields = _fields(type(record))
        stored = record.__dict__
        for name in names:
            if name in COUNTRIES and not contact:
                continue  # parse_country gave an ISO code
            field = fields[name]
            if field.is_relation:
                continue  # found by name among the records that exist
            messages = self._field_errors(field, stored[field.attname], record)
            if messages:
                errors.setdefault(field.attname, []).extend(messages)
        try:
            record.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        reverse = {attribute: source for source, attribute in CONTACT_FIELDS.items()}
        for name, messages in errors.items():
            source = reverse.get(name, "contact_name") if contact else SOURCE.get(name, name)
            column = self.column_of.get(source, "") if name != "__all__" or contact else ""
            value = (row.contact if contact else row.values).get(name, "")
            for message in messages:
                shown = "" if value is None else str(value)
                row.errors.append(RowError(row.number, column, shown, message))

    def _field_errors(self, field: Any, value: Any, record: Any) -> list[str]:
        """What ``field.clean`` says of ``value``; remembered for a choice, a flag or a number.

        Those repeat down a ledger (a few types and statuses for 100k rows), and a field's
        own checks depend on the value alone. Names and codes, nearly all different, are
        checked each time.
        """
        remember = field.choices is not None or not isinstance(value, str)
        found = self._checked.get((field, value)) if remember else None
        if found is None:
            try:
                field.clean(value, record)
                found = []
            except ValidationError as error:
                found = error.messages
            if remember:
                self._checked[field, value] = found
        return found

    def _new_contact(self, row: _Row) -> Contact | None:
        if not row.contact.get("name"):
            return None
        contact = Contact(
            lawful_basis=LawfulBasis.PUBLIC,
            basis_note=_("Imported from a spreadsheet"),
            **row.contact,
        )
        self._validate(row, contact, row.contact)
        return contact

    def _create(self, row: _Row) -> str:
        values = dict(row.values)
        values.setdefault("institution_type", InstitutionType.OTHER)
        values.setdefault("ownership", Ownership.OTHER)
        institution = Institution(**values)
        self._validate(row, institution, values)
        contact = self._new_contact(row)
        if row.errors:
            return FAILED
        self.creates.append(
            crm_services.InstitutionDraft(institution, row.categories, row.aliases, contact)
        )
        return CREATE

    def _update(
        self,
        row: _Row,
        institution: Institution,
        categories: dict[int, set[int]],
        aliases: dict[int, list[str]],
        contacts: dict[int, list[Contact]],
    ) -> str:
        changed = {
            name
            for name, value in row.values.items()
            if name in COMPARED and _differs(getattr(institution, name), value)
        }
        # 摩根资产管理（中国）有限公司 for 摩根资产管理有限公司: the same name, written otherwise.
        for name in ("name_zh", "name_en"):
            current = getattr(institution, name)
            if current and name_key(current) == name_key(row.values.get(name, "")):
                changed.discard(name)
        for name in changed:
            setattr(institution, name, row.values[name])
        if row.values.get("lei") and row.values["lei"] != institution.lei:
            holder = self.register.by_lei.get(row.values["lei"])
            if holder not in (None, institution.pk):
                row.errors.append(
                    RowError(
                        row.number,
                        self.column_of.get("lei", ""),
                        row.values["lei"],
                        _("Another institution has this LEI."),
                    )
                )
        if changed:
            self._validate(row, institution, changed)
        held = categories.get(institution.pk, set())
        new_categories = [c for c in row.categories if c not in held]
        held_aliases = aliases.get(institution.pk, [])
        own = {name_key(n) for n in (institution.name_zh, institution.name_en, *held_aliases)}
        new_aliases = [a for a in row.aliases if name_key(a) not in own]
        contact = self._contact_change(row, contacts.get(institution.pk, []), institution.pk)
        if row.errors:
            return FAILED
        if not (changed or new_categories or new_aliases or contact):
            return UNCHANGED
        all_categories = [*held, *new_categories] if new_categories else None
        all_aliases = [*held_aliases, *new_aliases] if new_aliases else None
        self.updates.append((institution, changed, all_categories, all_aliases))
        if contact is not None:
            self.contacts.append(contact)
        return UPDATE

    def _contact_change(self, row: _Row, known: list[Contact], pk: int) -> Contact | None:
        """The row's contact, new or with the details that differ; None when nothing changes."""
        name = row.contact.get("name")
        if not name:
            return None
        same = next((c for c in known if key(c.name) == key(name)), None)
        if same is None:
            contact = self._new_contact(row)
            if contact is not None:
                contact.institution_id = pk
            return contact
        changed = False
        for attribute, value in row.contact.items():
            if value and getattr(same, attribute) != value:
                setattr(same, attribute, value)
                changed = True
        if changed:
            self._validate(row, same, row.contact)
        return same if changed else None

    # -- writing

    # The engine writes each batch while it reads the next (engine._Writer): take() hands
    # over what decide() collected, in the reading thread; the write runs in another.
    streams = True

    def begin_writing(self) -> None:
        """Before the first write, in the import's transaction (the register's bulk set-up)."""
        crm_services.bulk_write_begin()

    def after_commit(self) -> None:
        """Once the import's rows are committed."""
        crm_services.bulk_write_end()

    def apply(self, *, checkpoint: Callable[[int, int], None]) -> None:
        """Write what :meth:`decide` collected and no :meth:`take` took, through the
        register's services."""
        self.take()(checkpoint=checkpoint)

    def take(self) -> Callable[..., None]:
        """What :meth:`decide` collected since the last call, as a write to run."""
        creates, self.creates = self.creates, []
        updates, self.updates = self.updates, []
        contacts, self.contacts = self.contacts, []
        user = self.user
        for draft in creates:
            # Here, in the reading thread, rather than in the write, which may run on a
            # thread of its own (engine._Writer): the two share the work.
            crm_services.institution_draft_prepare(draft, actor=user)

        def write(*, checkpoint: Callable[[int, int], None]) -> None:
            total = len(creates) + len(updates) + len(contacts)
            for start in range(0, len(creates), WRITE_ROWS):
                checkpoint(start, total)
                crm_services.institutions_import(
                    drafts=creates[start : start + WRITE_ROWS], actor=user
                )
            done = len(creates)
            for number, (institution, _changed, categories, aliases) in enumerate(updates):
                if number % BATCH == 0:
                    checkpoint(done + number, total)
                crm_services.institution_save(
                    institution=institution, categories=categories, aliases=aliases, actor=user
                )
            for contact in contacts:
                crm_services.contact_save(contact=contact)
            checkpoint(total, total)

        return write


@lru_cache
def _fields(model: type[Any]) -> dict[str, Any]:
    return {field.attname: field for field in model._meta.concrete_fields}


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) and isinstance(new, Decimal):
        return current != new
    if current in (None, "") and new in (None, ""):
        return False
    return current != new
