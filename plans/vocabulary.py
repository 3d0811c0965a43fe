"""Codes a count target may filter on, supplied by the apps that own them.

``plans`` sits below ``crm`` and imports none of it. The register tells this module its
institution types, ownership kinds and flags, with their labels, when it starts
(``crm.apps``), so that a plan file naming an unknown code is refused at load time and
the plan page can name what a target counts.
"""

from __future__ import annotations

from collections.abc import Iterable

_vocabularies: dict[str, dict[str, str]] = {
    "institution_types": {},
    "ownerships": {},
    "flags": {},
}


def register(name: str, choices: Iterable[tuple[str, str]]) -> None:
    """Declare one vocabulary (``institution_types``, ``ownerships``, ``flags``) as (code, label)."""
    _vocabularies[name] = dict(choices)


def known(name: str) -> set[str]:
    """The registered codes of a vocabulary; empty when no app has declared it."""
    return set(_vocabularies.get(name, {}))


def label(name: str, code: str) -> str:
    """The label of a code, or the code itself when it is not registered."""
    return str(_vocabularies.get(name, {}).get(code, code))
