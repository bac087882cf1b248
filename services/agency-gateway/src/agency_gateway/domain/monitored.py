"""The agencies' monthly list of new monitored households (新增监测对象名单; seeds/004:
乡村振兴部门每月向行业部门推送新增监测对象名单，用于行业部门落实帮扶政策), as pure functions: the
list's rows, one per household member (the month's span: the kit's `month_span`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
