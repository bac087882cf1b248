"""Chinese personal names as agencies write them → one comparable form."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc

# Spaces, the dots between the parts of a name (阿依古丽·买买提, typed every which way) and the
# dashes some systems put there instead.
_SEPARATORS = re.compile(r"[\s·•‧∙・．.\-‐‑‒–—―]+")


# Variant forms OpenCC leaves as they are, written in names as the simplified character the
# mainland registry uses (甯 the surname is registered 宁).
_VARIANTS = str.maketrans({"甯": "宁", "姸": "妍"})


@cache
def _to_simplified() -> opencc.OpenCC:
    # Hong Kong and Macau forms too (衞 → 卫, beside 衛 → 卫): "hk2s" is "t2s" with them.
    return opencc.OpenCC("hk2s")


@lru_cache(maxsize=65536)  # a county's names repeat; the conversion is the costly step
def normalise_name(raw: str) -> str:
    """NFKC, traditional → simplified, spaces, middle dots and dashes removed: '張 偉' → '张伟'."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).strip()
    return str(_to_simplified().convert(text)).translate(_VARIANTS) if text else text
