"""The case workflow as a table (pure): which action moves a case from which state to which,
who may take it, what it needs, and which clocks it stops and starts (DESIGN §4; seeds 000,
002, 003).

accepted → compared → visited (or the visit first: accepted → visit_done → visited) →
assessed (民主评议) → village notice (公示, 5 days) → township review and notice (5 days) →
county review → included (by type) or dismissed (with
the explanation given to the household) → officer named → plan (一户一策) → help started
(within 10, 10 days and 1 month of the inclusion's announcement) → risk elimination proposed by
the village (申报, under the rules), verified by the township (初步验收), confirmed by the county
(复核确认: 风险消除) or sent back to the help → rollback (回退) when marked too early, by the
same three steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from casework.domain.risk_elimination import INDICATORS, PROPOSAL_CHECKS

V, W, T, C = "village_cadre", "work_team", "township_officer", "county_office"
MONITOR_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
STATE_NAMES = {
    "awaiting_acceptance": "待受理",
    "accepted": "已受理，信息比对中",
    "compared": "比对完成，待入户核查",
    "visit_done": "已入户核查，待比对结果",
    "visited": "已入户核查，待民主评议",
    "assessed": "已民主评议，待村公示",
    "village_notice": "村级公示中",
    "township_review": "乡镇审定公示中",
    "county_review": "待县级审批",
    "included": "已纳入监测，待明确帮扶责任人",
    "dismissed": "不予纳入",
    "officer_named": "已明确帮扶责任人，待制定帮扶计划",
    "planned": "已制定帮扶计划，待落实帮扶",
    "helping": "帮扶中",
    "risk_proposed": "已申报风险消除，待乡镇验收",
    "risk_verified": "乡镇验收合格，待县级复核",
    "risk_eliminated": "风险消除",
    "rollback_proposed": "已申报风险消除回退，待乡镇核定",
    "rollback_verified": "乡镇核定回退，待县级审批",
}
CLOSED = frozenset({"dismissed", "risk_eliminated"})
# The household included as a monitored household (纳入监测) and the steps after it.
MONITORED = (
    "included",
    "officer_named",
    "planned",
    "helping",
    "risk_proposed",
    "risk_verified",
    "risk_eliminated",
    "rollback_proposed",
    "rollback_verified",
)
BEFORE_DECISION = (
    "accepted",
    "compared",
    "visit_done",
    "visited",
    "assessed",
    "village_notice",
    "township_review",
    "county_review",
)


class CaseTransitionError(Exception):
    """An action refused: HTTP status, machine code, Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table."""

    action: str
    name: str  # Chinese, for the trail and the screens
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    stops: tuple[str, ...] = ()  # clock kinds stopped
    starts: tuple[tuple[str, str], ...] = ()  # (clock kind, rule) started
    needs: tuple[str, ...] = ()  # detail fields required
    wait_for: str | None = None  # a clock that must have run its course first (公示)


WORKFLOW: tuple[Transition, ...] = (
    Transition(
        "accept",
        "受理",
        ("awaiting_acceptance",),
        "accepted",
        frozenset({V, W, T, C}),
        stops=("accept",),
        starts=(("compare", "working_days:2"),),
    ),
    Transition(
        "record_comparison",
        "录入比对结果",
        ("accepted",),
        "compared",
        frozenset({T, C}),
        stops=("compare",),
        starts=(("visit", "working_days:3"),),
        needs=("findings",),
    ),
    Transition(
        "record_visit",
        "入户核查",
        ("compared",),
        "visited",
        frozenset({V, W, T}),
        stops=("visit",),
        needs=("findings",),
    ),
    # The visit before the comparison's answer: a household found by the cadres' own screening
    # (主动排查) is verified the same day (seeds/000 三), while the agencies have 2 working days.
    Transition(
        "record_visit",
        "入户核查",
        ("accepted",),
        "visit_done",
        frozenset({V, W, T}),
        stops=("visit",),
        needs=("findings",),
    ),
    Transition(
        "record_comparison",
        "录入比对结果",
        ("visit_done",),
        "visited",
        frozenset({T, C}),
        stops=("compare",),
        needs=("findings",),
    ),
    Transition(
        "village_assessment",
        "民主评议",
        ("visited",),
        "assessed",
        frozenset({V, W}),
        needs=("result",),
    ),
    Transition(
        "start_village_notice",
        "村级公示",
        ("assessed",),
        "village_notice",
        frozenset({V, W}),
        starts=(("village_notice", "calendar_days:5"),),
    ),
    Transition(
        "end_village_notice",
        "村级公示结束",
        ("village_notice",),
        "township_review",
        frozenset({V, W, T}),
        stops=("village_notice",),
        starts=(("township_notice", "calendar_days:5"),),
        needs=("objections",),
        wait_for="village_notice",
    ),
    Transition(
        "township_approve",
        "乡镇审定",
        ("township_review",),
        "county_review",
        frozenset({T}),
        stops=("township_notice",),
        wait_for="township_notice",
    ),
    Transition(
        "county_include",
        "县级审批纳入",
        ("county_review",),
        "included",
        frozenset({C}),
        # All three counted from the announcement (公告之日起, seeds/002 注意事项: the officer
        # and the plan within 10 days; seeds/000 (四): help started within 1 month of being
        # listed), not one after the other: a late officer does not move the plan's day.
        starts=(
            ("officer", "calendar_days:10"),
            ("plan", "calendar_days:10"),
            ("help", "calendar_month:1"),
        ),
        needs=("monitor_type",),
    ),
    Transition(
        "county_dismiss",
        "不予纳入",
        BEFORE_DECISION,
        "dismissed",
        frozenset({C}),
        needs=("explanation",),
    ),
    Transition(
        "name_officer",
        "明确帮扶责任人",
        ("included",),
        "officer_named",
        frozenset({T, C}),
        stops=("officer",),
        needs=("officer",),
    ),
    Transition(
        "record_plan",
        "制定一户一策",
        ("officer_named",),
        "planned",
        frozenset({V, W, T}),
        stops=("plan",),
        needs=("plan",),
    ),
    Transition(
        "start_help",
        "落实帮扶措施",
        ("planned",),
        "helping",
        frozenset({V, W, T}),
        stops=("help",),
        needs=("measures",),
    ),
    # 风险消除 step by step (seeds/003 四(三): 由各村进行申报，各镇初步验收合格后，报县…复核确认;
    # seeds/000 (九)): the village proposes with the facts, the township verifies, the county
    # confirms (the rules: `risk_elimination`); either may send it back to the help.
    Transition(
        "propose_risk_elimination",
        "申报风险消除",
        ("helping",),
        "risk_proposed",
        frozenset({V, W}),
    ),
    Transition(
        "township_verify_risk",
        "乡镇初步验收",
        ("risk_proposed",),
        "risk_verified",
        frozenset({T}),
        needs=("verification",),
    ),
    Transition(
        "county_confirm_risk",
        "县级复核确认风险消除",
        ("risk_verified",),
        "risk_eliminated",
        frozenset({C}),
    ),
    Transition(
        "return_risk_proposal",
        "退回继续帮扶",
        ("risk_proposed", "risk_verified"),
        "helping",
        frozenset({T, C}),
        needs=("reason_detail",),
    ),
    # 回退 when it was marked too early, by the same steps as the marking (seeds/002 三(一)4:
    # 風險標注回退程序，參照風險消除標注程序執行): proposed (the case open again while it is
    # decided), verified by the township, approved by the county; or sent back, closed again.
    Transition(
        "propose_rollback",
        "申报风险消除回退",
        ("risk_eliminated",),
        "rollback_proposed",
        frozenset({V, W, T}),
        needs=("reason_detail",),
    ),
    Transition(
        "township_verify_rollback",
        "乡镇核定回退",
        ("rollback_proposed",),
        "rollback_verified",
        frozenset({T}),
        needs=("verification",),
    ),
    Transition(
        "county_confirm_rollback",
        "县级审批回退",
        ("rollback_verified",),
        "helping",
        frozenset({C}),
    ),
    Transition(
        "return_rollback_proposal",
        "不予回退",
        ("rollback_proposed", "rollback_verified"),
        "risk_eliminated",
        frozenset({T, C}),
        needs=("reason_detail",),
    ),
)
BY_ACTION = {t.action: t for t in reversed(WORKFLOW)}  # an action's first row: its name


@dataclass(frozen=True)
class DetailField:
    """A detail an action asks for, as the officer's form shows it: its name in the request,
    its label in Chinese, its kind (`text`; `choice` among `choices`, (value, label); `check`,
    a yes/no sent as true or false; `number`) and whether the form must have it."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    kind: str = "text"
    required: bool = True

    def __post_init__(self) -> None:
        if self.choices and self.kind == "text":
            object.__setattr__(self, "kind", "choice")


