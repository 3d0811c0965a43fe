"""Writes on the register: institutions, aliases, contacts, interactions, follow-ups, merges."""

from __future__ import annotations

import datetime
import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import actor_as, history_of, log_bulk_update, scrub
from plans.models import Category

from .identifiers import check_lei, check_uscc
from .models import (
    Building,
    Contact,
    FollowUp,
    Institution,
    InstitutionAlias,
    InstitutionMerge,
    InstitutionStatus,
    Interaction,
    Milestone,
    MilestoneKind,
)
from .names import normalise_name

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- institutions


def _clean_aliases(aliases: Iterable[str], institution: Institution) -> list[str]:
    """Aliases without blanks, repeats, or copies of the institution's own names."""
    own = {normalise_name(institution.name_zh), normalise_name(institution.name_en)} - {""}
    seen: set[str] = set()
    kept = []
    for alias in aliases:
        alias = " ".join((alias or "").split())
        key = normalise_name(alias)
        if not alias or not key or key in own or key in seen:
            continue
        seen.add(key)
        kept.append(alias[:200])
    return kept


class EditConflict(Exception):
    """Someone else saved the record since this edit began; ``changes`` says what they did."""

    def __init__(self, changes: list[Any]):
        super().__init__("edit conflict")
        self.changes = changes


def changes_since(instance: Institution, version: int) -> list[Any]:
    """The audit entries that moved the record past ``version``, oldest first."""
    entries = []
    for entry in history_of(instance)[:50]:
        moved = (entry.changes or {}).get("version") if isinstance(entry.changes, dict) else None
        if moved and str(moved[0]).isdigit() and int(moved[0]) >= version:
            entries.append(entry)
    return entries[::-1]


@transaction.atomic
def institution_save(
    *,
    institution: Institution,
    categories: Iterable[Category] | None = None,
    aliases: Iterable[str] | None = None,
    actor: User | None = None,
    expected_version: int | None = None,
) -> Institution:
    """Validate and save an institution, with its plan categories and aliases when given.

    With ``expected_version`` (the version the editor started from), a save that would
    overwrite someone else's newer one raises ``EditConflict`` instead.
    """
    if institution.pk is None and actor is not None and actor.is_authenticated:
        institution.created_by = actor
    if institution.pk is not None:
        current = Institution.objects.select_for_update().values_list("version", flat=True)
        stored = current.filter(pk=institution.pk).first()
        if expected_version is not None and stored is not None and stored != expected_version:
            raise EditConflict(changes_since(institution, expected_version))
        institution.version = (stored or institution.version) + 1
    # Codes are kept compact and upper case; an empty one is NULL, so uniqueness ignores it.
    institution.uscc = check_uscc(institution.uscc).value or None if institution.uscc else None
    institution.lei = check_lei(institution.lei).value or None if institution.lei else None
    institution.full_clean()
    alias_names = (
        _clean_aliases(aliases, institution)
        if aliases is not None
        else list(institution.aliases.values_list("name", flat=True))
        if institution.pk
        else []
    )
    institution.refresh_keys(alias_names)
    institution.save()
    if categories is not None:
        institution.categories.set(categories)
    if aliases is not None:
        _set_aliases(institution, alias_names)
    return institution


def _set_aliases(institution: Institution, names: list[str]) -> None:
    institution.aliases.exclude(name__in=names).delete()
    existing = set(institution.aliases.values_list("name", flat=True))
    for name in names:
        if name not in existing:
            InstitutionAlias(institution=institution, name=name).save()


def institution_refresh_last_contact(*, institution: Institution) -> None:
    """Recompute the institution's last-contact date from its interactions."""
    last = institution.interactions.aggregate(last=Max("date"))["last"]
    Institution.objects.filter(pk=institution.pk).update(last_contacted_on=last)
    institution.last_contacted_on = last


# ---------------------------------------------------------------- interactions


def record_team_id(*, actor: User, institution: Institution, project: Any = None) -> int | None:
    """The team an interaction or follow-up belongs to, which decides who sees it.

    A project's team; else the institution's team when the actor works in it; else the
    actor's own (first) team; else the institution's.
    """
    if project is not None and project.team_id:
        return project.team_id
    teams = actor.working_team_ids
    if institution.team_id in teams:
        return institution.team_id
    if teams:
        return min(teams)
    return institution.team_id


