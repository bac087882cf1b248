"""Cadre visits (一月一排查): every household visited every month; who is behind, per village."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake.domain.signals import REASONS


class VisitError(ValueError):
    """A visit that cannot be recorded: field, machine code, Chinese message."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Visit:
    """One home visit as a cadre reports it."""

    household_number: str
    visit_date: date
    visitor: str
    findings: str
    risk_flag: bool
    warning_reason: str | None = None  # raise a warning with this reason (one of REASONS)


def check_visit(visit: Visit, *, today: date) -> Visit:
    """The visit, or VisitError naming the first problem."""
    if visit.visit_date > today:
        raise VisitError("visit_date", "date.future", "走访日期不能晚于今天")
    if visit.visit_date < date(2013, 1, 1):
        raise VisitError("visit_date", "date.too_old", "走访日期过早，请核对")
    if not visit.visitor.strip():
        raise VisitError("visitor", "field.required", "请填写走访人")
    if visit.warning_reason is not None:
        if visit.warning_reason not in REASONS:
            raise VisitError("warning_reason", "reason.unknown", "预警原因不在十类重点群体之列")
        if not visit.risk_flag:
            raise VisitError("risk_flag", "visit.no_risk", "发起预警的走访应标记为存在风险")
    return visit


def month_of(day: date) -> str:
    """YYYY-MM of a day."""
    return day.strftime("%Y-%m")


@dataclass(frozen=True)
class VillageCoverage:
    """One village in one month: how many households, how many visited, who is not yet."""

    region_code: str
    township_name: str
    village_name: str
    households: int
    visited: int
    not_visited: tuple[str, ...]  # household numbers

    @property
    def rate(self) -> float:
        """Share of households visited (1.0 for a village with none)."""
        return self.visited / self.households if self.households else 1.0


def coverage(
    households: list[tuple[str, str, str, str]], visited: set[str]
) -> list[VillageCoverage]:
    """Per village, from (household_number, region_code, township, village) and visited numbers."""
    villages: dict[str, tuple[str, str, list[str], list[str]]] = {}
    for number, code, township, village in households:
        entry = villages.setdefault(code, (township, village, [], []))
        (entry[2] if number in visited else entry[3]).append(number)
    return [
        VillageCoverage(
            region_code=code,
            township_name=township,
            village_name=village,
            households=len(done) + len(todo),
            visited=len(done),
            not_visited=tuple(sorted(todo)),
        )
        for code, (township, village, done, todo) in sorted(villages.items())
    ]
