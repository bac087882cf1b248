"""How a warning and a registered person are compared: a points table (log-odds style), each
field adding when it agrees and taking away when it flatly disagrees; missing fields count 0.
docs/matching.md has the table; in short:

- ID: exact +10; when one side fails its check, one keying slip +5, two +2; another ID −8.
- name: same +5; same pinyin +4; confusable sounds +3; same surname with one of three or more
  characters wrong or dropped, or two adjacent ones swapped, +3; a two-character name's given
  name differs 0; else −6.
- birth date: same +4; day/month swapped, one digit off or two adjacent digits swapped +2;
  else −5. A date read from the
  warning's own ID counts nothing for that ID's holder (it is the ID agreeing again).
- place: same village +2; same township (or a township code) +1; another county −1.
- phone: same +3, +1 when several households give it; another 0 (phones change).

Decision: the best candidate is `auto` at ≥ `auto_at` points with a lead of ≥ `margin` over
the next, unless its name flatly disagrees; or nothing but a near name and a birth date agree
(no ID, place or phone, and not the same name with the exact date); or the ID belongs to a
household member while another member's name fits better. Those, and scores ≥ `review_at`,
go to `review` (an exact registered ID always does); the rest are `unmatched`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import OSA, Levenshtein

from matching.domain.linker.keys import slips_between


class Query:
    """A warning's person in normal form, not changed once built.

    A plain class, not a named tuple: one is built per warning, and the compiled linker
    builds a class of its own natively, where a named tuple's constructor is Python code."""

    def __init__(
        self,
        id_number: str | None,
        id_valid: bool,
        name: str,
        pinyin: str,
        loose: str,
        surname: str,
        birth_date: date | None,
        village_code: str | None,
        phone: str | None,
        birth_from_id: bool = False,
    ) -> None:
        self.id_number = id_number
        self.id_valid = id_valid
        self.name = name
        self.pinyin = pinyin
        self.loose = loose
        self.surname = surname
        self.birth_date = birth_date
        self.village_code = village_code
        self.phone = phone
        self.birth_from_id = birth_from_id  # the birth date was read from the warning's ID

    def __repr__(self) -> str:
        # No name, ID or phone: they are personal data (as `Resolution`'s).
        return f"Query(id_valid={self.id_valid}, village_code={self.village_code!r})"


@dataclass(frozen=True)
class Known:
    """A registered person in normal form (kept in the index)."""

    slot: int
    id_number: str
    id_valid: bool
    name: str
    pinyin: str
    loose: str
    surname: str
    birth_date: date | None
    village_code: str | None
    phone: str | None
    household: int = 0


def id_points(query: Query, known: Known) -> tuple[float, str | None]:
    """Exact, a keying slip or two away (one side failing its check), or another ID."""
    if not query.id_number or not known.id_number:
        return 0.0, None
    if query.id_number == known.id_number:
        return 10.0, "id_number:exact"
    if query.id_valid and known.id_valid:
        return -8.0, "id_number:differs"  # two valid IDs: two people
    slips = slips_between(query.id_number, known.id_number)
    side = "" if not query.id_valid else "registry_"
    if slips == 1:
        return 5.0, f"id_number:{side}one_slip"
    if slips == 2:
        return 2.0, f"id_number:{side}two_slips"
    return -8.0, "id_number:differs"


# The most a name can score: the name written the same.
NAME_EQUAL = 5.0


def name_points(query: Query, known: Known) -> tuple[float, str]:
    """Same, same sound, confusable sound, one character off, or another name."""
    if not query.name:
        return 0.0, "name:missing"
    if query.name == known.name:
        return NAME_EQUAL, "name:equal"
    if query.pinyin and query.pinyin == known.pinyin:
        return 4.0, "name:pinyin"
    if query.loose and query.loose == known.loose:
        return 3.0, "name:sounds_alike"
    if query.surname == known.surname:
        if Levenshtein.distance(query.name, known.name) <= 1:
            if max(len(query.name), len(known.name)) >= 3:
                return 3.0, "name:one_char_off"  # two of three characters kept, surname too
            return 0.0, "name:given_differs"  # 王伟 / 王强: in a two-character name, another
        if OSA.distance(query.name, known.name) == 1:
            return 3.0, "name:chars_swapped"  # 李兰玉 / 李玉兰: the given name's two swapped
    return -6.0, "name:differs"


def _digits(d: date) -> str:
    # Zero-padded by hand: `%Y` gives three digits for a year below 1000, which a broken ID's
    # year can read as (0938 from 093801…).
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _one_digit_off(a: date, b: date) -> bool:
    return sum(x != y for x, y in zip(_digits(a), _digits(b), strict=True)) == 1


def _digits_swapped(a: date, b: date) -> bool:
    """Two adjacent digits of the date keyed the other way round (1968 → 1986)."""
    x, y = _digits(a), _digits(b)
    off = [i for i in range(len(x)) if x[i] != y[i]]
    return (
        len(off) == 2 and off[1] == off[0] + 1 and x[off[0]] == y[off[1]] and x[off[1]] == y[off[0]]
    )


def _birth_points(query: Query, known: Known, id_points: float) -> tuple[float, str | None]:
    if query.birth_date is None or known.birth_date is None:
        return 0.0, None
    if query.birth_from_id and id_points > 0:
        return 0.0, None  # read from the ID that already agreed
    q, k = query.birth_date, known.birth_date
    if q == k:
        return 4.0, "birth_date:equal"
    if (q.year, q.month, q.day) == (k.year, k.day, k.month):
        return 2.0, "birth_date:day_month_swapped"
    if _one_digit_off(q, k):
        return 2.0, "birth_date:one_digit"
    if _digits_swapped(q, k):
        return 2.0, "birth_date:digits_swapped"
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


def _phone_points(query: Query, known: Known, shared: bool) -> tuple[float, str | None]:
    if not query.phone or not known.phone:
        return 0.0, None
    if query.phone == known.phone:
        return (1.0, "phone:shared") if shared else (3.0, "phone:equal")
    return 0.0, "phone:differs"


class Points:
    """One candidate's points, the name's share, whether anything but the name and birth
    date backs it (the ID, the place or the phone), and the reasons (a plain class, as
    `Query`: one is built for every candidate)."""

    def __init__(
        self, total: float, name: float, corroborated: bool, reasons: tuple[str, ...]
    ) -> None:
        self.total = total
        self.name = name
        self.corroborated = corroborated
        self.reasons = reasons


def score(query: Query, known: Known, *, phone_shared: bool = False) -> Points:
    """The points and the reasons (which fields agreed, which did not)."""
    ids, id_reason = id_points(query, known)
    names, name_reason = name_points(query, known)
    births, birth_reason = _birth_points(query, known, ids)
    places, place_reason = _place_points(query, known)
    phones, phone_reason = _phone_points(query, known, phone_shared)
    reasons = (id_reason, name_reason, birth_reason, place_reason, phone_reason)
    total = ids + names + births + places + phones
    # Without an ID, place or phone, only the name written the same and the exact birth date
    # (姓名+出生日期, the clerk's pair) may stand alone; a homophone or a near date may not.
    corroborated = ids > 0 or places > 0 or phones > 0 or (names == NAME_EQUAL and births == 4.0)
    return Points(total, names, corroborated, tuple(r for r in reasons if r))


def probability(points: float) -> float:
    """Points mapped to [0, 1] for people to read (8 points ≈ 0.5)."""
    return round(1.0 / (1.0 + math.exp(-(points - 8.0) / 2.0)), 4)
