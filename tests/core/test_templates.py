"""House rules every template and message catalogue keeps."""

from __future__ import annotations

import re

import polib

from tests.conftest import ROOT

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.I)


def test_no_template_has_inline_script_or_style():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if INLINE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_chinese_catalogue_is_complete():
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(po.translated_entries()) > 150