VILLAGE_RESULTS = (("propose", "拟纳入监测"), ("reject", "不拟纳入"))
DETAIL_FIELDS = {
    f.name: f
    for f in (
        DetailField("findings", "比对或核查情况"),
        DetailField("result", "评议结果", VILLAGE_RESULTS),
        DetailField("objections", "公示期间的异议及处理情况"),
        DetailField("monitor_type", "监测对象类型", tuple((t, t) for t in MONITOR_TYPES)),
        DetailField("explanation", "不予纳入的理由（将告知农户）"),
        DetailField("officer", "帮扶责任人"),
        DetailField("plan", "帮扶计划（一户一策）"),
        DetailField("measures", "已落实的帮扶措施"),
        DetailField("verification", "验收情况"),
        DetailField("reason_detail", "退回或回退的原因"),
    )
}
assert {n for t in WORKFLOW for n in t.needs} <= set(DETAIL_FIELDS), "every detail has a label"
# 申报风险消除 asks for the facts its rules are checked on (`check_proposal`): the four
# indicators, the 民主评议 and the household's consent, the income per head, and its labour.
RISK_FIELDS = (
    *(DetailField(key, text, kind="check") for key, text in INDICATORS.items()),
    *(DetailField(key, text, kind="check") for key, text in PROPOSAL_CHECKS.items()),
    DetailField("income_per_head", "家庭人均纯收入（元/年）", kind="number"),
    DetailField("whole_household_no_labour", "整户无劳动力", kind="check", required=False),
    DetailField("supported_by_children", "子女赡养能力较强的老人户", kind="check", required=False),
)
_ALL_FIELDS = DETAIL_FIELDS | {f.name: f for f in RISK_FIELDS}


