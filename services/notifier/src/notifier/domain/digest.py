"""The daily digest (每日待办): one message per officer with what is overdue or due by the end
of tomorrow in their region, instead of many single reminders (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from notifier.domain.messages import CLOCK_NAMES, format_due

DIGEST_ROLES = frozenset({"village_cadre", "work_team", "township_officer"})


@dataclass(frozen=True)
class DueItem:
    """One running or overdue clock of an open case."""

    case_number: str
    village_name: str
    masked_name: str
    clock_kind: str
    due_at: datetime
    breached: bool


def due_items(cases: list[dict[str, Any]], *, until: datetime) -> list[DueItem]:
    """The clocks of open cases (as casework's API lists them) overdue or due by `until`."""
    items = []
    for case in cases:
        for clock in case.get("clocks", []):
            due = datetime.fromisoformat(clock["due_at"])
            breached = clock["state"] == "breached"
            if (clock["state"] == "running" and due <= until) or breached:
                items.append(
                    DueItem(
                        case["case_number"],
                        case["village_name"],
                        case["masked_name"],
                        clock["kind"],
                        due,
                        breached,
                    )
                )
    return sorted(items, key=lambda i: (not i.breached, i.due_at))


def digest_text(day: date, items: list[DueItem], tz: ZoneInfo, limit: int = 10) -> str:
    """The digest's text: overdue first, then by due time; at most `limit` lines."""
    overdue = sum(i.breached for i in items)
    lines = [
        f"【守望】{day.month}月{day.day}日待办：超时{overdue}件，即将到期{len(items) - overdue}件"
    ]
    for item in items[:limit]:
        name = CLOCK_NAMES.get(item.clock_kind, item.clock_kind)
        state = "已超时" if item.breached else "到期"
        lines.append(
            f"· {item.case_number} {item.village_name} {item.masked_name}户 "
            f"{name}{state}：{format_due(item.due_at, tz)}"
        )
    if len(items) > limit:
        lines.append(f"……另有{len(items) - limit}件，请登录系统查看")
    return "\n".join(lines)


def digest_event_id(day: date, officer_id: str) -> UUID:
    """The same digest (day, officer) has the same id everywhere: sent once."""
    return uuid5(NAMESPACE_URL, f"shouwang:digest:{day.isoformat()}:{officer_id}")


def end_of_tomorrow(now: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight at the end of tomorrow."""
    local = now.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=2), datetime.min.time(), tzinfo=tz)
