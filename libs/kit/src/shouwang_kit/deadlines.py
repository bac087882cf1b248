"""Deadlines and months in the county's time: a deadline at local midnight is the end of the day
before (当日 is "by 24:00": 12月8日24:00, not 12月9日00:00) — the same on every page, report and
message; a month (YYYY-MM) runs from its first midnight to the next month's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def deadline_parts(due: datetime, tz: ZoneInfo) -> tuple[date, str]:
    """The local day a deadline falls on and its time: (12-08, '24:00') for 12-09 00:00."""
    local = due.astimezone(tz)
    if local.time() == time.min:
        return local.date() - timedelta(days=1), "24:00"
    return local.date(), local.strftime("%H:%M")


def deadline_text(due: datetime, tz: ZoneInfo) -> str:
    """'2026-12-08 24:00' (reports and pages)."""
    day, at = deadline_parts(due, tz)
    return f"{day.isoformat()} {at}"


def deadline_zh(due: datetime, tz: ZoneInfo) -> str:
    """'12月8日24:00' (messages)."""
    day, at = deadline_parts(due, tz)
    return f"{day.month}月{day.day}日{at}"


def month_span(period: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) from the first of `period` (YYYY-MM) to the first of the next month,
    at midnight in the county's time: a month's reports and lists cover [start, end)."""
    year, month = int(period[:4]), int(period[5:7])
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (
        datetime.combine(start, time.min, tz).astimezone(UTC),
        datetime.combine(end, time.min, tz).astimezone(UTC),
    )
