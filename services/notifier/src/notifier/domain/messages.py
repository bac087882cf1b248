"""What an officer reads (pure): case number, masked name, village, what is due and by when.

Never an ID number, a medical fact or a full name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.deadlines import deadline_zh
from shouwang_proto.catalogue import Catalogue
from shouwang_proto.events import (
    CLOCK_KIND_NAMES,
    CaseAwaitingV1,
    CaseComparedV1,
    CaseDecidedV1,
    CaseOpenedV1,
    ClockAlertV1,
    FeedListOverdueV1,
)

CLOCK_NAMES = CLOCK_KIND_NAMES


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
    """'11月23日24:00' for a midnight deadline, else '11月24日17:30' (the kit's `deadline_zh`)."""
    return deadline_zh(due, tz)


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


@dataclass(frozen=True)
class Notice:
    """One thing to tell officers: the rule it falls under, where, the text and the SMS
    template parameters (never an ID number, a medical fact or a full name)."""

    rule: str
    region_code: str
    case_id: UUID | None
    case_number: str | None
    text: str
    template: str
    params: dict[str, str]


def case_opened_notice(event: CaseOpenedV1, catalogue: Catalogue, tz: ZoneInfo) -> Notice:
    """A new case, for the village cadre and the township officer."""
    first = min(event.clocks, key=lambda c: c.due_at) if event.clocks else None
    due = format_due(first.due_at, tz) if first else ""
    return Notice(
        rule="case_opened",
        region_code=event.region_code,
        case_id=event.case_id,
        case_number=event.case_number,
        text=case_opened_text(event, catalogue, tz),
        template="case_opened",
        params={"case": event.case_number, "village": event.village_name, "due": due},
    )


def list_overdue_notice(event: FeedListOverdueV1, catalogue: Catalogue, county_code: str) -> Notice:
    """An agency's monthly list is late or missing, for the county office."""
    known = catalogue.agency(event.agency_code)
    agency = known.name_zh if known else event.agency_code
    state = "尚未报送" if event.status == "missing" else "逾期报送"
    due = f"{event.due_on.month}月{event.due_on.day}日"
    return Notice(
        rule="list_overdue",
        region_code=county_code,
        case_id=None,
        case_number=None,
        text=f"【守望】{agency} {event.period} 月度名单{state}（应于{due}前报送），请督促。",
        template="list_overdue",
        params={"agency": agency, "period": event.period, "due": due},
    )


def case_decided_notice(event: CaseDecidedV1, tz: ZoneInfo) -> Notice:
    """The county's decision, for the village cadre and the township officer: what is due next
    (included: the officer, the plan and the help, each by its day) or what to tell the
    household (dismissed)."""
    place = f"{event.township_name}{event.village_name} {event.masked_name}户"
    if event.decision == "included":
        steps = "；".join(
            f"{format_due(c.due_at, tz)}前{CLOCK_NAMES.get(c.kind, c.kind)}"
            for c in sorted(event.clocks, key=lambda c: (c.due_at, c.kind))
        )
        outcome = f"纳入监测（{event.monitor_type}）"
        text = f"【守望】案件 {event.case_number}（{place}）县级审批{outcome}。请于{steps}。"
        due = format_due(min(c.due_at for c in event.clocks), tz) if event.clocks else ""
    else:
        outcome, due = "不予纳入", ""
        text = f"【守望】案件 {event.case_number}（{place}）县级审批不予纳入，请向农户说明理由。"
    return Notice(
        rule="case_decided",
        region_code=event.region_code,
        case_id=event.case_id,
        case_number=event.case_number,
        text=text,
        template="case_decided",
        params={"case": event.case_number, "decision": outcome, "due": due},
    )


def case_compared_notice(event: CaseComparedV1, tz: ZoneInfo) -> Notice:
    """The comparison's results reach the village (乡镇反馈至村, seeds/000 二): the home visit is
    due (三: within 3 working days) — or, visited already, the village's assessment is next."""
    place = f"{event.township_name}{event.village_name} {event.masked_name}户"
    visit = next((c for c in event.clocks if c.kind == "visit"), None)
    due = format_due(visit.due_at, tz) if visit else ""
    if visit is not None:
        ask = f"请于{due}前完成入户核查"
    elif event.visited:
        ask = "已入户核查，请组织民主评议"
    else:
        ask = "请按时完成入户核查"
    return Notice(
        rule="case_compared",
        region_code=event.region_code,
        case_id=event.case_id,
        case_number=event.case_number,
        text=f"【守望】案件 {event.case_number}（{place}）信息比对结果已反馈，{ask}。",
        template="case_compared",
        params={"case": event.case_number, "village": event.village_name, "due": due},
    )


def case_awaiting_notice(event: CaseAwaitingV1) -> Notice:
    """A step that hands the case to another level with no clock to remind it (乡镇审定 → 县级
    审批, 风险消除's 申报 → 验收 → 复核, a proposal sent back): that level is asked to act."""
    place = f"{event.township_name}{event.village_name} {event.masked_name}户"
    return Notice(
        rule=f"case_awaiting_{event.awaiting}",
        region_code=event.region_code,
        case_id=event.case_id,
        case_number=event.case_number,
        text=(
            f"【守望】案件 {event.case_number}（{place}）已{event.step}，"
            f"下一步：{event.next_step}，请及时办理。"
        ),
        template="case_awaiting",
        params={"case": event.case_number, "step": event.step, "next": event.next_step},
    )


_ESCALATION_RULES = {1: "escalated_township", 2: "escalated_county"}


def clock_alert_notice(event: ClockAlertV1, tz: ZoneInfo) -> Notice:
    """A clock coming due, run out, or escalated (督办)."""
    name = CLOCK_NAMES.get(event.clock_kind, event.clock_kind)
    due = format_due(event.due_at, tz)
    place = f"{event.township_name}{event.village_name} {event.masked_name}户"
    if event.alert == "due_soon":
        rule, text = (
            "clock_due_soon",
            f"【守望】案件 {event.case_number}（{place}）{name}时限将于{due}到期，请及时办理。",
        )
    elif event.alert == "breached":
        rule, text = (
            "clock_breached",
            f"【守望】案件 {event.case_number}（{place}）{name}已超时"
            f"（应于{due}前完成），请立即办理。",
        )
    else:
        rule = _ESCALATION_RULES.get(event.level, "escalated_county")
        text = (
            f"【守望·督办】案件 {event.case_number}（{place}）{name}已超时"
            f"{event.working_days_late}个工作日（应于{due}前完成），请督促办理。"
        )
    return Notice(
        rule=rule,
        region_code=event.region_code,
        case_id=event.case_id,
        case_number=event.case_number,
        text=text,
        template=rule,
        params={"case": event.case_number, "task": name, "due": due},
    )