@dataclass(frozen=True)
class FollowUpDraft:
    title: str
    assignee: User
    due_date: datetime.date


@transaction.atomic
def interaction_log(
    *,
    institution: Institution,
    actor: User,
    kind: str,
    date: datetime.date,
    summary: str,
    officers: Iterable[User] = (),
    contacts: Iterable[Contact] = (),
    outcome: str = "",
    next_step: str = "",
    project: Any = None,
    follow_up: FollowUpDraft | None = None,
) -> Interaction:
    """Log an interaction with an institution, and the follow-up it calls for."""
    interaction = Interaction(
        institution=institution,
        project=project,
        team_id=record_team_id(actor=actor, institution=institution, project=project),
        kind=kind,
        date=date,
        summary=summary,
        outcome=outcome,
        next_step=next_step,
        created_by=actor,
    )
    interaction.full_clean()
    if date > timezone.localdate():
        raise ValidationError({"date": _("An interaction cannot be dated in the future.")})
    contacts = list(contacts)
    strangers = [c for c in contacts if c.institution_id != institution.pk]
    if strangers:
        raise ValidationError({"contacts": _("Only contacts of this institution can be present.")})
    interaction.save()
    interaction.officers.set(officers or [actor])
    interaction.contacts.set(contacts)
    if follow_up is not None:
        follow_up_create(
            actor=actor,
            title=follow_up.title,
            assignee=follow_up.assignee,
            due_date=follow_up.due_date,
            institution=institution,
            project=project,
            interaction=interaction,
        )
    if institution.last_contacted_on is None or date >= institution.last_contacted_on:
        Institution.objects.filter(pk=institution.pk).update(last_contacted_on=date)
        institution.last_contacted_on = date
    return interaction


@transaction.atomic
def interaction_delete(*, interaction: Interaction) -> None:
    """Delete an interaction and bring its institution's last-contact date back."""
    institution = interaction.institution
    interaction.delete()
    institution_refresh_last_contact(institution=institution)


# ---------------------------------------------------------------- follow-ups


def follow_up_create(
    *,
    actor: User,
    title: str,
    assignee: User,
    due_date: datetime.date,
    institution: Institution,
    project: Any = None,
    interaction: Interaction | None = None,
) -> FollowUp:
    """Create a follow-up for an institution, optionally tied to a project or interaction."""
    follow_up = FollowUp(
        title=title,
        team_id=record_team_id(actor=actor, institution=institution, project=project),
        assignee=assignee,
        due_date=due_date,
        institution=institution,
        project=project,
        interaction=interaction,
        created_by=actor,
    )
    follow_up.full_clean()
    follow_up.save()
    return follow_up


def follow_up_set_done(*, follow_up: FollowUp, done: bool) -> FollowUp:
    """Mark a follow-up done (stamping when) or open again."""
    follow_up.done = done
    follow_up.done_at = timezone.now() if done else None
    follow_up.save(update_fields=["done", "done_at"])
    return follow_up


# ---------------------------------------------------------------- contacts


def contact_save(*, contact: Contact) -> Contact:
    """Validate and save a contact."""
    if contact.erased_at:
        raise ValidationError(_("An erased contact cannot be edited."))
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_erase(*, contact: Contact) -> Contact:
    """Remove a person's personal data; the business records that mention them stay."""
    for field in Contact.PERSONAL_FIELDS:
        setattr(contact, field, "")
    contact.do_not_contact = True
    contact.is_primary = False
    contact.erased_at = timezone.now()
    contact.save()
    # The trail keeps who erased whom and when, but not the data the erasure removed.
    scrub(instance=contact, fields=Contact.PERSONAL_FIELDS, repr_text=str(contact))
    return contact


# ---------------------------------------------------------------- buildings


def building_save(*, building: Building) -> Building:
    """Validate and save a building."""
    building.full_clean()
    building.save()
    return building


# ---------------------------------------------------------------- merge

