"""Records that carry their own Chinese and English names (plans, categories, institutions)."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese() -> bool:
    """Whether the active interface language is Chinese."""
    return (get_language() or "zh-hans").startswith("zh")


def pick(zh: str, en: str) -> str:
    """The name in the active language, falling back to the other one when it is empty."""
    if is_chinese():
        return zh or en
    return en or zh


class BilingualNameMixin:
    """Adds ``name``: ``name_zh`` or ``name_en``, whichever the interface speaks."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)
