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


# Characters pasted in with a name that are no part of it: invisible ones (zero-width space,
# byte-order mark, joiners) and quotation marks.
_NOT_OF_A_NAME = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\"'\u2018\u2019\u201c\u201d]+")
# A note in brackets after a name, as registers and agency exports write them: 张伟（户主）,
# 李娜(已故), 王芳【低保】 (NFKC has made full-width round brackets ASCII already).
_NOTE = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]")


@lru_cache(maxsize=65536)  # a county's names repeat; the conversion is the costly step
def normalise_name(raw: str) -> str:
    """NFKC, traditional → simplified, spaces, middle dots and dashes removed: '張 偉' → '张伟'.
    Invisible characters and quotation marks pasted in are dropped, and so is a note in
    brackets beside the name ('张伟（户主）' → '张伟') unless nothing else is left."""
    text = _NOT_OF_A_NAME.sub("", unicodedata.normalize("NFKC", raw))
    if "(" in text or "[" in text or "【" in text or "〔" in text:
        text = _NOTE.sub("", text) or text
    text = _SEPARATORS.sub("", text).strip()
    return str(_to_simplified().convert(text)).translate(_VARIANTS) if text else text
