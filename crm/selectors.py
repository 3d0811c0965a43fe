"""Reads on the register.

Every list of a register model starts from its ``*_visible_to(user)`` selector: pages,
autocompletes, exports and dashboards alike, so that no path can forget who may see what.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import scoping
from .identifiers import check_lei, check_uscc
from .models import (
    Building,
    Contact,
    FollowUp,
    Institution,
    InstitutionAlias,
    Interaction,
    Milestone,
)
from .names import normalise_name, search_fold
from .permissions import sees_every_team


def institutions_visible_to(user: User) -> QuerySet[Institution]:
    """The institutions ``user`` may see: the register is shared by all signed-in staff."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.all()


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    """The contacts ``user`` may see: those of the institutions they may see."""
    return Contact.objects.filter(institution__in=institutions_visible_to(user))


def interactions_visible_to(user: User) -> QuerySet[Interaction]:
    """The interactions ``user`` may see: their teams' and their own; analysts and admins all."""
    if not user.is_authenticated:
        return Interaction.objects.none()
    if sees_every_team(user):
        return Interaction.objects.all()
    return Interaction.objects.filter(Q(team_id__in=user.working_team_ids) | Q(created_by=user))


def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    """The follow-ups ``user`` may see: their teams', their own and those assigned to them."""
    if not user.is_authenticated:
        return FollowUp.objects.none()
    if sees_every_team(user):
        return FollowUp.objects.all()
    return FollowUp.objects.filter(
        Q(team_id__in=user.working_team_ids) | Q(assignee=user) | Q(created_by=user)
    )


def milestones_visible_to(user: User) -> QuerySet[Milestone]:
    """The landing milestones ``user`` may see: dated facts of the shared register, like it.

    Read without joining the register: a registration or an exit is public record, and the
    dashboard and progress counts read tens of thousands of them.
    """
    if not user.is_authenticated:
        return Milestone.objects.none()
    return Milestone.objects.all()


def buildings_visible_to(user: User) -> QuerySet[Building]:
    """The buildings ``user`` may see: all of them, to any signed-in user."""
    if not user.is_authenticated:
        return Building.objects.none()
    return Building.objects.all()


def users_choosable_by(user: User) -> QuerySet[User]:
    """The colleagues ``user`` may pick as owner, assignee or officer present."""
    if not user.is_authenticated:
        return User.objects.none()
    return User.objects.filter(is_active=True)


# ---------------------------------------------------------------- search and lists


def search_terms(query: str) -> list[str]:
    """The folded terms of a search box entry; every term must match."""
    return [term for term in search_fold(query).split() if term]


def institutions_matching(qs: QuerySet[Institution], query: str) -> QuerySet[Institution]:
    """Narrow ``qs`` to institutions whose names, aliases or identifiers contain the query."""
    for term in search_terms(query):
        if len(term) == 2 and connection.vendor == "postgresql":
            qs = qs.filter(search_bigrams__has_bigram=term)  # the pairs' index narrows
        qs = qs.filter(search_text__contains=term)
    return qs


def overdue_follow_ups_exist() -> Exists:
    """An ``Exists`` for annotating institutions that have an open follow-up past its date."""
    return Exists(
        FollowUp.objects.filter(
            institution=OuterRef("pk"), done=False, due_date__lt=timezone.localdate()
        )
    )


def institution_list(*, user: User, params: Mapping[str, str]):
    """The filter set of the register list: scoped, filtered, searched and sorted."""
    from .filters import InstitutionFilter

    qs = institutions_visible_to(user).select_related("owner", "building", "team")
    return InstitutionFilter(params, queryset=qs, user=user)


def institution_list_page(*, user: User, params: Mapping[str, str], page: object, per_page: int):
    """The filter set and one page of its institutions, in a stable order."""
    filterset = institution_list(user=user, params=params)
    qs = filterset.qs
    if not params.get("sort"):
        qs = qs.order_by("name_zh", "pk")
    else:
        # The tie-break runs the way the sort does, so one index serves both directions.
        order = list(qs.query.order_by)
        first = order[0] if order else ""
        descending = getattr(first, "descending", str(first).startswith("-"))
        qs = qs.order_by(*order, "-pk" if descending else "pk")
    paginator = Paginator(qs, per_page)
    result = paginator.get_page(page)
    if result.number > 1:
        # Past the first page, pick the page's ids first (an index-only read over the rows
        # skipped), then fetch just those with their joins: page 500 in 7 ms, not 90.
        start = (result.number - 1) * per_page
        result.object_list = (
            institutions_visible_to(user)
            .filter(pk__in=qs.values("pk")[start : start + per_page])
            .select_related("owner", "building", "team")
            .order_by(*qs.query.order_by)
        )
    return filterset, result


# ---------------------------------------------------------------- duplicates


@dataclass
class Duplicate:
    institution: Institution
    reasons: list[str] = field(default_factory=list)