# The fields a merge lets the user pick, in the order the merge page shows them.
MERGE_FIELDS = (
    "name_zh",
    "name_en",
    "uscc",
    "lei",
    "institution_type",
    "ownership",
    "status",
    "country",
    "parent_country",
    "licensed",
    "national_first",
    "foreign_controlled",
    "regulator",
    "building",
    "registered_capital",
    "registered_capital_currency",
    "website",
    "description",
    "owner",
    "team",
)


def _field_value(institution: Institution, name: str) -> Any:
    field = Institution._meta.get_field(name)
    return getattr(institution, field.attname)


def _snapshot(institution: Institution) -> dict[str, Any]:
    return {name: _json(_field_value(institution, name)) for name in MERGE_FIELDS}


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@transaction.atomic
def institution_merge(
    *,
    keep: Institution,
    drop: Institution,
    actor: User,
    take_from_drop: Iterable[str] = (),
) -> InstitutionMerge:
    """Fold ``drop`` into ``keep``: every related record moves, nothing is lost.

    ``take_from_drop`` names the fields whose value the survivor takes from ``drop``;
    every other field keeps the survivor's value. ``drop``'s names become aliases.
    """
    if keep.pk == drop.pk:
        raise ValidationError(_("An institution cannot be merged with itself."))
    take = set(take_from_drop)
    unknown = take - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))})
    with actor_as(actor):
        return _merge(keep=keep, drop=drop, actor=actor, take=take)


def _merge(*, keep: Institution, drop: Institution, actor: User, take: set[str]):
    # Lock both rows so that two merges of the same pair cannot interleave.
    keep = Institution.objects.select_for_update().get(pk=keep.pk)
    drop = Institution.objects.select_for_update().get(pk=drop.pk)

    snapshot = _snapshot(drop)
    replaced = {name: _json(_field_value(keep, name)) for name in sorted(take)}
    moved = _move_related(keep=keep, drop=drop, actor=actor)

    aliases = [
        *keep.aliases.values_list("name", flat=True),
        *drop.aliases.values_list("name", flat=True),
        drop.name_zh,
        drop.name_en,
    ]
    categories = set(keep.categories.all()) | set(drop.categories.all())
    values = {name: _field_value(drop, name) for name in take}
    merged_name = drop.name
    merged_id = drop.pk
    drop.aliases.all().delete()
    drop.delete()  # before the survivor takes its unique identifiers

    for name, value in values.items():
        setattr(keep, Institution._meta.get_field(name).attname, value)
    # The names the survivor gave up are aliases now, like the merged record's.
    aliases += [
        replaced_name
        for field, replaced_name in replaced.items()
        if field in ("name_zh", "name_en") and replaced_name
    ]
    institution_save(institution=keep, categories=categories, aliases=aliases, actor=actor)
    institution_refresh_last_contact(institution=keep)
    return InstitutionMerge.objects.create(
        survivor=keep,
        merged_id=merged_id,
        merged_name=merged_name,
        merged_snapshot=snapshot,
        replaced_values=replaced,
        moved=moved,
        actor=actor,
    )


def _move_related(*, keep: Institution, drop: Institution, actor: User) -> dict[str, int]:
    """Point every record that refers to ``drop`` at ``keep``; count them by model.

    Found through the model's relations rather than listed by hand, so that records of
    apps above crm (projects, milestones) move too without crm importing them.
    """
    moved: dict[str, int] = {}
    for relation in Institution._meta.related_objects:
        if relation.related_model is InstitutionAlias:
            continue  # aliases are re-made from the names, below
        if relation.one_to_many or relation.one_to_one:
            field = relation.field.name
            rows = relation.related_model._base_manager.filter(**{field: drop})
            pks = list(rows.values_list("pk", flat=True))
            count = rows.update(**{field: keep})
            # An update() sends no signal: the audit trail is written here.
            log_bulk_update(
                model=relation.related_model,
                pks=pks,
                field=field,
                before=drop,
                after=keep,
                actor=actor,
            )
        elif relation.many_to_many:
            through = relation.through
            source = relation.field.m2m_reverse_field_name()
            count = 0
            for row in through._base_manager.filter(**{source: drop}):
                exists = through._base_manager.filter(
                    **{
                        source: keep,
                        relation.field.m2m_field_name(): getattr(
                            row, relation.field.m2m_field_name()
                        ),
                    }
                ).exists()
                if exists:
                    row.delete()
                else:
                    setattr(row, source, keep)
                    row.save()
                count += 1
        else:
            continue
        if count:
            moved[relation.related_model._meta.label] = count
    return moved


