"""What every importer looks up by name: the register's institutions, colleagues, teams,
buildings. Each table is read once per import, so a row costs no query to resolve."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from crm.models import Institution, InstitutionAlias
from crm.names import normalise_name
from crm.selectors import buildings_visible_to, users_choosable_by

from ..values import CellError, normalise_text

__all__ = [
    "UNKNOWN_BUILDING",
    "UNKNOWN_PERSON",
    "UNKNOWN_TEAM",
    "Lookups",
    "RegisterIndex",
    "key",
    "name_key",
    "named",
]

UNKNOWN_BUILDING = gettext_lazy("No building in Landfall is called “%(name)s”.")
UNKNOWN_PERSON = gettext_lazy("No colleague in Landfall is called “%(name)s”.")
UNKNOWN_TEAM = gettext_lazy("No team in Landfall is called “%(name)s”.")

# The register's own key (crm.names), remembered: a row asks for it several times.
name_key = lru_cache(maxsize=65_536)(normalise_name)


def key(text: str) -> str:
    """How a person's, team's or building's name is looked up: tidied, case set aside."""
    return normalise_text(text).casefold()


def named(table: dict[str, int], cell: object, message: Any) -> int:
    """The pk ``table`` holds for the cell's name; a :class:`CellError` with ``message``."""
    pk = table.get(key(normalise_text(cell)))
    if pk is None:
        raise CellError(message, {"name": normalise_text(cell)})
    return pk


class Lookups:
    """Buildings, colleagues and teams the importing user may choose, by every name."""

    def __init__(self, user: User) -> None:
        self.buildings: dict[str, int] = {}
        for pk, zh, en in buildings_visible_to(user).values_list("pk", "name_zh", "name_en"):
            for name in (en, zh):
                if name:
                    self.buildings[key(name)] = pk
        self.people: dict[str, int] = {}
        for person in users_choosable_by(user).only(
            "pk", "username", "display_name", "first_name", "last_name"
        ):
            for name in (person.get_full_name(), person.username, person.display_name):
                if name:
                    self.people.setdefault(key(name), person.pk)
        self.teams = {key(name): pk for pk, name in Team.objects.values_list("pk", "name")}

    def building(self, cell: object) -> int:
        return named(self.buildings, cell, UNKNOWN_BUILDING)

    def person(self, cell: object) -> int:
        return named(self.people, cell, UNKNOWN_PERSON)

    def team(self, cell: object) -> int:
        return named(self.teams, cell, UNKNOWN_TEAM)


class RegisterIndex:
    """The register's USCCs, LEIs and name keys (names and aliases), read in one pass.

    :meth:`match` finds the institution a row describes by the register's duplicate rules
    (``crm.selectors.institution_duplicates``): USCC first, then LEI, then normalised name.
    """

    def __init__(self) -> None:
        self.by_uscc: dict[str, int] = {}
        self.by_lei: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        self.uscc_of: dict[int, str | None] = {}
        rows = Institution.objects.values_list("pk", "uscc", "lei", "name_key_zh", "name_key_en")
        for pk, uscc, lei, key_zh, key_en in rows.iterator(chunk_size=5000):
            self.uscc_of[pk] = uscc
            if uscc:
                self.by_uscc[uscc] = pk
            if lei:
                self.by_lei[lei] = pk
            for name in (key_zh, key_en):
                if name:
                    self.by_name.setdefault(name, set()).add(pk)
        aliases = InstitutionAlias.objects.values_list("name_key", "institution_id")
        for name, pk in aliases.iterator(chunk_size=5000):
            if name:
                self.by_name.setdefault(name, set()).add(pk)

    def match(self, *, uscc: str | None, lei: str | None, name_keys: set[str]) -> int | None:
        """The pk the details describe, or None for a new institution.

        Raises :class:`Ambiguous` when several institutions share the name and
        :class:`OtherCode` when the name's institution holds another USCC.
        """
        if uscc and uscc in self.by_uscc:
            return self.by_uscc[uscc]
        if lei and lei in self.by_lei:
            return self.by_lei[lei]
        found: set[int] = set()
        for name in name_keys:
            found |= self.by_name.get(name, set())
        if len(found) > 1:
            raise Ambiguous(
                _("Several institutions have this name; add the USCC to tell them apart.")
            )
        pk = found.pop() if found else None
        if pk is not None and uscc and self.uscc_of.get(pk) and self.uscc_of[pk] != uscc:
            raise OtherCode(
                _("An institution of this name is registered under another code: %(code)s.")
                % {"code": self.uscc_of[pk]}
            )
        return pk


class Ambiguous(CellError):
    """Several institutions answer to the row's name."""


class OtherCode(CellError):
    """The row's name belongs to an institution registered under another USCC."""