def institution_duplicates(
    *,
    user: User,
    name_zh: str = "",
    name_en: str = "",
    aliases: Iterable[str] = (),
    uscc: str = "",
    lei: str = "",
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Duplicate]:
    """Institutions the given details probably describe already, with why, best first."""
    visible = institutions_visible_to(user)
    if exclude_pk is not None:
        visible = visible.exclude(pk=exclude_pk)
    found: dict[int, Duplicate] = {}

    def add(qs: QuerySet[Institution], reason: str) -> None:
        for institution in qs.select_related("owner")[:limit]:
            found.setdefault(institution.pk, Duplicate(institution)).reasons.append(reason)

    uscc_value = check_uscc(uscc).value if uscc else ""
    lei_value = check_lei(lei).value if lei else ""
    if uscc_value:
        add(visible.filter(uscc=uscc_value), str(_("same unified social credit code")))
    if lei_value:
        add(visible.filter(lei=lei_value), str(_("same LEI")))

    keys = {normalise_name(name) for name in (name_zh, name_en, *aliases)} - {""}
    if keys:
        same_name = (
            Q(name_key_zh__in=keys)
            | Q(name_key_en__in=keys)
            | Q(pk__in=InstitutionAlias.objects.filter(name_key__in=keys).values("institution"))
        )
        add(visible.filter(same_name), str(_("same name once legal forms are set aside")))
        # A longer name that contains a typed one (贝莱德 → 贝莱德基金管理) is likely too,
        # but only for keys long enough not to match half the register.
        for key in sorted(keys):
            if len(key) >= 3 if key.isascii() else len(key) >= 2:
                add(
                    visible.filter(search_text__contains=key).exclude(same_name),
                    str(_("similar name")),
                )
    ranked = sorted(found.values(), key=lambda d: (-len(d.reasons), d.institution.name))
    return ranked[:limit]


# ---------------------------------------------------------------- the institution page


@dataclass
class InstitutionPage:
    institution: Institution
    interactions: list[Interaction]
    contacts: list[Contact]
    follow_ups: list[FollowUp]
    projects: list


def _with_contact_ids(interactions: QuerySet[Interaction]) -> QuerySet[Interaction]:
    """The interactions, each with ``contact_ids``: its contacts' pks (a list, or on
    SQLite a comma-separated string)."""
    present = Interaction.contacts.through.objects.filter(interaction=OuterRef("pk"))
    if connection.vendor == "postgresql":
        return interactions.annotate(contact_ids=ArraySubquery(present.values("contact_id")))
    joined = (
        present.values("interaction")
        .annotate(ids=Func(F("contact_id"), function="GROUP_CONCAT", output_field=CharField()))
        .values("ids")
    )
    return interactions.annotate(contact_ids=Subquery(joined))


FOLLOW_UPS_READ = 500  # an institution's follow-ups the page reads, open ones first


def institution_page(*, user: User, institution: Institution) -> InstitutionPage:
    """What the institution page shows, each list scoped and fetched in a fixed number of queries."""
    listed = (
        interactions_visible_to(user)
        .filter(institution=institution)
        .select_related("created_by", "project")
        .prefetch_related("officers")
    )
    # The contacts present are the institution's, which the page reads anyway: their ids
    # come with the interactions, not in a query of their own.
    interactions = list(_with_contact_ids(listed)[:50])
    contacts = list(contacts_visible_to(user).filter(institution=institution))
    by_pk = {contact.pk: contact for contact in contacts}
    for interaction in interactions:
        ids = interaction.contact_ids or []
        if isinstance(ids, str):  # SQLite's GROUP_CONCAT
            ids = [int(pk) for pk in ids.split(",")]
        interaction.page_contacts = [by_pk[pk] for pk in sorted(ids) if pk in by_pk]
    # One query for the page's follow-ups and those under each interaction (the same
    # institution's): the first 50 are listed, every one shows under its interaction.
    all_follow_ups = list(
        follow_ups_visible_to(user)
        .filter(institution=institution)
        .select_related("assignee")
        .order_by("done", "due_date", "pk")[:FOLLOW_UPS_READ]
    )
    by_interaction: dict[int, list[FollowUp]] = {}
    for follow_up in all_follow_ups:
        if follow_up.interaction_id is not None:
            by_interaction.setdefault(follow_up.interaction_id, []).append(follow_up)
    for interaction in interactions:
        interaction.page_follow_ups = by_interaction.get(interaction.pk, [])
    follow_ups = all_follow_ups[:50]
    projects = list(
        scoping.visible("projects", user).filter(institution=institution).select_related("owner")
    )
    return InstitutionPage(institution, interactions, contacts, follow_ups, projects)


# ---------------------------------------------------------------- my work


@dataclass
class MyWork:
    overdue: list[FollowUp]
    upcoming: list[FollowUp]
    stale: list[Institution]
    stale_days: int
    recent: list[Interaction]


def my_work(*, user: User, stale_days: int, upcoming_days: int = 14) -> MyWork:
    """An officer's day: follow-ups due, own institutions gone quiet, recent interactions."""
    today = timezone.localdate()
    open_follow_ups = (
        follow_ups_visible_to(user)
        .filter(assignee=user, done=False)
        .select_related("institution", "assignee")
        .order_by("due_date")
    )
    overdue = list(open_follow_ups.filter(due_date__lt=today)[:100])
    upcoming = list(
        open_follow_ups.filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=upcoming_days)
        )[:100]
    )
    cutoff = today - datetime.timedelta(days=stale_days)
    stale = list(
        institutions_visible_to(user)
        .filter(owner=user)
        .filter(Q(last_contacted_on__lt=cutoff) | Q(last_contacted_on__isnull=True))
        .order_by(F("last_contacted_on").asc(nulls_first=True), "name_zh")[:100]
    )
    recent = list(
        interactions_visible_to(user)
        .filter(Q(officers=user) | Q(created_by=user))
        .distinct()
        .select_related("institution")
        .order_by("-date", "-created_at")[:20]
    )
    return MyWork(overdue, upcoming, stale, stale_days, recent)


def related_counts(*, user: User, institution: Institution) -> dict[str, int]:
    """How many records of each kind hang off an institution, as the merge page shows them."""
    return {
        "contacts": contacts_visible_to(user).filter(institution=institution).count(),
        "interactions": interactions_visible_to(user).filter(institution=institution).count(),
        "follow_ups": follow_ups_visible_to(user).filter(institution=institution).count(),
        "projects": scoping.visible("projects", user).filter(institution=institution).count(),
    }
