"""What the pages show, as pure functions (no I/O): time left in working days, the merged
timeline, chart geometry, queue filters and the export tables."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

QUEUE_FILTERS = ("township", "village", "agency", "signal_type", "assignee", "clock")
# Actions that need nothing but a note, so several cases can take them at once.
BULK_ACTIONS = ("accept", "start_village_notice", "township_approve")
PAGE_SIZE = 50


def action_details(form: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A workflow action's details from its form, by the inputs' prefixes (the case page names
    them after casework's `action_fields`): `d_<name>` text, trimmed; `b_<name>` a ticked box,
    true; `n_<name>` a number (an integer when whole), or the text as typed when it is not
    one, for casework to refuse by name."""
    details: dict[str, Any] = {}
    for key, value in form:
        prefix, name = key[:2], key[2:]
        if not name:
            continue
        if prefix == "d_":
            details[name] = value.strip()[:2000]
        elif prefix == "b_":
            details[name] = True
        elif prefix == "n_":
            text = value.strip().replace(",", "").replace("，", "")
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):  # not a number, or 'inf' / 'nan' typed
                details[name] = value.strip()[:50]
                continue
            details[name] = int(number) if number.is_integer() else number
    return details


def comparison_findings(
    actions: Iterable[Mapping[str, Any]], agency_names: Mapping[str, str]
) -> str:
    """The agencies' answers to the case's comparison requests as the trail has them, one line
    per agency ('县公安局：家庭成员名下车辆 无'): what the township starts 录入比对结果 from."""
    lines = []
    for a in actions:
        actor = str(a.get("actor", ""))
        if a.get("action") == "comparison_answered" and actor.startswith("agency:"):
            code = actor.removeprefix("agency:")
            lines.append(f"{agency_names.get(code, code)}：{a.get('reason') or ''}")
    return "\n".join(lines)


def working_days_phrase(due_day: date, today: date, working_days: int) -> str:
    """'还剩3个工作日' / '今日到期' / '已超时2个工作日'; `working_days` counts the working days
    between today and the due day (whichever is later), excluding the earlier one."""
    if due_day == today:
        return "今日到期"
    if due_day > today:
        return f"还剩{working_days}个工作日" if working_days else "下一工作日前到期"
    return f"已超时{working_days}个工作日" if working_days else "已超时（非工作日）"


def region_filter(township: str, village: str) -> str | None:
    """The region prefix to ask casework for: the village if chosen, else the township."""
    if village and village.isdigit() and len(village) == 12:
        return village
    if township and township.isdigit() and len(township) == 12:
        return township[:9]
    return None


def case_params(filters: Mapping[str, str], *, offset: int, limit: int) -> dict[str, str]:
    """Query parameters for casework's GET /v1/cases from the queue page's filters."""
    params = {"is_open": "true", "limit": str(limit), "offset": str(max(offset, 0))}
    region = region_filter(filters.get("township", ""), filters.get("village", ""))
    if region:
        params["region_code"] = region
    for key in ("agency", "signal_type", "assignee"):
        if filters.get(key):
            params[key] = filters[key]
    if filters.get("clock") in ("overdue", "due_today", "due_this_week"):
        params["clock"] = filters["clock"]
    elif filters.get("clock") == "mine":  # 待我办理: the steps the officer's role may take
        params["actionable"] = "true"
    return params


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case's timeline: an action, a message sent, or a view of its data."""

    at: datetime
    kind: str  # action / notification / view
    who: str
    text: str


def _note(action: Mapping[str, Any]) -> str:
    """An action's note for the trail; none when it only repeats the step's name (casework
    records the name as the reason when the officer wrote none)."""
    reason = str(action.get("reason") or "")
    return "" if reason == action.get("name_zh") else reason


