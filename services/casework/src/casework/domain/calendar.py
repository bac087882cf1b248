"""China's working-day calendar (工作日), including 调休 make-up working days on weekends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Holidays and make-up working days for the years whose State Council schedule is loaded.

    For a year not loaded, Monday–Friday are working days and answers are provisional.
    """

    off_days: frozenset[date]
    make_up_days: frozenset[date]
    known_years: frozenset[int]

    def is_known(self, day: date) -> bool:
        """Whether the official schedule for the day's year is loaded."""
        return day.year in self.known_years

    def is_working_day(self, day: date) -> bool:
        """A working day: a weekday that is not a holiday, or a 调休 make-up weekend day."""
        if day in self.make_up_days:
            return True
        if day in self.off_days:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day
