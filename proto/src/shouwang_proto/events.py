"""Versioned event payloads. A version is never changed incompatibly: add a new one instead."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shouwang_proto.envelope import EventPayload

RegionCode = (
    str  # 12-digit statistical division code: province 2 + city 2 + county 2 + town 3 + village 3
)

DetailValue = str | int | float | bool | None
# How a warning was joined to its person (`WarningMatchedV1.method`).
MatchMethod = Literal["exact_id", "review_confirmed", "fuzzy"]


class PersonRef(BaseModel):
    """Who a warning is about, as the sender knows them (any field may be missing but the name)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(min_length=1, description="Name as sent, normalised (NFKC, simplified).")
    id_number: str | None = Field(default=None, description="18-digit resident ID (GB 11643).")
    birth_date: date | None = None
    phone: str | None = None
    region_code: RegionCode | None = Field(default=None, description="Village or township code.")


class WarningReceivedV1(EventPayload):
    """A warning (预警信息) accepted from an agency, a household or a cadre."""

    EVENT_TYPE: ClassVar[str] = "warning.received"
    VERSION: ClassVar[int] = 1

    warning_id: UUID
    source_kind: Literal["agency", "self_declaration", "cadre_visit"] = "agency"
    agency_code: str = Field(description="Catalogue code of the sender, e.g. 'civil_affairs'.")
    signal_type: str = Field(description="Catalogue code of the signal, e.g. 'new_dibao'.")
    source_record_id: str | None = Field(default=None, description="Sender's own id of the row.")
    period: str | None = Field(default=None, description="Reporting month YYYY-MM for lists.")
    occurred_on: date
    person: PersonRef
    details: dict[str, DetailValue] = Field(default_factory=dict)
    received_at: AwareDatetime


class MemberV1(BaseModel):
    """A household member (成员) in a registry snapshot."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person_id: UUID
    id_number: str
    name: str
    gender: Literal["male", "female", "unknown"] = "unknown"
    birth_date: date | None = None
    relation: str = Field(default="", description="Relation to the head (户主, 配偶, 子女...).")
    phone: str | None = None
    is_head: bool = False


class HouseholdSnapshotV1(EventPayload):
    """The full current state of one household (户); the latest per key wins (compacted)."""

    EVENT_TYPE: ClassVar[str] = "household.snapshot"
    VERSION: ClassVar[int] = 1

    household_id: UUID
    household_number: str = Field(description="户编号 in the national monitoring system.")
    region_code: RegionCode
    village_name: str
    township_name: str
    category: Literal["lifted_out", "monitored", "ordinary"] = Field(
        description="脱贫户 lifted_out / 监测户 monitored / 一般农户 ordinary."
    )
    members: list[MemberV1]
    removed: bool = Field(default=False, description="True when the household left the registry.")


class WarningMatchedV1(EventPayload):
    """A warning joined to a registered person and household (匹配成功)."""

    EVENT_TYPE: ClassVar[str] = "warning.matched"
    VERSION: ClassVar[int] = 1

    warning: WarningReceivedV1
    household_id: UUID
    household_number: str
    person_id: UUID
    region_code: RegionCode
    village_name: str
    township_name: str
    masked_name: str = Field(description="Person's name masked for messages, e.g. 张*.")
    method: MatchMethod
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[str]
    household_signal_id: UUID | None = Field(
        default=None,
        description="The household signal (one per household and period) this warning joined.",
    )
    signal_reasons: list[str] = Field(
        default_factory=list,
        description="All 'agency:signal_type' reasons of that household signal so far.",
    )
    eligibility_flags: list[str] = Field(
        default_factory=list,
        description="Facts found in comparisons (信息比对), e.g. 'vehicle', 'public_servant'.",
    )


class ReviewCandidateV1(BaseModel):
    """A registered person a warning may be about, with the score and the fields that agreed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person_id: UUID
    household_id: UUID
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[str]


class WarningNeedsReviewV1(EventPayload):
    """A warning matching could not decide alone (待人工核对): county staff choose."""

    EVENT_TYPE: ClassVar[str] = "warning.needs_review"
    VERSION: ClassVar[int] = 1

    warning: WarningReceivedV1
    candidates: list[ReviewCandidateV1]
    reason: str = Field(description="Why it needs a person, in Chinese.")