# ---------------------------------------------------------------- milestones


@transaction.atomic
def milestone_record(
    *,
    institution: Institution,
    kind: str,
    date: datetime.date,
    actor: User | None,
    project: Any = None,
    confirm_uscc: bool = False,
    **fields: Any,
) -> Milestone:
    """Record a landing milestone; a registration also gives the institution its USCC.

    A registration marks the institution landed (aftercare stays aftercare). An exit keeps
    the status: the office still knows the firm, and count targets subtract the exit itself.
    """
    if project is not None and project.institution_id != institution.pk:
        raise ValidationError({"project": _("The project belongs to another institution.")})
    milestone = Milestone(institution=institution, kind=kind, date=date, project=project, **fields)
    if actor is not None and actor.is_authenticated:
        milestone.created_by = actor
    registered = kind == MilestoneKind.REGISTERED
    if registered:
        _milestone_check_uscc(milestone, institution, confirm=confirm_uscc)
    milestone.full_clean()
    with actor_as(actor):
        milestone.save()
        if registered:
            changed = not institution.uscc
            institution.uscc = institution.uscc or milestone.uscc
            if institution.status not in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE):
                institution.status = InstitutionStatus.LANDED
                changed = True
            if changed:
                institution_save(institution=institution, actor=actor)
    return milestone


def _milestone_check_uscc(milestone: Milestone, institution: Institution, *, confirm: bool) -> None:
    """Compact the registration's code and check it against the register before saving."""
    raw = milestone.uscc or institution.uscc or ""
    if not raw:
        return  # full_clean reports the missing code
    check = check_uscc(raw)
    milestone.uscc = check.value
    if not check.valid and not confirm:
        raise ValidationError(
            {
                "uscc": _("%(problem)s Confirm to keep this code anyway.")
                % {"problem": check.problem}
            }
        )
    if institution.uscc and institution.uscc != check.value:
        raise ValidationError(
            {
                "uscc": _("The institution is registered under another code: %(code)s.")
                % {"code": institution.uscc}
            }
        )
    clash = Institution.objects.filter(uscc=check.value).exclude(pk=institution.pk).first()
    if clash is not None:
        raise ValidationError(
            {"uscc": _("Another institution, %(name)s, has this code.") % {"name": clash.name}}
        )


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: User | None) -> None:
    """Delete a milestone recorded in error; the institution's code and status stay."""
    with actor_as(actor):
        milestone.delete()


# ---------------------------------------------------------------- imports


@dataclass
class InstitutionDraft:
    """A new institution an import creates, with its categories, aliases and a contact."""

    institution: Institution  # unsaved, validated by the caller (clean_fields and clean)
    category_ids: list[int]
    aliases: list[str]
    contact: Contact | None = None  # unsaved; its institution is set here
    prepared: bool = False  # institution_draft_prepare has run


def _created_changes(instance: Any, fields: Iterable[str]) -> dict[str, list[str]]:
    """An audit entry's changes for a new record, as auditlog writes them: "None" → value.

    Values are read from the instance's ``__dict__``: a country field's descriptor would
    make a ``Country`` of each one, a cost that counts at 100k imported rows.
    """
    meta, stored = instance._meta, instance.__dict__
    changes = {}
    for name in fields:
        value = stored.get(meta.get_field(name).attname)
        if value is not None and value != "":
            changes[name] = ["None", str(value)]
    return changes


# The register's GIN search indexes (trigrams and character pairs) cost most of a large
# import's time when each row updates them. With a pending list large enough for the whole
# import (GIN's "fast update"), the rows' entries are appended during the import and merged
# into the index in one pass after it (bulk_write_end), as autovacuum would do later.
SEARCH_INDEXES = ("crm_institution_search_trgm", "crm_institution_search_bigrams")
BULK_PENDING_LIST = "256MB"


