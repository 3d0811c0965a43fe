"""The audit trail (django-auditlog), and the paths its signals cannot see.

Saves and deletes of registered models are logged by django-auditlog's signals, with the
request's user as actor (its middleware) or the one a service names (``actor_as``). A
``QuerySet.update()`` sends no signal: any service that moves rows in bulk logs them with
``log_bulk_update`` in the same transaction. Erasing a person scrubs their data from the
trail as well (``scrub``), or the trail would keep what the erasure removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

ERASED = "[erased]"
# Kept in the trail (edit conflicts read "version"), but nothing a reader needs to see.
UNSHOWN = frozenset({"id", "version", "created_at", "updated_at"})
M2M_SIGNS = {"add": "+", "delete": "−", "clear": "∅"}


def register(model: type[Model], **options: Any) -> None:
    """Register ``model`` with django-auditlog, never logging the reverse relations.

    On creation auditlog would otherwise write every related manager (follow_ups,
    milestones…) into the entry as "app.Model.None".
    """
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    options["exclude_fields"] = [*options.get("exclude_fields", ()), *reverse]
    auditlog.register(model, **options)


def changes_shown(entry: LogEntry) -> list[tuple[str, str, str]]:
    """An entry's changes as (field label, before, after), as a person reads them.

    Hides bookkeeping fields and relations that are not fields any more, and writes a
    many-to-many change ("+ 资产管理, 融资租赁") instead of the raw JSON auditlog keeps.
    """
    model = entry.content_type.model_class()
    if model is None:
        return []
    display = {str(label): values for label, values in entry.changes_display_dict.items()}
    shown = []
    for name, values in (entry.changes_dict or {}).items():
        if name in UNSHOWN:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.auto_created and not field.concrete:
            continue
        label = str(getattr(field, "verbose_name", name))
        if isinstance(values, dict) and values.get("type") == "m2m":
            sign = M2M_SIGNS.get(values.get("operation"), "")
            shown.append(
                (label, "", "%s %s" % (sign, ", ".join(map(str, values.get("objects", [])))))
            )
            continue
        before, after = (
            "" if v in (None, "None") else str(v) for v in [*display.get(label, values), "", ""][:2]
        )
        shown.append((label, before, after))
    return shown


@contextmanager
def actor_as(user: Any) -> Iterator[None]:
    """Log the changes made inside the block as ``user``'s (for commands and tasks)."""
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    with set_actor(user):
        yield


def log_bulk_update(
    *, model: type[Model], pks: Iterable[Any], field: str, before: Any, after: Any, actor: Any
) -> int:
    """Write one audit entry per row that a ``QuerySet.update()`` changed; return how many."""
    content_type = ContentType.objects.get_for_model(model)
    rows = model._base_manager.filter(pk__in=list(pks))
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(row.pk),
            object_id=row.pk if isinstance(row.pk, int) else None,
            object_repr=str(row)[:255],
            action=LogEntry.Action.UPDATE,
            changes={field: [str(before), str(after)]},
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for row in rows
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def scrub(*, instance: Model, fields: Iterable[str], repr_text: str) -> None:
    """Replace ``fields``' values in every audit entry of ``instance`` and its name."""
    fields = set(fields)
    for entry in LogEntry.objects.get_for_object(instance):
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name in fields & set(changes):
            changes[name] = [ERASED, ERASED]
        entry.changes = changes
        entry.object_repr = repr_text
        if entry.serialized_data:
            entry.serialized_data = None
        entry.save(update_fields=["changes", "object_repr", "serialized_data"])


def history_of(instance: Model) -> Any:
    """The audit entries of one record, newest first, with their actors."""
    return (
        LogEntry.objects.get_for_object(instance)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
    )
