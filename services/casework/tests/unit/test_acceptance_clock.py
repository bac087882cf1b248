"""受理 same working day, on the official schedule with 调休 make-up days; provisional beyond it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from casework.adapters.calendar_source import published_calendar
from casework.domain.calendar import WorkingDayCalendar
from casework.domain.cases import attach_signal, case_number, open_case
from casework.domain.clocks import same_working_day
from shouwang_proto.events import (
    CaseOpenedV1,
    PersonRef,
    WarningMatchedV1,
    WarningReceivedV1,
)

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = published_calendar()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("arrival", "due_day"),
    [
        (local(2026, 11, 23, 10, 0), date(2026, 11, 23)),  # Monday: the same day
        (local(2026, 11, 23, 23, 59), date(2026, 11, 23)),  # late, still that day
        (local(2026, 11, 28, 9, 0), date(2026, 11, 30)),  # Saturday → Monday
        (local(2026, 2, 14, 9, 0), date(2026, 2, 14)),  # Saturday worked (春节调休)
        (local(2026, 2, 16, 9, 0), date(2026, 2, 24)),  # inside the Spring Festival break
        (local(2026, 2, 13, 18, 0), date(2026, 2, 13)),  # Friday before it
        (local(2026, 10, 3, 9, 0), date(2026, 10, 8)),  # National Day holiday
        (local(2026, 10, 10, 9, 0), date(2026, 10, 10)),  # Saturday worked (国庆调休)
        (local(2026, 9, 20, 9, 0), date(2026, 9, 20)),  # Sunday worked
    ],
)
def test_due_by_the_end_of_the_working_day(arrival: datetime, due_day: date) -> None:
    due = same_working_day(arrival, CALENDAR, TZ)
    assert due.at == local(due_day.year, due_day.month, due_day.day) + timedelta(days=1)
    assert due.provisional is False


def test_arrival_is_judged_in_county_time_not_utc() -> None:
    # 18:46 UTC on Monday is 02:46 on Tuesday in China.
    due = same_working_day(datetime(2026, 11, 23, 18, 46, tzinfo=UTC), CALENDAR, TZ)
    assert due.at == local(2026, 11, 25)


def test_years_not_yet_published_count_monday_to_friday_and_are_provisional() -> None:
    friday = same_working_day(local(2027, 1, 1, 9), CALENDAR, TZ)
    assert (friday.at, friday.provisional) == (local(2027, 1, 2), True)
    weekend = same_working_day(local(2027, 1, 2, 9), CALENDAR, TZ)
    assert (weekend.at, weekend.provisional) == (local(2027, 1, 5), True)
    assert same_working_day(local(2026, 12, 31, 9), CALENDAR, TZ).provisional is False


def test_administrator_schedule_overrides_are_honoured() -> None:
    calendar = WorkingDayCalendar(
        off_days=frozenset({date(2027, 1, 1)}),
        make_up_days=frozenset({date(2027, 1, 2)}),
        known_years=frozenset({2027}),
    )
    due = same_working_day(local(2027, 1, 1, 9), calendar, TZ)
    assert (due.at, due.provisional) == (local(2027, 1, 3), False)


def _matched(**warning_fields: Any) -> WarningMatchedV1:
    fields: dict[str, Any] = {
        "warning_id": uuid.UUID(int=1),
        "agency_code": "civil_affairs",
        "signal_type": "new_dibao",
        "occurred_on": date(2026, 11, 20),
        "person": PersonRef(name="李玉兰", id_number="532929196803150024"),
        "received_at": local(2026, 11, 28, 9),
    }
    warning = WarningReceivedV1(**(fields | warning_fields))
    return WarningMatchedV1(
        warning=warning,
        household_id=uuid.UUID(int=2),
        household_number="5329291010010001",
        person_id=uuid.UUID(int=3),
        region_code="532929101001",
        village_name="诺邓村",
        township_name="诺邓镇",
        masked_name="李**",
        method="exact_id",
        score=1.0,
        reasons=["id_number exact"],
    )


def _open(matched: WarningMatchedV1) -> CaseOpenedV1:
    """The case `matched` opens: clock ids 11 (acceptance) and 12 (a screening's visit)."""
    return open_case(
        matched,
        case_id=uuid.UUID(int=10),
        number="SW-20261128-000001",
        clock_id=uuid.UUID(int=11),
        now=local(2026, 11, 28, 9, 1),
        calendar=CALENDAR,
        tz=TZ,
        visit_clock_id=uuid.UUID(int=12),
    )


def test_opened_case_starts_its_acceptance_clock_when_the_warning_arrived() -> None:
    opened = _open(_matched())
    assert [s.warning_id for s in opened.signals] == [uuid.UUID(int=1)]
    (clock,) = opened.clocks  # an agency's warning: the visit clock comes after comparing
    assert (clock.kind, clock.rule) == ("accept", "same_working_day")
    assert clock.started_at == local(2026, 11, 28, 9)
    assert clock.due_at == local(2026, 12, 1)  # Saturday arrival → end of Monday 30 Nov
    assert opened.masked_name == "李**"


def test_a_household_the_cadres_screening_found_is_to_be_visited_the_same_day() -> None:
    """seeds/000 三: 对主动排查发现的预警户，要在排查当天完成入户核查工作."""
    found = _matched(source_kind="cadre_visit", agency_code="cadre_visit", signal_type="water")
    assert [(c.clock_id.int, c.kind, c.rule, c.due_at) for c in _open(found).clocks] == [
        (11, "accept", "same_working_day", local(2026, 12, 1)),  # Saturday → end of Monday
        (12, "visit", "same_working_day", local(2026, 12, 1)),
    ]


def test_a_second_warning_joins_the_open_case() -> None:
    attached = attach_signal(_matched(), case_id=uuid.UUID(int=10), number="SW-1")
    assert attached.case_id == uuid.UUID(int=10)
    assert attached.signal.agency_code == "civil_affairs"


def test_case_numbers_use_the_local_date() -> None:
    assert case_number("SW", datetime(2026, 11, 23, 18, 0, tzinfo=UTC), 42, TZ) == (
        "SW-20261124-000042"
    )
