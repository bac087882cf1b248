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
