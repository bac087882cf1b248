"""What an officer reads (pure): case number, masked name, village, what is due and by when.

Never an ID number, a medical fact or a full name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_proto.catalogue import Catalogue
from shouwang_proto.events import CaseOpenedV1

CLOCK_NAMES = {"accept": "受理"}


@dataclass(frozen=True)
class Alert:
    """One message for one recipient on one channel."""

    event_id: UUID
    case_id: UUID
    case_number: str
    channel: str
    recipient: str
    text: str

    @property
    def delivery_key(self) -> str:
        """Identity of the delivery: the same event never reaches a recipient twice per channel."""
        raw = f"{self.event_id}|{self.recipient}|{self.channel}"
        return hashlib.sha256(raw.encode()).hexdigest()


def format_due(due: datetime, tz: ZoneInfo) -> str:
    """'11月23日24:00' for a midnight deadline, else '11月24日17:30'."""
    local = due.astimezone(tz)
    if (local.hour, local.minute) == (0, 0):
        day = local - timedelta(days=1)
        return f"{day.month}月{day.day}日24:00"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def township_group(region_code: str) -> str:
    """The township's group (乡镇工作群) a village belongs to: the first 9 digits."""
    return f"township:{region_code[:9]}"


def case_opened_text(event: CaseOpenedV1, catalogue: Catalogue, tz: ZoneInfo) -> str:
    """The township group alert for a newly opened case."""
    reasons = "、".join(catalogue.signal_name(s.agency_code, s.signal_type) for s in event.signals)
    lines = [
        f"【守望】新预警案件 {event.case_number}",
        f"农户：{event.township_name}{event.village_name} {event.masked_name}户",
        f"预警：{reasons}",
    ]
    for clock in event.clocks:
        name = CLOCK_NAMES.get(clock.kind, clock.kind)
        note = "（节假日安排未公布，暂按周一至周五计）" if clock.provisional else ""
        lines.append(f"请于{format_due(clock.due_at, tz)}前{name}{note}")
    return "\n".join(lines)


def alerts_for_case_opened(
    event: CaseOpenedV1, *, event_id: UUID, channel: str, catalogue: Catalogue, tz: ZoneInfo
) -> list[Alert]:
    """New case → the township's group (the officer directory comes later)."""
    return [
        Alert(
            event_id=event_id,
            case_id=event.case_id,
            case_number=event.case_number,
            channel=channel,
            recipient=township_group(event.region_code),
            text=case_opened_text(event, catalogue, tz),
        )
    ]
