"""Builds the working-day calendar from the `chinesecalendar` package (2004 onwards)."""

from __future__ import annotations

from chinese_calendar import constants

from casework.domain.calendar import WorkingDayCalendar


def published_calendar() -> WorkingDayCalendar:
    """The State Council schedules the package knows, holidays and make-up days."""
    off = frozenset(constants.holidays)
    make_up = frozenset(constants.workdays)
    years = frozenset(d.year for d in off)
    return WorkingDayCalendar(off_days=off, make_up_days=make_up, known_years=years)
