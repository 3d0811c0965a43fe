"""Normalised institution names, the key that duplicate detection and imports match on.

Normalising folds full-width to half-width (NFKC) and case, drops bracketed place
qualifiers such as (中国) or (Shanghai), strips legal-form suffixes in Chinese and English
(有限公司, 股份有限公司, Co., Ltd., Limited, LLC …) and removes punctuation and spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

PLACES = r"中国|上海|香港|北京|亚太|china|shanghai|hong kong|hk|beijing|asia pacific|prc"
BRACKETED_PLACE = re.compile(rf"[(\[]\s*(?:{PLACES})\s*[)\]]")

# Longest first, so 股份有限公司 goes before 有限公司.
CHINESE_SUFFIXES = sorted(
    ["股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司"], key=len, reverse=True
)
# Matched as whole words at the end, after punctuation has become spaces.
ENGLISH_SUFFIXES = re.compile(
    r"(?:\s+(?:co|company|ltd|limited|llc|llp|lp|inc|incorporated|corp|corporation|plc|"
    r"gmbh|ag|sa|nv|bv|pte|group|holdings?))+$"
)
PUNCTUATION = re.compile(r"[^\w]+|_")


# An import asks for the same name's key three times within a few rows (matching, the
# aliases' clean-up, the stored keys): remembered for the last names, a few MB at most.
@lru_cache(maxsize=16384)
def normalise_name(name: str) -> str:
    """The comparison key of an institution name; empty for an empty name."""
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    text = BRACKETED_PLACE.sub(" ", text)
    text = PUNCTUATION.sub(" ", text).strip()
    text = re.sub(r"\s+", " ", text)
    text = ENGLISH_SUFFIXES.sub("", text)
    changed = True
    while changed:
        changed = False
        for suffix in CHINESE_SUFFIXES:
            if text.endswith(suffix) and text not in CHINESE_SUFFIXES:
                text = text[: -len(suffix)].rstrip()
                changed = True
    return text.replace(" ", "")


def search_fold(text: str) -> str:
    """Text as search compares it: full-width folded to half-width (NFKC) and case folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()