def bulk_write_begin() -> None:
    """Set the current transaction up for a bulk write into the register (PostgreSQL).

    Call inside the transaction, before the writes: the search indexes keep the new
    entries pending, and foreign keys are checked as each statement ends rather than
    all at the commit, so the checks run while the writer prepares the next batch
    (``spreadsheets.importing.engine``). Schedule :func:`bulk_write_end` on commit.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = %s", [BULK_PENDING_LIST])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def bulk_write_end() -> None:
    """After a bulk write has committed: merge the search indexes' pending entries, on a
    worker (``crm.flush_search_index``); searches are slower until it is done."""
    if connection.vendor != "postgresql":
        return
    from kombu.exceptions import OperationalError

    from .tasks import flush_search_index

    try:
        flush_search_index.delay()
    except OperationalError:  # the broker is away: autovacuum merges them in its time
        logger.warning("Could not queue the search index flush; autovacuum will do it.")


def search_index_flush() -> int:
    """Merge the pending entries of the register's search indexes; pages merged."""
    if connection.vendor != "postgresql":
        return 0
    merged = 0
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            merged += cursor.fetchone()[0]
    return merged


def _audit_actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def institution_draft_prepare(draft: InstitutionDraft, *, actor: User | None) -> None:
    """Give a draft what :func:`institutions_import` stores with it: its creator, compact
    codes, clean aliases, name keys and search text. Queries nothing, so an importer can
    call it while another thread writes the drafts before (spreadsheets.importing)."""
    institution = draft.institution
    audit_actor = _audit_actor(actor)
    if audit_actor is not None:
        institution.created_by = audit_actor
    # A code already compact (ASCII letters and digits, upper case) is what the check
    # gives back: the importer has checked it, and python-stdnum's check is costly.
    for name, check in (("uscc", check_uscc), ("lei", check_lei)):
        code = getattr(institution, name)
        if code and not (code.isascii() and code.isalnum() and code == code.upper()):
            code = check(code).value
        setattr(institution, name, code or None)
    draft.aliases = _clean_aliases(draft.aliases, institution)
    institution.refresh_keys(draft.aliases)
    # Its audit entry's text, ready for COPY: the writer adds the pk.
    changes = _created_changes(institution, _institution_audit_fields())
    institution._audit_created = {
        "object_repr": str(institution)[:255],
        "changes": JsonText(json.dumps(changes)),
    }
    draft.prepared = True


@functools.cache
def _institution_audit_fields() -> list[str]:
    return [f.name for f in Institution._meta.concrete_fields if f.name in MERGE_FIELDS]


class JsonText(str):
    """A JSON document already serialised: COPY sends it as it is (see _copy)."""


