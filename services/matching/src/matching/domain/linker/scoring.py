"""How a warning and a registered person are compared: a points table (log-odds style), each
field adding when it agrees and taking away when it flatly disagrees; missing fields count 0.

| field | agrees | partly | disagrees |
|---|---|---|---|
| ID number | exact +10 | one slip (digit / swap) +5 | other ID −8 |
| name | same +5 | same pinyin +4, confusable sounds +3, same surname and close +1 | −6 |
| birth date | same +4 | day/month swapped +1 | −5 |
| place | same village +2 | same township +1 | other county −1 |
| phone | same +3 | | other 0 (phones change) |

Decision: the best candidate is `auto` at ≥ `auto_at` points with a lead of ≥ `margin` over the
next; `review` at ≥ `review_at` (or when two are close); else `unmatched`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import Levenshtein


@dataclass(frozen=True)
class LinkConfig:
    """Thresholds (configuration, not constants)."""

    auto_at: float = 9.0
    review_at: float = 6.0
    margin: float = 3.0


@dataclass(frozen=True)
class Query:
    """A warning's person in normal form."""

    id_number: str | None
    id_valid: bool
    name: str
    pinyin: str
    loose: str
    surname: str
    birth_date: date | None
    village_code: str | None
    phone: str | None


@dataclass(frozen=True)
class Known:
    """A registered person in normal form (kept in the index)."""

    slot: int
    id_number: str
    name: str
    pinyin: str
    loose: str
    surname: str
    birth_date: date | None
    village_code: str | None
    phone: str | None


def _id_points(query: Query, known: Known) -> tuple[float, str | None]:
    if not query.id_number:
        return 0.0, None
    if query.id_number == known.id_number:
        return 10.0, "id_number:exact"
    a, b = query.id_number, known.id_number
    diffs = [i for i in range(18) if a[i] != b[i]] if len(a) == len(b) == 18 else []
    if len(diffs) == 1:
        return 5.0, "id_number:one_digit"
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i = diffs[0]
        if a[i] == b[i + 1] and a[i + 1] == b[i]:
            return 5.0, "id_number:swapped"
    return -8.0, "id_number:differs"


def _name_points(query: Query, known: Known) -> tuple[float, str]:
    if query.name == known.name:
        return 5.0, "name:equal"
    if query.pinyin and query.pinyin == known.pinyin:
        return 4.0, "name:pinyin"
    if query.loose and query.loose == known.loose:
        return 3.0, "name:sounds_alike"
    if query.surname == known.surname and Levenshtein.distance(query.name, known.name) <= 1:
        return 1.0, "name:close"
    return -6.0, "name:differs"


def _birth_points(query: Query, known: Known) -> tuple[float, str | None]:
    if query.birth_date is None or known.birth_date is None:
        return 0.0, None
    if query.birth_date == known.birth_date:
        return 4.0, "birth_date:equal"
    q, k = query.birth_date, known.birth_date
    if (q.year, q.month, q.day) == (k.year, k.day, k.month):
        return 1.0, "birth_date:day_month_swapped"
    return -5.0, "birth_date:differs"


def _place_points(query: Query, known: Known) -> tuple[float, str | None]:
    if not query.village_code or not known.village_code:
        return 0.0, None
    if query.village_code == known.village_code:
        return 2.0, "village:equal"
    if query.village_code[:9] == known.village_code[:9]:
        return 1.0, "township:equal"
    if query.village_code[:6] == known.village_code[:6]:
        return 0.0, "county:equal"
    return -1.0, "county:differs"


def _phone_points(query: Query, known: Known) -> tuple[float, str | None]:
    if not query.phone or not known.phone:
        return 0.0, None
    if query.phone == known.phone:
        return 3.0, "phone:equal"
    return 0.0, "phone:differs"


def score(query: Query, known: Known) -> tuple[float, tuple[str, ...]]:
    """Points and the reasons (which fields agreed, which did not)."""
    total = 0.0
    reasons: list[str] = []
    for part in (_id_points, _name_points, _birth_points, _place_points, _phone_points):
        points, reason = part(query, known)
        total += points
        if reason:
            reasons.append(reason)
    return total, tuple(reasons)


def probability(points: float) -> float:
    """Points mapped to [0, 1] for people to read (8 points ≈ 0.5)."""
    return round(1.0 / (1.0 + math.exp(-(points - 8.0) / 2.0)), 4)
