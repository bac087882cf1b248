"""Response clocks (时限): due times as pure functions of start, rule and calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from casework.domain.calendar import WorkingDayCalendar


@dataclass(frozen=True)
class Due:
    """A due time and whether it rests on a year whose holidays are not yet published."""

    at: datetime
    provisional: bool


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last instant of a local day (24:00 is written as the next day's 00:00)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def same_working_day(start: datetime, calendar: WorkingDayCalendar, tz: ZoneInfo) -> Due:
    """当日: by the end of the working day it arrives, or of the next one if it is a rest day."""
    local_day = start.astimezone(tz).date()
    due_day = calendar.next_working_day(local_day)
    provisional = not all(
        calendar.is_known(local_day + timedelta(days=n))
        for n in range((due_day - local_day).days + 1)
    )
    return Due(at=end_of_day(due_day, tz), provisional=provisional)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


class ClockRuleError(ValueError):
    """A rule string the clocks do not know."""


def due_for(rule: str, start: datetime, calendar: WorkingDayCalendar, tz: ZoneInfo) -> Due:
    """Due time of a clock rule: 'same_working_day', 'working_days:N' (end of the N-th working
    day after the start day), 'calendar_days:N', 'calendar_month:N' (end of that day)."""
    if rule == "same_working_day":
        return same_working_day(start, calendar, tz)
    kind, _, count = rule.partition(":")
    if not count.isdigit():
        raise ClockRuleError(rule)
    n = int(count)
    local_day = start.astimezone(tz).date()
    if kind == "working_days":
        day, provisional = calendar.add_working_days(local_day, n)
        return Due(end_of_day(day, tz), provisional)
    if kind == "calendar_days":
        return Due(end_of_day(local_day + timedelta(days=n), tz), False)
    if kind == "calendar_month":
        return Due(end_of_day(add_months(local_day, n), tz), False)
    raise ClockRuleError(rule)


def working_days_late(
    due: datetime, now: datetime, calendar: WorkingDayCalendar, tz: ZoneInfo
) -> int:
    """Whole working days that have ended since `due` (0 on the day it fell due)."""
    day = due.astimezone(tz).date()
    today = now.astimezone(tz).date()
    late = 0
    while day < today:
        if calendar.is_working_day(day):
            late += 1
        day += timedelta(days=1)
    return late


def resumed_due(due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """A paused clock's new due time: pushed back by the time it stood still."""
    return due + max(resumed_at - paused_at, timedelta(0))
