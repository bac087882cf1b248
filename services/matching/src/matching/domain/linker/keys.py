"""Normal forms the resolver compares: names, their pinyin, ID numbers and their neighbours."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA
from shouwang_kit.idnumber import check_char, normalise_id_number
from shouwang_kit.names import normalise_name

# Surnames whose everyday reading differs from the reading as a surname (曾 zeng, not ceng).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "藏": "zang",
    "尉": "wei",  # 尉缭; 尉迟 (yuchi) is a compound surname below
    "种": "chong",
    "繁": "po",
    "员": "yun",
    "贲": "ben",
    "华": "hua",
    "纪": "ji",
    "任": "ren",
    "沈": "shen",
    "石": "shi",
    "秘": "bi",
    "长": "chang",
    "重": "chong",
    "召": "shao",
}
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
        "司徒", "司空", "夏侯", "长孙", "宇文", "轩辕", "钟离", "端木", "呼延", "万俟",
        "闻人", "澹台", "公羊", "赫连", "独孤", "南宫", "西门", "百里", "东郭", "申屠",
        "太史", "淳于", "濮阳", "单于", "拓跋", "完颜", "公冶", "宗政", "仲孙", "左丘",
    }
)  # fmt: skip
# Sounds people and clerks confuse (平翘舌, 前后鼻音, n/l): folded together in the loose key.
_LOOSE = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=1 << 20)
def clean_name(name: str) -> str:
    """NFKC, traditional → simplified, separators dropped."""
    return normalise_name(name)


def surname_of(name: str) -> str:
    """The surname: a known compound one, else the first character."""
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


@lru_cache(maxsize=1 << 20)
def pinyin_of(name: str) -> str:
    """Toneless pinyin of a cleaned name, the surname read as a surname."""
    if not name:
        return ""
    surname = surname_of(name)
    head = SURNAME_READINGS.get(surname) if len(surname) == 1 else None
    # A character pypinyin cannot read stays itself: dropped, 王𠀋 would sound like 王.
    syllables = lazy_pinyin(name)
    if head is not None and syllables:
        syllables[0] = head
    return " ".join(syllables)


@lru_cache(maxsize=1 << 20)
def loose_pinyin(name: str) -> str:
    """Pinyin with confusable sounds folded (zh/z, ch/c, sh/s, -ng/-n, l/n)."""
    out = []
    for syllable in pinyin_of(name).split():
        for a, b in _LOOSE:
            syllable = syllable.replace(a, b)
        if syllable.startswith("l"):
            syllable = "n" + syllable[1:]
        out.append(syllable)
    return "".join(out)


def id_birth(id_number: str) -> date | None:
    """The birth date written in an 18-character ID, if those digits are a date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def valid_id(id_number: str) -> bool:
    """18 characters with a correct GB 11643 check character."""
    return (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and check_char(id_number[:17]) == id_number[17]
    )


def upgrade_15(id_number: str) -> str | None:
    """The 18-digit form of an old 15-digit ID (GB 11643: '19' before the year, a check
    character added), or None when it is not one."""
    if len(id_number) != 15 or not id_number.isdigit():
        return None
    first17 = id_number[:6] + "19" + id_number[6:]
    return first17 + check_char(first17) if id_birth(first17 + "0") else None


def normal_id(raw: str | None) -> tuple[str | None, bool]:
    """(ID in normal form, valid?): full-width digits, lower-case x, spaces and dashes
    accepted, a leading ' or ` (a spreadsheet's mark for text) dropped, an old 15-digit ID
    read as its 18-digit form."""
    number, birth = normal_id_and_birth(raw)
    return number, birth is not None


def normal_id_and_birth(raw: str | None) -> tuple[str | None, date | None]:
    """The ID in normal form (as `normal_id`) and, when it is valid, the birth date written
    in it (None for an invalid one): the date is read once, for the check and for the
    warning."""
    if not raw:
        return None, None
    text = normalise_id_number(raw).replace("-", "")
    text = text.lstrip("'`")  # how a spreadsheet keeps a long number as text: '5329…
    text = upgrade_15(text) or text
    if not text:
        return None, None
    return text, id_birth(text) if valid_id(text) else None


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 MOD 11-2
_INVERSE = tuple(pow(w, -1, 11) for w in _WEIGHTS)
_CHECKS = "10X98765432"  # the check character for each weighted sum mod 11


def _solve(i: int, rest: int, check: str) -> int | None:
    """The digit at position i that makes a body whose other positions weigh `rest` end in
    `check`, if there is one."""
    digit = (_CHECKS.index(check) - rest) * _INVERSE[i] % 11
    return digit if digit <= 9 else None


def _replacements(id_number: str) -> set[str]:
    """Valid IDs with one body digit of this one replaced (the check character kept)."""
    body, check = id_number[:17], id_number[17]
    digits = [int(c) for c in body]
    total = sum(w * d for w, d in zip(_WEIGHTS, digits, strict=True))
    out = set()
    for i, d in enumerate(digits):
        digit = _solve(i, total - _WEIGHTS[i] * d, check)
        if digit is not None and digit != d:
            out.add(f"{body[:i]}{digit}{body[i + 1 :]}{check}")
    return out


def _insertions(text: str) -> set[str]:
    """Valid IDs with one digit put back into a 17-character one."""
    out = set()
    if text.isdigit():
        out.add(text + check_char(text))  # the check character left off
    body, check = text[:16], text[16]
    if not body.isdigit() or check not in _CHECKS:
        return out
    digits = [int(c) for c in body]
    # weight of the digits after the gap, each moved one place on
    shifted = [0] * 17
    for i in range(15, -1, -1):
        shifted[i] = shifted[i + 1] + _WEIGHTS[i + 1] * digits[i]
    prefix = 0
    for i in range(17):
        digit = _solve(i, prefix + shifted[i], check)
        if digit is not None:
            out.add(f"{body[:i]}{digit}{body[i:]}{check}")
        if i < 16:
            prefix += _WEIGHTS[i] * digits[i]
    return out


def id_neighbours(id_number: str) -> list[str]:
    """Valid IDs one keying slip away from a broken one: one character replaced, two adjacent
    ones swapped, one dropped (17 characters) or one doubled (19)."""
    if len(id_number) == 17:
        return sorted(_insertions(id_number))
    if len(id_number) == 19:
        drops = {id_number[:i] + id_number[i + 1 :] for i in range(19)}
        return sorted(c for c in drops if valid_id(c))
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return []
    body = id_number[:17]
    out = {body + check_char(body)}  # the check character itself mistyped
    if id_number[17] in _CHECKS:
        out |= _replacements(id_number)
    for i in range(17):
        if id_number[i] != id_number[i + 1]:
            text = id_number[:i] + id_number[i + 1] + id_number[i] + id_number[i + 2 :]
            if valid_id(text):
                out.add(text)
    out.discard(id_number)
    return sorted(out)


def slips_between(a: str, b: str) -> int:
    """Keying slips (replace, adjacent swap, drop, double) that turn one ID into the other,
    counted up to 3."""
    return int(OSA.distance(a, b, score_cutoff=3))
