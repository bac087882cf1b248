"""The agency and signal catalogue (部门与预警信号目录), kept as data in data/catalogue.json."""

from __future__ import annotations

import json
from functools import cache, cached_property
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SignalType(BaseModel):
    """A kind of warning an agency may send, with the detail fields it needs."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


class MonthlyList(BaseModel):
    """An agency's monthly list (月度名单): last month's cases, due by this day of the month."""

    model_config = ConfigDict(frozen=True)

    due_day: int = Field(default=10, ge=1, le=28)


class ComparisonCheck(BaseModel):
    """A fact an agency can check for a person (信息比对), e.g. registered vehicles."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str


class Agency(BaseModel):
    """A sending agency, the signals it owns, its monthly list and the checks it answers."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str
    channel: Literal["agency", "intake"] = Field(
        default="agency",
        description="'intake': warnings that start in intake (农户自主申报, 干部走访排查), "
        "named here for messages and screens; no API key may be issued for them.",
    )
    signals: tuple[SignalType, ...] = ()
    monthly_list: MonthlyList | None = None
    comparisons: tuple[str, ...] = ()

    def signal(self, code: str) -> SignalType | None:
        """The agency's signal type with this code, if it owns one."""
        return next((s for s in self.signals if s.code == code), None)


class Catalogue(BaseModel):
    """All agencies, versioned."""

    model_config = ConfigDict(frozen=True)

    version: int
    agencies: tuple[Agency, ...]
    comparison_checks: tuple[ComparisonCheck, ...] = ()

    @cached_property
    def _by_code(self) -> dict[str, Agency]:
        # A cached property, not a private attribute: those are read through pydantic's
        # __getattr__, which showed in the gateway's per-row profile.
        return {a.code: a for a in self.agencies}

    def agency(self, code: str) -> Agency | None:
        """The agency with this code, if any (looked up once per warning)."""
        return self._by_code.get(code)

    def signal_name(self, agency_code: str, signal_code: str) -> str:
        """'县民政局·新纳入农村低保' for messages; the codes when unknown."""
        agency = self.agency(agency_code)
        signal = agency.signal(signal_code) if agency else None
        if agency is None or signal is None:
            return f"{agency_code}·{signal_code}"
        return f"{agency.name_zh}·{signal.name_zh}"


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the contracts."""
    text = resources.files("shouwang_proto").joinpath("data/catalogue.json").read_text("utf-8")
    return Catalogue.model_validate(json.loads(text))


def check_names(catalogue: Catalogue) -> dict[str, str]:
    """Comparison check code → Chinese name."""
    return {c.code: c.name_zh for c in catalogue.comparison_checks}