@dataclass(frozen=True)
class Decision:
    """What a legal transition does: the new state and the clocks to stop and start."""

    transition: Transition
    target: str
    closes: bool
    reopens: bool


def decide(
    action: str,
    *,
    state: str,
    role: str,
    details: Mapping[str, Any],
    running_clocks: Mapping[str, datetime],
    now: datetime,
) -> Decision:
    """Check an action against the table; CaseTransitionError says why it is refused."""
    first = BY_ACTION.get(action)
    if first is None:
        raise CaseTransitionError(404, "action.unknown", f"未知的操作“{action}”")
    transition = next((t for t in WORKFLOW if t.action == action and state in t.sources), None)
    if transition is None:
        raise CaseTransitionError(
            409,
            "case.transition",
            f"案件当前为“{STATE_NAMES.get(state, state)}”，不能{first.name}",
        )
    if role not in transition.roles:
        raise CaseTransitionError(403, "role.forbidden", f"您的角色不能{transition.name}")
    missing = [n for n in transition.needs if not str(details.get(n, "")).strip()]
    if missing:
        labels = "、".join(DETAIL_FIELDS[n].label for n in missing)
        raise CaseTransitionError(
            422, "details.required", f"{transition.name}需要填写：{labels}（{'、'.join(missing)}）"
        )
    if action == "county_include" and details.get("monitor_type") not in MONITOR_TYPES:
        raise CaseTransitionError(
            422, "monitor_type.unknown", "监测对象类型应为：" + "、".join(MONITOR_TYPES)
        )
    if action == "village_assessment" and details.get("result") not in ("propose", "reject"):
        raise CaseTransitionError(
            422, "result.unknown", "评议结果应为 propose（拟纳入监测）或 reject（不拟纳入）"
        )
    if transition.wait_for is not None:
        due = running_clocks.get(transition.wait_for)
        if due is not None and now < due:
            raise CaseTransitionError(
                409, "notice.running", f"公示期未满（至{due:%Y-%m-%d}），不能{transition.name}"
            )
    return Decision(
        transition,
        transition.target,
        closes=transition.target in CLOSED,
        reopens=state in CLOSED and transition.target not in CLOSED,
    )