def timeline(
    actions: Iterable[Mapping[str, Any]],
    deliveries: Iterable[Mapping[str, Any]],
    views: Iterable[Mapping[str, Any]],
    *,
    action_names: Mapping[str, str],
    delivery_status: Mapping[str, str],
    actor_names: Mapping[str, str] | None = None,
    channel_names: Mapping[str, str] | None = None,
) -> list[TimelineEntry]:
    """Actions, notifications and sensitive-data views in time order; officers by the names
    `actor_names` gives (段志华（town-nuodeng）), recipients that are no officer as the notifier
    gives them (a township group; phones masked by the notifier), channels in words."""
    names = actor_names or {}
    out = [
        TimelineEntry(
            datetime.fromisoformat(a["at"]),
            "action",
            names.get(str(a["actor"]), str(a["actor"])),
            "；".join(
                [
                    f"{action_names.get(a['action'], a['action'])} {_note(a)}".strip(),
                    *(a.get("details_zh") or []),
                ]
            ),
        )
        for a in actions
    ]
    out += [
        TimelineEntry(
            datetime.fromisoformat(d["created_at"]),
            "notification",
            names.get(str(d.get("officer_id") or ""))
            or names.get(str(d["recipient"]), str(d["recipient"])),
            f"{(channel_names or {}).get(d['channel'], d['channel'])}：{d['message']}"
            f"（{delivery_status.get(d['status'], d['status'])}）",
        )
        for d in deliveries
    ]
    out += [
        TimelineEntry(
            datetime.fromisoformat(v["at"]),
            "view",
            names.get(str(v["actor"]), str(v["actor"])),
            f"查看未脱敏身份证号和电话，原因：{v['detail'].get('reason', '')}",
        )
        for v in views
    ]
    return sorted(out, key=lambda e: e.at)


@dataclass(frozen=True)
class Bar:
    """One bar of a ranked bar chart: label, value and its width in percent of the largest."""

    label: str
    value: float
    percent: float
    note: str = ""


def ranked_bars(items: Iterable[tuple[str, float, str]]) -> list[Bar]:
    """Bars largest first, widths relative to the largest (a zero chart stays empty)."""
    ordered = sorted(items, key=lambda i: (-i[1], i[0]))
    top = max((v for _, v, _ in ordered), default=0) or 1
    return [Bar(label, value, round(100 * value / top, 1), note) for label, value, note in ordered]


@dataclass(frozen=True)
class Series:
    """One agency's line in the trend chart, as SVG points."""

    name: str
    color: str
    points: str
    values: tuple[int, ...]


COLORS = ("#8e1b1b", "#1f618d", "#117a65", "#b9770e", "#6c3483", "#515a5a", "#a04000")


def trend_chart(
    rows: Iterable[Sequence[Any]], names: Mapping[str, str], *, width: int = 640, height: int = 200
) -> tuple[list[str], list[Series], int]:
    """(months, one series per agency, the largest count) for an SVG line chart from
    [month, agency, count] rows; months without warnings count 0."""
    counts: dict[str, dict[str, int]] = {}
    months: list[str] = []
    for month, agency, count in rows:
        if month not in months:
            months.append(month)
        counts.setdefault(agency, {})[month] = int(count)
    months.sort()
    top = max((n for per in counts.values() for n in per.values()), default=0) or 1
    step = width / max(len(months) - 1, 1)
    series = []
    for index, (agency, per) in enumerate(sorted(counts.items())):
        values = tuple(per.get(m, 0) for m in months)
        points = " ".join(
            f"{round(i * step, 1)},{round(height - height * v / top, 1)}"
            for i, v in enumerate(values)
        )
        series.append(
            Series(names.get(agency, agency), COLORS[index % len(COLORS)], points, values)
        )
    return months, series, top


def local_minute(text: str | None, tz: tzinfo) -> str:
    """A service's ISO timestamp (UTC) as the county reads it: `2026-12-08 10:39`; empty for
    none, and a text that is not a timestamp as it is."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def percent(rate: float | None) -> str:
    """0.8571 → '85.7%'; no decided clocks → '—'."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
