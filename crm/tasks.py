"""Celery tasks of the register. Thin: the work is in ``services``."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="crm.flush_search_index")
def flush_search_index() -> int:
    """Merge the search indexes' pending entries after a bulk import (services.bulk_write_end)."""
    return services.search_index_flush()