def available(state: str, role: str) -> list[str]:
    """The actions an officer of `role` may take on a case in `state`."""
    return [t.action for t in WORKFLOW if state in t.sources and role in t.roles]


# Steps that hand the case to another level with no clock to remind it: who is told, and what
# they are asked to do (`case.awaiting`; the notifier tells them).
Level = Literal["village", "township", "county"]
HANDOFFS: dict[str, tuple[Level, str]] = {
    "township_approve": ("county", "县级审批"),
    "propose_risk_elimination": ("township", "乡镇初步验收"),
    "township_verify_risk": ("county", "县级复核确认风险消除"),
    "county_confirm_risk": ("village", "在村内公告并将风险消除结果告知农户"),
    "return_risk_proposal": ("village", "继续落实帮扶措施"),
    "propose_rollback": ("township", "乡镇核定回退"),
    "township_verify_rollback": ("county", "县级审批回退"),
    "county_confirm_rollback": ("village", "继续落实帮扶措施"),
}
assert set(HANDOFFS) <= set(BY_ACTION)

# Steps that turn a case aside rather than move it on: a case is not waiting for them.
SIDE_STEPS = frozenset(
    {"county_dismiss", "return_risk_proposal", "propose_rollback", "return_rollback_proposal"}
)


def states_for_role(role: str) -> list[str]:
    """The case states in which an officer of `role` has the next step to take (待我办理):
    the steps forward, not the ones that send a case aside (不予纳入, 退回, 回退), which are
    open in many states without the case waiting for them."""
    return sorted(
        {
            state
            for t in WORKFLOW
            if role in t.roles and t.action not in SIDE_STEPS
            for state in t.sources
        }
    )


def details_in_words(details: Mapping[str, Any]) -> list[str]:
    """An action's details as the trail shows them: '比对或核查情况：无车辆', a choice by its label
    ('评议结果：拟纳入监测'); details no form asks for under their own names, after those."""

    def text(field: DetailField, value: Any) -> str:
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(dict(field.choices).get(str(value), value))

    known = [
        f"{_ALL_FIELDS[n].label}：{text(_ALL_FIELDS[n], v)}"
        for n, v in details.items()
        if n in _ALL_FIELDS
    ]
    return known + [f"{n}：{v}" for n, v in details.items() if n not in _ALL_FIELDS]


def fields_needed(state: str, action: str) -> list[DetailField]:
    """What the form for `action` on a case in `state` asks for (none for an action the state
    does not allow)."""
    transition = next((t for t in WORKFLOW if t.action == action and state in t.sources), None)
    if transition is None:
        return []
    return [DETAIL_FIELDS[n] for n in transition.needs] + (
        list(RISK_FIELDS) if action == "propose_risk_elimination" else []
    )
