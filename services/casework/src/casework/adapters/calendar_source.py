"""The working-day calendar from the `chinesecalendar` package (2004 onwards), the years an
administrator loaded, and their day overrides (from casework's tables)."""

from __future__ import annotations

import time
from datetime import date

from chinese_calendar import constants
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from casework.adapters.tables import calendar_overrides, calendar_years
from casework.domain.calendar import (
    HOLIDAY_NAMES,
    Override,
    WorkingDayCalendar,
    parse_year,
)


def published_calendar() -> WorkingDayCalendar:
    """The State Council schedules the package knows: days off, make-up days, names."""
    off: dict[date, str] = dict(constants.holidays)
    make_up: dict[date, str] = dict(constants.workdays)
    names = {d: HOLIDAY_NAMES.get(n, n) for d, n in {**make_up, **off}.items()}
    names |= {d: f"{HOLIDAY_NAMES.get(n, n)}调休上班" for d, n in make_up.items()}
    return WorkingDayCalendar(
        off_days=frozenset(off),
        make_up_days=frozenset(make_up),
        known_years=frozenset(d.year for d in off),
        names=names,
    )


async def current_calendar(session: AsyncSession) -> WorkingDayCalendar:
    """The package's schedules, then the loaded years (they win), then the overrides."""
    calendar = published_calendar()
    for year, document in (
        await session.execute(select(calendar_years.c.year, calendar_years.c.document))
    ).all():
        calendar = calendar.with_year(parse_year(year, document))
    overrides = {
        r.day: Override(r.working, r.reason)
        for r in (await session.execute(select(calendar_overrides))).all()
    }
    return calendar.with_overrides(overrides)


class CalendarCache:
    """The current calendar, read again at most every `max_age` seconds (other instances may
    load a year) and at once after this instance changed it."""

    def __init__(self, max_age: float = 30.0) -> None:
        self.max_age = max_age
        self._calendar: WorkingDayCalendar | None = None
        self._read_at = 0.0

    async def get(self, session: AsyncSession) -> WorkingDayCalendar:
        """The calendar, fresh enough."""
        now = time.monotonic()
        if self._calendar is None or now - self._read_at > self.max_age:
            self._calendar = await current_calendar(session)
            self._read_at = now
        return self._calendar

    def invalidate(self) -> None:
        """Forget the cached calendar (after a year or an override was stored)."""
        self._calendar = None
