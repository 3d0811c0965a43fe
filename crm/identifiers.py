"""Identifiers of an institution, checked with python-stdnum (no hand-written checksums).

- Unified social credit code (统一社会信用代码), GB 32100-2015, with its check character.
- Legal Entity Identifier (LEI), ISO 17442, mod 97-10.

A code that fails its check is not silently refused: some early pilot-region codes do not
conform, so the user may save it after confirming a warning (see the institution form).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum import lei as lei_check
from stdnum.cn import uscc as uscc_check
from stdnum.exceptions import InvalidChecksum, ValidationError


@dataclass(frozen=True)
class IdentifierCheck:
    value: str  # compacted: width folded, separators removed, upper case
    valid: bool
    problem: str = ""  # translated; empty when valid


def _compact(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).replace("-", "").upper()


def check_uscc(raw: str) -> IdentifierCheck:
    """Check a unified social credit code (GB 32100-2015)."""
    value = _compact(raw)
    try:
        uscc_check.validate(value)
    except InvalidChecksum:
        return IdentifierCheck(
            value, False, _("The check character does not match (GB 32100-2015).")
        )
    except ValidationError:
        return IdentifierCheck(
            value, False, _("A unified social credit code has 18 characters (GB 32100-2015).")
        )
    return IdentifierCheck(value, True)


def check_lei(raw: str) -> IdentifierCheck:
    """Check a Legal Entity Identifier (ISO 17442, mod 97-10)."""
    value = _compact(raw)
    try:
        lei_check.validate(value)
    except InvalidChecksum:
        return IdentifierCheck(value, False, _("The check digits do not match (ISO 17442)."))
    except ValidationError:
        return IdentifierCheck(value, False, _("An LEI has 20 letters and digits (ISO 17442)."))
    return IdentifierCheck(value, True)