@transaction.atomic
def institutions_import(*, drafts: list[InstitutionDraft], actor: User | None) -> list[Institution]:
    """Create many institutions at once, with the name keys, search text and audit trail
    that ``institution_save`` would give each one.

    For imports: a row at a time through ``institution_save`` runs about ten queries a row;
    this runs a handful per batch. Uniqueness of USCC and LEI is left to the database (the
    importer has matched the register before), so a clash rolls the whole batch back.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if not drafts:
        return []
    audit_actor = _audit_actor(actor)

    def prepare(institution: Institution, index: int) -> None:
        if not drafts[index].prepared:
            institution_draft_prepare(drafts[index], actor=actor)

    institutions = [draft.institution for draft in drafts]
    _insert_many(Institution, institutions, prepare=prepare)

    through = Institution.categories.through
    _insert_values(
        through,
        [
            {"institution_id": d.institution.pk, "category_id": category_id}
            for d in drafts
            for category_id in d.category_ids
        ],
    )
    aliases = [
        InstitutionAlias(institution=d.institution, name=name, name_key=normalise_name(name))
        for d in drafts
        for name in d.aliases
    ]
    _insert_many(InstitutionAlias, aliases)
    contacts = []
    for draft in drafts:
        if draft.contact is not None:
            draft.contact.institution = draft.institution
            contacts.append(draft.contact)
    _insert_many(Contact, contacts)

    # bulk_create sends no signal: the trail is written here, one entry per record.
    kinds = (
        (Institution, institutions, _institution_audit_fields()),
        (InstitutionAlias, aliases, ["institution", "name"]),
        (Contact, contacts, ["institution", "name", "title", "phone", "email", "lawful_basis"]),
    )
    # Values rather than LogEntry instances: building 300,000 of those is a third of the
    # time. A generator: on PostgreSQL each entry is made while COPY sends the ones before.
    types = {model: ContentType.objects.get_for_model(model) for model, _r, _n in kinds}
    entries = (
        {
            "content_type_id": types[model].pk,
            "object_pk": str(record.pk),
            "object_id": record.pk,
            "action": LogEntry.Action.CREATE,
            "actor_id": audit_actor.pk if audit_actor else None,
            **(
                record.__dict__.get("_audit_created")
                or {"object_repr": str(record)[:255], "changes": _created_changes(record, names)}
            ),
        }
        for model, records, names in kinds
        for record in records
    )
    _insert_values(LogEntry, entries)
    return institutions


_PLAIN = (str, int, Decimal, datetime.date, type(None))  # bool is an int


def _insert_values(model: type[Any], rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; other fields take their defaults.

    ``rows`` may be a generator: on PostgreSQL it is read as COPY streams.
    """
    if isinstance(rows, list) and not rows:
        return
    if connection.vendor != "postgresql":
        records = [
            model(**{k: json.loads(v) if type(v) is JsonText else v for k, v in row.items()})
            for row in rows
        ]
        model._base_manager.bulk_create(records, batch_size=1000)
        return
    template = model()  # the defaults, taken once (a timestamp default is the same for all)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: getattr(template, f.attname) for f in fields}
    _copy(
        model, fields, ([row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows)
    )


def _copy(model: type[Any], fields: list[Any], rows: Iterable[list[Any]]) -> None:
    """COPY ``rows`` (values in the order of ``fields``) into ``model``'s table.

    ``rows`` is read while the COPY is open: making a row must not query the database
    (the connection is busy; psycopg would wait for itself).
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    plain = [field.get_internal_type() != "JSONField" for field in fields]  # JsonText is
    with connection.cursor() as cursor:
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value
                        if isinstance(value, _PLAIN)
                        and (is_plain or value is None or type(value) is JsonText)
                        else field.get_db_prep_save(value, connection)
                        for value, field, is_plain in zip(row, fields, plain, strict=True)
                    ]
                )


def _insert_many(
    model: type[Any], records: list[Any], *, prepare: Callable[[Any, int], None] | None = None
) -> None:
    """Insert new records at once: ``bulk_create``, or on PostgreSQL one ``COPY``.

    Django's bulk insert quotes every value in Python (about half the time of a large
    import); COPY streams them through psycopg's C dumpers. Primary keys are drawn from
    the table's sequence first, so the records know them as after ``bulk_create``.
    ``prepare(record, index)`` is called on each record just before it is written: on
    PostgreSQL while COPY streams, so that the server inserts the records before (and
    updates the table's indexes, most of an import's time) while the next is prepared.
    """
    if not records:
        return
    if connection.vendor != "postgresql":
        for index, record in enumerate(records):
            if prepare is not None:
                prepare(record, index)
        model._base_manager.bulk_create(records, batch_size=1000)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(records)],
        )
        for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
            record.pk = pk
    fields = list(meta.concrete_fields)
    now = timezone.now()
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    # From __dict__: the country fields' descriptors would make a Country of each value.
    attnames = [f.attname for f in fields]

    def rows() -> Iterator[list[Any]]:
        for index, record in enumerate(records):
            if prepare is not None:
                prepare(record, index)
            values = record.__dict__
            for attname in stamped:
                values[attname] = now
            yield [values[attname] for attname in attnames]

    _copy(model, fields, rows())
    for record in records:
        record._state.adding = False
        record._state.db = connection.alias


# ---------------------------------------------------------------- interaction imports


@dataclass
class InteractionDraft:
    """An interaction an import logs, or adds to, with the people present to add.

    ``interaction`` is new (unsaved) or stored with the ``changed`` fields set; the caller
    has validated it, and checked that the actor may log (or edit) it. A new interaction
    with no officer gets the actor, as ``interaction_log`` does. An unsaved contact is
    created as one of the institution's.
    """

    interaction: Interaction
    officer_ids: list[int]
    contacts: list[Contact]
    changed: tuple[str, ...] = ()


@transaction.atomic
def interactions_import(*, drafts: list[InteractionDraft], actor: User) -> list[Interaction]:
    """Log many interactions at once, and add to stored ones, with the team, officers, audit
    trail and last-contact dates that ``interaction_log`` would give each.

    For imports: ``interaction_log`` runs about ten queries a row; this runs a handful per
    batch (plus a few per stored interaction it changes, which are rare).
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef, Subquery

    if not drafts:
        return []
    # New contacts are few a row but many a ledger: made at once, checked by the caller.
    new_contacts = list({id(c): c for d in drafts for c in d.contacts if c.pk is None}.values())
    Contact.objects.bulk_create(new_contacts, batch_size=500)
    created = [d for d in drafts if d.interaction.pk is None]
    stored = [d for d in drafts if d.interaction.pk is not None]
    institution_ids = {d.interaction.institution_id for d in drafts}
    institutions = Institution.objects.only("pk", "team_id").in_bulk(institution_ids)
    for draft in created:
        interaction = draft.interaction
        if interaction.team_id is None:
            institution = institutions[interaction.institution_id]
            interaction.team_id = record_team_id(actor=actor, institution=institution)
        interaction.created_by = actor
        draft.officer_ids = list(dict.fromkeys(draft.officer_ids or [actor.pk]))
    Interaction.objects.bulk_create([d.interaction for d in created], batch_size=500)
    officers = Interaction.officers.through
    officers.objects.bulk_create(
        [
            officers(interaction_id=d.interaction.pk, user_id=pk)
            for d in created
            for pk in d.officer_ids
        ],
        batch_size=1000,
    )
    present = Interaction.contacts.through
    present.objects.bulk_create(
        [
            present(interaction_id=d.interaction.pk, contact_id=pk)
            for d in created
            for pk in dict.fromkeys(c.pk for c in d.contacts)
        ],
        batch_size=1000,
    )

    # bulk_create sends no signal: the trail is written here, as auditlog would write it.
    names = {
        pk: str(user)
        for pk, user in User.objects.in_bulk({o for d in created for o in d.officer_ids}).items()
    }
    content_type = ContentType.objects.get_for_model(Interaction)
    fields = [
        "institution",
        "kind",
        "date",
        "summary",
        "outcome",
        "next_step",
        "team",
        "created_by",
    ]
    entries = []
    contact_type = ContentType.objects.get_for_model(Contact)
    for contact in new_contacts:
        entries.append(
            LogEntry(
                content_type=contact_type,
                object_pk=str(contact.pk),
                object_id=contact.pk,
                object_repr=str(contact)[:255],
                action=LogEntry.Action.CREATE,
                changes=_created_changes(contact, ["institution", "name", "lawful_basis"]),
                actor=actor if actor.is_authenticated else None,
            )
        )
    for draft in created:
        changes = _created_changes(draft.interaction, fields)
        changes["officers"] = {
            "type": "m2m",
            "operation": "add",
            "objects": [names[pk] for pk in draft.officer_ids if pk in names],
        }
        entries.append(
            LogEntry(
                content_type=content_type,
                object_pk=str(draft.interaction.pk),
                object_id=draft.interaction.pk,
                object_repr=str(draft.interaction)[:255],
                action=LogEntry.Action.CREATE,
                changes=changes,
                actor=actor if actor.is_authenticated else None,
            )
        )
    LogEntry.objects.bulk_create(entries, batch_size=1000)

    # Rare (a re-import that adds an outcome or a colleague): one at a time, with signals.
    for draft in stored:
        interaction = draft.interaction
        if draft.changed:
            interaction.save(update_fields=list(draft.changed))
        if draft.officer_ids:
            interaction.officers.add(*draft.officer_ids)
        if draft.contacts:
            interaction.contacts.add(*draft.contacts)

    latest = Interaction.objects.filter(institution=OuterRef("pk")).order_by("-date").values("date")
    Institution.objects.filter(pk__in=institution_ids).update(
        last_contacted_on=Subquery(latest[:1])
    )
    return [d.interaction for d in drafts]
