"""The audit trail (django-auditlog), and the paths its signals cannot see.

Saves and deletes of registered models are logged by django-auditlog's signals, with the
request's user as actor (its middleware) or the one a service names (``actor_as``). A
``QuerySet.update()`` sends no signal: any service that moves rows in bulk logs them with
``log_bulk_update`` in the same transaction. Erasing a person scrubs their data from the
trail as well (``scrub``), or the trail would keep what the erasure removed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

ERASED = "[erased]"
# Kept in the trail (edit conflicts read "version"), but nothing a reader needs to see.
UNSHOWN = frozenset({"id", "version", "created_at", "updated_at"})
M2M_SIGNS = {"add": "+", "delete": "−", "clear": "∅"}
ACTIONS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "Created"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "Changed"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "Deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "Viewed"),
}


def action_label(entry: LogEntry) -> str:
    """What happened, in the reader's language (auditlog's own labels are English only)."""
    return str(ACTIONS.get(entry.action, entry.get_action_display()))


def _readable(field: Any, raw: Any, shown: Any) -> str:
    """One logged value as the pages write it: 是/否, Y-m-d, lists joined, nothing for None."""
    if raw in (None, "None", "", "[]") or raw == []:
        return ""
    if isinstance(field, models.BooleanField):
        return _("yes") if str(raw) in ("True", "true") else _("no")
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(raw))
        if moment is not None:
            if timezone.is_naive(moment):  # auditlog keeps UTC without saying so
                moment = moment.replace(tzinfo=datetime.UTC)
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    elif isinstance(field, models.DateField):
        day = parse_date(str(raw)[:10])
        if day is not None:
            return day.isoformat()
    if isinstance(field, models.JSONField):
        items = raw
        if isinstance(raw, str):
            try:
                items = json.loads(raw.replace("'", '"'))
            except ValueError:
                items = raw
        if isinstance(items, list):
            return "、".join(map(str, items))
    return "" if shown in (None, "None") else str(shown)


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
        raw = [*values, None, None][:2] if isinstance(values, list) else [None, values]
        display_values = [*display.get(label, raw), None, None][:2]
        before, after = (_readable(field, r, d) for r, d in zip(raw, display_values, strict=True))
        if before or after:
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
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
