"""Who gets what, on which channel, and when (pure).

- The officer directory: name, role, region, phone, WeChat Work user id, preferred channels.
- Rules (configuration): which roles of which region an event goes to.
- Channels in the officer's order of preference: one delivery per (event, officer), tried on
  the first channel; the next channel only when one fails for good (failover), so the same
  reminder never arrives twice on two channels.
- Quiet hours: no SMS at night, except events marked urgent; the rest waits for the morning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

Channel = Literal["sms_aliyun", "sms_tencent", "wecom_app", "wecom_robot", "log"]
CHANNELS: tuple[str, ...] = ("sms_aliyun", "sms_tencent", "wecom_app", "wecom_robot", "log")
SMS_CHANNELS = frozenset({"sms_aliyun", "sms_tencent"})
_SPANS = (2, 4, 6, 9, 12)


class DirectoryError(ValueError):
    """An officer directory that cannot be used: which entry, what is wrong."""


@dataclass(frozen=True)
class OfficerContact:
    """An officer as the notifier knows them."""

    officer_id: str
    name: str
    role: str
    region_code: str
    phone: str | None = None
    wecom_user: str | None = None
    channels: tuple[str, ...] = ("wecom_app", "sms_aliyun")

    def address(self, channel: str) -> str | None:
        """Where this officer is reached on a channel (None: not reachable there)."""
        if channel in SMS_CHANNELS:
            return self.phone
        if channel == "wecom_app":
            return self.wecom_user
        if channel == "log":
            return self.officer_id
        return None


def load_directory(path: Path) -> list[OfficerContact]:
    """Officers from a JSON file: [{"officer_id", "name", "role", "region_code", "phone",
    "wecom_user", "channels": [...]}, ...]; DirectoryError naming the bad entry."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DirectoryError(f"cannot read officer directory {path}: {exc}") from None
    items = raw.get("officers", raw) if isinstance(raw, dict) else raw
    return [officer_from(item, index) for index, item in enumerate(items)]


def officer_from(item: Mapping[str, Any], index: int = 0) -> OfficerContact:
    """One checked directory entry."""
    region = str(item.get("region_code", ""))
    if len(region) != 12 or not region.isdigit():
        raise DirectoryError(f"officer #{index}: region_code must be 12 digits")
    channels = tuple(item.get("channels") or ("wecom_app", "sms_aliyun"))
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not item.get("officer_id") or not item.get("role"):
        raise DirectoryError(f"officer #{index}: officer_id, role and known channels required")
    return OfficerContact(
        officer_id=str(item["officer_id"]),
        name=str(item.get("name", "")),
        role=str(item["role"]),
        region_code=region,
        phone=item.get("phone"),
        wecom_user=item.get("wecom_user"),
        channels=channels,
    )


def region_at(code: str, level: int) -> str:
    """The code of the division at `level` (1 province … 5 village) that contains `code`."""
    end = _SPANS[level - 1]
    return code[:end] + "0" * (12 - end)


@dataclass(frozen=True)
class Rule:
    """An event kind goes to officers of these roles in the event's region at these levels."""

    event: str
    recipients: tuple[tuple[str, int], ...]  # (role, region level: 3 county, 4 township, 5 village)
    urgent: bool = False  # sent in quiet hours too


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("case_opened", (("village_cadre", 5), ("township_officer", 4))),
    Rule("case_compared", (("village_cadre", 5), ("work_team", 5))),
    Rule("case_decided", (("village_cadre", 5), ("township_officer", 4))),
    Rule("case_awaiting_village", (("village_cadre", 5), ("work_team", 5))),
    Rule("case_awaiting_township", (("township_officer", 4),)),
    Rule("case_awaiting_county", (("county_office", 3),)),
    Rule("clock_due_soon", (("village_cadre", 5),)),
    Rule("clock_breached", (("village_cadre", 5), ("township_officer", 4)), urgent=True),
    Rule("escalated_township", (("township_officer", 4),), urgent=True),
    Rule("escalated_county", (("county_office", 3),), urgent=True),
    Rule("list_overdue", (("county_office", 3),)),
)


def recipients(
    rule: Rule, region_code: str, directory: Iterable[OfficerContact]
) -> list[OfficerContact]:
    """The officers a rule names for an event in `region_code` (each once)."""
    wanted = {(role, region_at(region_code, level)) for role, level in rule.recipients}
    seen: set[str] = set()
    out = []
    for officer in directory:
        if (officer.role, officer.region_code) in wanted and officer.officer_id not in seen:
            seen.add(officer.officer_id)
            out.append(officer)
    return out


def channel_plan(officer: OfficerContact, enabled: Iterable[str]) -> tuple[str, ...]:
    """The officer's channels, in their order, that are enabled and where they are reachable."""
    on = set(enabled)
    return tuple(c for c in officer.channels if c in on and officer.address(c))


@dataclass(frozen=True)
class QuietHours:
    """No SMS between `start` and `end` local time (e.g. 22:00–07:00), unless urgent."""

    start: time = time(22, 0)
    end: time = time(7, 0)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def is_quiet(self, at: datetime) -> bool:
        """True inside the quiet window."""
        local = at.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def send_at(self, now: datetime, *, channel: str, urgent: bool) -> datetime:
        """`now`, or the end of the quiet window for a non-urgent SMS sent at night."""
        if urgent or channel not in SMS_CHANNELS or not self.is_quiet(now):
            return now
        local = now.astimezone(self.tz)
        morning = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if morning <= local:
            morning += timedelta(days=1)
        return morning


@dataclass(frozen=True)
class Planned:
    """A delivery to create: one officer, the channels to try in order, when to start."""

    officer: OfficerContact
    channels: tuple[str, ...]
    not_before: datetime


def plan_deliveries(
    rule: Rule,
    *,
    region_code: str,
    directory: Iterable[OfficerContact],
    enabled: Iterable[str],
    quiet: QuietHours,
    now: datetime,
) -> list[Planned]:
    """What to send for one event: per officer, the channel order and the first send time."""
    enabled = tuple(enabled)
    plans = []
    for officer in recipients(rule, region_code, directory):
        channels = channel_plan(officer, enabled)
        if channels:
            first = quiet.send_at(now, channel=channels[0], urgent=rule.urgent)
            plans.append(Planned(officer, channels, first))
    return plans
