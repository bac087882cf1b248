"""The agencies' monthly list of new monitored households (新增监测对象名单; seeds/004:
乡村振兴部门每月向行业部门推送新增监测对象名单，用于行业部门落实帮扶政策), as pure functions: the
month's span in the county's time, and the list's rows, one per household member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

HEADER = (
    "户编号",
    "乡镇",
    "村",
    "监测对象类型",
    "纳入日期",
    "案件编号",
    "姓名",
    "与户主关系",
    "身份证号码",
)


def month_span(period: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) from the first of `period` (YYYY-MM) to the first of the next month,
    at midnight in the county's time."""
    year, month = int(period[:4]), int(period[5:7])
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (
        datetime.combine(start, time.min, tz).astimezone(UTC),
        datetime.combine(end, time.min, tz).astimezone(UTC),
    )


def list_rows(households: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> list[tuple[str, ...]]:
    """One row per member of each household (`members`: name, relation, id_number), in the
    order given; a household whose members could not be read is one row without them."""
    rows: list[tuple[str, ...]] = []
    for h in households:
        head = (
            str(h["household_number"] or ""),
            str(h["township_name"]),
            str(h["village_name"]),
            str(h["monitor_type"] or ""),
            h["included_at"].astimezone(tz).date().isoformat(),
            str(h["case_number"]),
        )
        members = h.get("members") or [{}]
        rows += [
            (
                *head,
                str(m.get("name", "")),
                str(m.get("relation", "")),
                str(m.get("id_number") or ""),
            )
            for m in members
        ]
    return rows
