"""Cases (案件): one open case per household; the first clock is acceptance (受理, same day)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_proto.events import (
    CaseOpenedV1,
    CaseSignalAttachedV1,
    ClockV1,
    SignalV1,
    WarningMatchedV1,
    WarningReceivedV1,
)

from casework.domain.calendar import WorkingDayCalendar
from casework.domain.clocks import Due, same_working_day
from casework.domain.workflow import MONITORED


class CaseStatus(StrEnum):
    """Where a case stands; the skeleton knows only the first state."""

    AWAITING_ACCEPTANCE = "awaiting_acceptance"  # 待受理


class ClockKind(StrEnum):
    """Which deadline a clock measures."""

    ACCEPT = "accept"  # 受理: same working day
    VISIT = "visit"  # 入户核查: same working day for a household the cadres' screening found


def case_number(prefix: str, opened_at: datetime, sequence: int, tz: ZoneInfo) -> str:
    """SW-20261123-000042: prefix, local opening date, county-wide sequence."""
    return numbered(case_number_head(prefix, opened_at, tz), sequence)


def case_number_head(prefix: str, opened_at: datetime, tz: ZoneInfo) -> str:
    """The part of a case number shared by the cases opened on one local day (SW-20261123)."""
    return f"{prefix}-{opened_at.astimezone(tz):%Y%m%d}"


def numbered(head: str, sequence: int) -> str:
    """A case number from its day's head and the county-wide sequence."""
    return f"{head}-{sequence:06d}"


def signal_of(warning: WarningReceivedV1) -> SignalV1:
    """The part of a warning a case keeps."""
    return SignalV1(
        warning_id=warning.warning_id,
        agency_code=warning.agency_code,
        signal_type=warning.signal_type,
        occurred_on=warning.occurred_on,
    )


def open_case(
    matched: WarningMatchedV1,
    *,
    case_id: UUID,
    number: str,
    clock_id: UUID,
    now: datetime,
    calendar: WorkingDayCalendar,
    tz: ZoneInfo,
    due: Due | None = None,
    visit_clock_id: UUID | None = None,
) -> CaseOpenedV1:
    """Open a case for the matched household, starting the acceptance clock at arrival
    (`due`: its due time when the caller already worked it out for the arrival day).

    A household found by the cadres' own screening (主动排查, a `cadre_visit` warning) is
    also to be verified at home the same day (seeds/000 三: 要在排查当天完成入户核查工作):
    its visit clock starts with the case, due with the acceptance (`visit_clock_id`)."""
    started = matched.warning.received_at
    if due is None:
        due = same_working_day(started, calendar, tz)
    accept = ClockV1(
        clock_id=clock_id,
        kind=ClockKind.ACCEPT.value,
        rule="same_working_day",
        started_at=started,
        due_at=due.at,
        provisional=due.provisional,
    )
    visit = None
    if asks_same_day_visit(matched):
        if visit_clock_id is None:
            raise ValueError("a case from a cadre's screening needs its visit clock's id")
        visit = screening_visit_clock(matched, clock_id=visit_clock_id, due=due)
    return CaseOpenedV1(
        case_id=case_id,
        case_number=number,
        household_id=matched.household_id,
        household_number=matched.household_number,
        region_code=matched.region_code,
        village_name=matched.village_name,
        township_name=matched.township_name,
        masked_name=matched.masked_name,
        opened_at=now,
        signals=[signal_of(matched.warning)],
        clocks=[accept] if visit is None else [accept, visit],
    )


# An open case still before its home visit: a screening's warning attached to it starts the
# same-day visit clock (unless one is already running).
BEFORE_VISIT = ("awaiting_acceptance", "accepted")


def asks_same_day_visit(matched: WarningMatchedV1) -> bool:
    """A cadre's screening found the household (主动排查): it is to be verified the same day."""
    return matched.warning.source_kind == "cadre_visit"


def screening_visit_clock(matched: WarningMatchedV1, *, clock_id: UUID, due: Due) -> ClockV1:
    """The same-day home-visit clock a screening's warning asks for (`asks_same_day_visit`,
    seeds/000 三), due with the acceptance of its arrival day."""
    return ClockV1(
        clock_id=clock_id,
        kind=ClockKind.VISIT.value,
        rule="same_working_day",
        started_at=matched.warning.received_at,
        due_at=due.at,
        provisional=due.provisional,
    )


def attach_signal(
    matched: WarningMatchedV1, *, case_id: UUID, number: str, status: str = ""
) -> CaseSignalAttachedV1:
    """A further warning for a household that already has an open case joins that case (in
    `status`: one past the county's inclusion confirms the warning with it)."""
    return CaseSignalAttachedV1(
        case_id=case_id,
        case_number=number,
        household_id=matched.household_id,
        region_code=matched.region_code,
        signal=signal_of(matched.warning),
        monitored=status in MONITORED,
    )