class WarningUnmatchedV1(EventPayload):
    """A warning about someone not in the registry (未在库): reported, never dropped."""

    EVENT_TYPE: ClassVar[str] = "warning.unmatched"
    VERSION: ClassVar[int] = 1

    warning: WarningReceivedV1
    reason_code: str = Field(description="Machine code, e.g. 'not_in_registry', 'invalid_id'.")
    reason: str = Field(description="Human explanation in Chinese.")


# The response clocks (时限) a case runs, by `ClockV1.kind` / `ClockAlertV1.clock_kind`, with the
# Chinese name every service shows officers (reports, console, SMS and WeChat texts).
CLOCK_KIND_NAMES: dict[str, str] = {
    "accept": "受理",
    "compare": "信息比对",
    "visit": "入户核查",
    "village_notice": "村级公示",
    "township_notice": "乡镇公示",
    "officer": "明确帮扶责任人",
    "plan": "制定帮扶计划",
    "help": "落实帮扶",
}


class ClockV1(BaseModel):
    """A response clock (时限) running on a case."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    clock_id: UUID
    kind: str = Field(description="e.g. 'accept' (受理, same working day).")
    rule: str = Field(description="e.g. 'same_working_day', 'working_days:2', 'calendar_month:1'.")
    started_at: AwareDatetime
    due_at: AwareDatetime
    provisional: bool = Field(
        default=False, description="True when the due time uses a year whose holidays are unknown."
    )


class SignalV1(BaseModel):
    """One warning attached to a case."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    warning_id: UUID
    agency_code: str
    signal_type: str
    occurred_on: date


class CaseOpenedV1(EventPayload):
    """A case (案件) opened for a household, with its first clock."""

    EVENT_TYPE: ClassVar[str] = "case.opened"
    VERSION: ClassVar[int] = 1

    case_id: UUID
    case_number: str
    household_id: UUID
    household_number: str
    region_code: RegionCode
    village_name: str
    township_name: str
    masked_name: str
    opened_at: AwareDatetime
    signals: list[SignalV1]
    clocks: list[ClockV1]


class CaseSignalAttachedV1(EventPayload):
    """A further warning attached to an already open case for the same household."""

    EVENT_TYPE: ClassVar[str] = "case.signal_attached"
    VERSION: ClassVar[int] = 1

    case_id: UUID
    case_number: str
    household_id: UUID
    region_code: RegionCode
    signal: SignalV1
    monitored: bool = Field(
        default=False,
        description="The household is already included as a monitored household (纳入监测 "
        "or a later step): the warning is confirmed with it.",
    )


class CaseDecidedV1(EventPayload):
    """The county's decision on a case (县级审批): the household included as a monitored
    household (纳入监测) or not (不予纳入) — told to the agencies whose warnings it carries."""

    EVENT_TYPE: ClassVar[str] = "case.decided"
    VERSION: ClassVar[int] = 1

    case_id: UUID
    case_number: str
    household_id: UUID
    household_number: str | None = Field(
        default=None,
        description="户编号 (since 2026-12-07; earlier events lack it): the gateway lists the "
        "households included each month for the agencies (新增监测对象名单) by it.",
    )
    region_code: RegionCode
    village_name: str
    township_name: str
    masked_name: str
    decision: Literal["included", "dismissed"]
    monitor_type: str | None = Field(
        default=None, description="脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户 when included."
    )
    decided_at: AwareDatetime
    warning_ids: list[UUID] = Field(description="Every warning the case carries.")
    clocks: list[ClockV1] = Field(
        default_factory=list,
        description="The clocks the decision started (included: officer, plan, help).",
    )


class CaseStepV1(EventPayload):
    """The case and household a step's event names (no event of its own: the base of
    `case.compared`, `case.awaiting` and `case.visited`, whose payloads start with these)."""

    case_id: UUID
    case_number: str
    household_id: UUID
    region_code: RegionCode
    village_name: str
    township_name: str
    masked_name: str


