from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casework.adapters.calendar_source import published_calendar
from casework.domain.clocks import ClockRuleError, add_months, due_for, working_days_late

TZ = ZoneInfo("Asia/Shanghai")
CAL = published_calendar()


def _at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def test_same_day_on_a_working_day_and_on_a_rest_day() -> None:
    assert due_for("same_working_day", _at(2026, 11, 24), CAL, TZ).at == _at(2026, 11, 25, 0)
    saturday = due_for("same_working_day", _at(2026, 11, 28), CAL, TZ)
    assert saturday.at == _at(2026, 12, 1, 0)  # end of Monday the 30th
    make_up = due_for("same_working_day", _at(2026, 2, 14), CAL, TZ)  # a 调休 Saturday
    assert make_up.at == _at(2026, 2, 15, 0)


def test_working_days_over_spring_festival_and_into_an_unknown_year() -> None:
    due = due_for("working_days:2", _at(2026, 2, 13), CAL, TZ)
    assert due.at == _at(2026, 2, 25, 0) and not due.provisional  # 14th, then 24th
    late_december = due_for("working_days:3", _at(2026, 12, 30), CAL, TZ)
    assert late_december.provisional


def test_calendar_days_and_months() -> None:
    assert due_for("calendar_days:5", _at(2026, 11, 24), CAL, TZ).at == _at(2026, 11, 30, 0)
    assert due_for("calendar_month:1", _at(2026, 1, 31), CAL, TZ).at == _at(2026, 3, 1, 0)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    with pytest.raises(ClockRuleError):
        due_for("fortnight", _at(2026, 1, 1), CAL, TZ)


def test_working_days_late_skips_rest_days() -> None:
    due = _at(2026, 11, 27, 0)  # end of Thursday the 26th... written as Friday 00:00
    assert working_days_late(due, _at(2026, 11, 27, 9), CAL, TZ) == 0
    assert working_days_late(due, _at(2026, 11, 30, 9), CAL, TZ) == 1  # Fri counted, weekend not
    assert working_days_late(due, _at(2026, 12, 2, 9), CAL, TZ) == 3


def test_a_paused_clock_is_due_later_by_the_pause() -> None:
    from casework.domain.clocks import resumed_due

    due = _at(2026, 11, 25, 0)
    assert resumed_due(due, _at(2026, 11, 24, 10), _at(2026, 11, 24, 16)) == _at(2026, 11, 25, 6)
    assert resumed_due(due, _at(2026, 11, 24, 16), _at(2026, 11, 24, 10)) == due
