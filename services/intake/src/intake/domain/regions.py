"""Statistical division codes (统计用区划代码): 12 digits, five levels.

province 2 + city 2 + county 2 + township 3 + village 3; a level's unused digits are zeros,
so the level and the parent follow from the code alone.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVEL_NAMES = {1: "省", 2: "市", 3: "县", 4: "乡镇", 5: "村"}
_SPANS = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))


class RegionCodeError(ValueError):
    """A code that is not a 12-digit division code."""

    code = "region_code.format"
    message = "区划代码应为12位数字"


@dataclass(frozen=True)
class Region:
    """One division: its code, name, level (1 province … 5 village) and parent code."""

    code: str
    name: str
    level: int
    parent_code: str | None


def region_level(code: str) -> int:
    """1 for a province … 5 for a village; RegionCodeError if the code is malformed."""
    if len(code) != 12 or not code.isdigit():
        raise RegionCodeError(code)
    level = 0
    for index, (start, end) in enumerate(_SPANS, start=1):
        if set(code[start:end]) != {"0"}:
            if level != index - 1:
                raise RegionCodeError(code)  # e.g. a village under a township of 000
            level = index
    if level == 0:
        raise RegionCodeError(code)
    return level


def parent_of(code: str) -> str | None:
    """The code of the division directly above, None for a province."""
    level = region_level(code)
    if level == 1:
        return None
    cut = _SPANS[level - 2][1]
    return code[:cut] + "0" * (12 - cut)


def region(code: str, name: str) -> Region:
    """A checked division."""
    name = name.strip()
    if not name:
        raise RegionCodeError(code)
    return Region(code=code, name=name, level=region_level(code), parent_code=parent_of(code))


def in_region(code: str, scope: str) -> bool:
    """True when division `code` lies inside division `scope` (or is it)."""
    cut = _SPANS[region_level(scope) - 1][1]
    return code[:cut] == scope[:cut]


def scope_prefix(scope: str) -> str:
    """The leading digits every code inside `scope` shares (for LIKE 'prefix%' queries)."""
    return scope[: _SPANS[region_level(scope) - 1][1]]