class CaseComparedV1(CaseStepV1):
    """The comparison's results recorded for a case (信息比对结果): what the township passes to
    the village (seeds/000 二: within 2 working days), whose home visit is then due (三: within
    3 working days) — told to the village cadre. The findings stay in the case."""

    EVENT_TYPE: ClassVar[str] = "case.compared"
    VERSION: ClassVar[int] = 1

    compared_at: AwareDatetime
    visited: bool = Field(
        default=False,
        description="The home visit was already recorded (a screening's case): nothing is due.",
    )
    clocks: list[ClockV1] = Field(
        default_factory=list, description="The clocks the results started (the home visit)."
    )


class CaseAwaitingV1(CaseStepV1):
    """A step taken that hands the case to another level with no clock to remind it (乡镇审定
    → 县级审批; 风险消除: 村申报 → 乡镇验收 → 县级复核; 退回 → the village's help): who must act
    next is told (seeds/003 四(三), seeds/000 (九))."""

    EVENT_TYPE: ClassVar[str] = "case.awaiting"
    VERSION: ClassVar[int] = 1

    step: str = Field(description="The step just taken, in Chinese (申报风险消除).")
    status: str = Field(description="The case's state now (risk_proposed).")
    awaiting: Literal["village", "township", "county"] = Field(
        description="The level whose step comes next."
    )
    next_step: str = Field(description="What they are asked to do, in Chinese (乡镇初步验收).")
    at: AwareDatetime


class CaseVisitedV1(CaseStepV1):
    """A case's home visit recorded (入户核查, seeds/000 三): the household was visited that
    day, which counts as its visit of the month in intake's 一月一排查 (seeds/000 一, 003 一) —
    the cadre does not record it twice."""

    EVENT_TYPE: ClassVar[str] = "case.visited"
    VERSION: ClassVar[int] = 1

    visited_on: date = Field(description="The county's day the visit was recorded.")
    visitor: str = Field(description="Who recorded it (the officer's name, else their id).")
    findings: str = Field(description="What the visit found, as the officer wrote it.")
    at: AwareDatetime


class ClockAlertV1(EventPayload):
    """A response clock coming due, run out (超时) or escalated (督办) — for the notifier."""

    EVENT_TYPE: ClassVar[str] = "clock.alert"
    VERSION: ClassVar[int] = 1

    alert: Literal["due_soon", "breached", "escalated"]
    level: int = Field(
        default=0, description="Escalation level: 0 assignee, 1 township lead, 2 county office."
    )
    case_id: UUID
    case_number: str
    household_id: UUID
    region_code: RegionCode
    village_name: str
    township_name: str
    masked_name: str
    clock_id: UUID
    clock_kind: str = Field(description="e.g. 'accept' (受理), 'compare' (比对).")
    due_at: AwareDatetime
    provisional: bool = False
    working_days_late: int = 0


class ComparisonRequestedV1(EventPayload):
    """Casework asks an agency to check facts about a person (信息比对请求) by a deadline."""

    EVENT_TYPE: ClassVar[str] = "comparison.requested"
    VERSION: ClassVar[int] = 1

    request_id: UUID
    case_id: UUID
    case_number: str
    household_id: UUID
    agency_code: str
    person: PersonRef
    checks: list[str] = Field(min_length=1, description="Catalogue check codes, e.g. 'vehicle'.")
    requested_at: AwareDatetime
    due_at: AwareDatetime = Field(description="比对时限: 2 working days in the county documents.")


class ComparisonFindingV1(BaseModel):
    """One check's answer: found or not, with what the agency saw."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    check: str
    found: bool
    detail: str = ""


class ComparisonAnsweredV1(EventPayload):
    """An agency's answer to a comparison request (比对结果)."""

    EVENT_TYPE: ClassVar[str] = "comparison.answered"
    VERSION: ClassVar[int] = 1

    request_id: UUID
    case_id: UUID
    household_id: UUID
    agency_code: str
    answered_at: AwareDatetime
    findings: list[ComparisonFindingV1]


class FeedListOverdueV1(EventPayload):
    """An agency's monthly list for a period is late or missing past its due date."""

    EVENT_TYPE: ClassVar[str] = "feed.list_overdue"
    VERSION: ClassVar[int] = 1

    agency_code: str
    period: str = Field(description="The month the list covers, YYYY-MM.")
    due_on: date
    status: Literal["missing", "late"]
    received_at: AwareDatetime | None = None
