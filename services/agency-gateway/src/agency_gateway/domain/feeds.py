"""Feed health (数据推送情况): is each agency's monthly list in, late, or missing? (pure)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

ListStatus = Literal["on_time", "late", "missing", "pending"]


def previous_period(month: date) -> str:
    """The month a list due in `month` covers: lists sent in November cover October."""
    year, number = (month.year, month.month - 1) if month.month > 1 else (month.year - 1, 12)
    return f"{year:04d}-{number:02d}"


def due_on(period: str, due_day: int) -> date:
    """The day the list for `period` is due: `due_day` of the following month."""
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return date(year, month, due_day)


@dataclass(frozen=True)
class FeedState:
    """One agency's list for one period."""

    agency_code: str
    period: str
    due_on: date
    status: ListStatus
    received_on: date | None


def list_state(
    agency_code: str, period: str, due_day: int, *, received_on: date | None, today: date
) -> FeedState:
    """On time if received by the due day, late if after it, missing once the day has passed."""
    deadline = due_on(period, due_day)
    status: ListStatus
    if received_on is not None:
        status = "on_time" if received_on <= deadline else "late"
    else:
        status = "missing" if today > deadline else "pending"
    return FeedState(agency_code, period, deadline, status, received_on)
