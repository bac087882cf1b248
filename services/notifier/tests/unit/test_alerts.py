"""What an officer reads, and how the WeChat Work robot's answers are understood."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from notifier.adapters.channels import OutgoingMessage, WeComRobotChannel
from notifier.domain.messages import (
    alerts_for_case_opened,
    case_awaiting_notice,
    case_compared_notice,
    case_decided_notice,
    format_due,
)
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import (
    CaseAwaitingV1,
    CaseComparedV1,
    CaseDecidedV1,
    CaseOpenedV1,
    ClockV1,
    SignalV1,
)

TZ = ZoneInfo("Asia/Shanghai")
# The case and household every event here is about (a case event's common fields).
PLACE: dict[str, Any] = {
    "case_id": uuid.UUID(int=1),
    "case_number": "SW-20261123-000001",
    "household_id": uuid.UUID(int=2),
    "region_code": "532929101001",
    "village_name": "诺邓村",
    "township_name": "诺邓镇",
    "masked_name": "李**",
}
OPENED = CaseOpenedV1(
    **PLACE,
    household_number="5329291010010001",
    opened_at=datetime(2026, 11, 23, 10, tzinfo=TZ),
    signals=[
        SignalV1(
            warning_id=uuid.UUID(int=3),
            agency_code="civil_affairs",
            signal_type="new_dibao",
            occurred_on=date(2026, 11, 20),
        )
    ],
    clocks=[
        ClockV1(
            clock_id=uuid.UUID(int=4),
            kind="accept",
            rule="same_working_day",
            started_at=datetime(2026, 11, 23, 10, tzinfo=TZ),
            due_at=datetime(2026, 11, 24, tzinfo=TZ),
        )
    ],
)


def test_new_case_alert_goes_to_the_township_group_and_says_what_is_due() -> None:
    (alert,) = alerts_for_case_opened(
        OPENED, event_id=uuid.UUID(int=9), channel="wecom_robot", catalogue=load_catalogue(), tz=TZ
    )
    assert alert.recipient == "township:532929101"
    assert "SW-20261123-000001" in alert.text
    assert "诺邓镇诺邓村 李**户" in alert.text
    assert "县民政局·新纳入农村低保" in alert.text
    assert "请于11月23日24:00前受理" in alert.text
    assert "李玉兰" not in alert.text


def test_delivery_key_is_one_per_event_recipient_and_channel() -> None:
    catalogue = load_catalogue()
    a = alerts_for_case_opened(
        OPENED, event_id=uuid.UUID(int=9), channel="log", catalogue=catalogue, tz=TZ
    )[0]
    b = alerts_for_case_opened(
        OPENED, event_id=uuid.UUID(int=9), channel="log", catalogue=catalogue, tz=TZ
    )[0]
    c = alerts_for_case_opened(
        OPENED, event_id=uuid.UUID(int=9), channel="wecom_robot", catalogue=catalogue, tz=TZ
    )[0]
    assert a.delivery_key == b.delivery_key != c.delivery_key


def test_due_times_read_naturally() -> None:
    assert format_due(datetime(2026, 11, 24, tzinfo=TZ), TZ) == "11月23日24:00"
    assert format_due(datetime(2026, 11, 24, 17, 30, tzinfo=TZ), TZ) == "11月24日17:30"


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"errcode": 0, "errmsg": "ok"}, "sent"),
        ({"errcode": 45009, "errmsg": "api freq out of limit"}, "retry"),
        ({"errcode": 93000, "errmsg": "invalid webhook url"}, "failed"),
    ],
)
async def test_robot_answers(answer: dict[str, object], status: str) -> None:
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        channel = WeComRobotChannel(client, "https://robot.example/cgi-bin/webhook/send", "K1")
        result = await channel.send("township:532929101", OutgoingMessage("hello"))
    assert result.status == status
    assert seen[0].url.params["key"] == "K1"
    assert json.loads(seen[0].content) == {"msgtype": "markdown", "markdown": {"content": "hello"}}


async def test_robot_server_error_is_retried() -> None:
    transport = httpx.MockTransport(lambda _r: httpx.Response(502))
    async with httpx.AsyncClient(transport=transport) as client:
        robot = WeComRobotChannel(client, "https://robot.example/send", "K")
        result = await robot.send("x", OutgoingMessage("y"))
    assert result.status == "retry"


def _decided(decision: str, clocks: list[ClockV1]) -> CaseDecidedV1:
    return CaseDecidedV1(
        **PLACE,
        decision=decision,
        monitor_type="突发严重困难户" if decision == "included" else None,
        decided_at=datetime(2026, 12, 7, 10, tzinfo=TZ),
        warning_ids=[uuid.UUID(int=3)],
        clocks=clocks,
    )


def test_the_countys_decision_tells_the_township_what_is_due_next() -> None:
    def clock(kind: str, rule: str, due: datetime) -> ClockV1:
        start = datetime(2026, 12, 7, 10, tzinfo=TZ)
        return ClockV1(clock_id=uuid.uuid4(), kind=kind, rule=rule, started_at=start, due_at=due)

    included = case_decided_notice(
        _decided(
            "included",
            [
                clock("help", "calendar_month:1", datetime(2027, 1, 8, tzinfo=TZ)),
                clock("officer", "calendar_days:10", datetime(2026, 12, 18, tzinfo=TZ)),
                clock("plan", "calendar_days:10", datetime(2026, 12, 18, tzinfo=TZ)),
            ],
        ),
        TZ,
    )
    assert included.text == (
        "【守望】案件 SW-20261123-000001（诺邓镇诺邓村 李**户）县级审批纳入监测（突发严重困难户）。"
        "请于12月17日24:00前明确帮扶责任人；12月17日24:00前制定帮扶计划；1月7日24:00前落实帮扶。"
    )
    assert (included.rule, included.template) == ("case_decided", "case_decided")
    assert included.params == {
        "case": "SW-20261123-000001",
        "decision": "纳入监测（突发严重困难户）",
        "due": "12月17日24:00",
    }
    dismissed = case_decided_notice(_decided("dismissed", []), TZ)
    assert dismissed.text.endswith("县级审批不予纳入，请向农户说明理由。")
    assert dismissed.params["decision"] == "不予纳入" and "户主" not in dismissed.text


def test_the_comparisons_results_tell_the_village_when_the_visit_is_due() -> None:
    """seeds/000 二、三: the township passes the results to the village, whose home visit is
    then due within 3 working days; a household visited already goes on to the assessment."""

    def compared(clocks: list[ClockV1], *, visited: bool = False) -> CaseComparedV1:
        return CaseComparedV1(
            **PLACE,
            compared_at=datetime(2026, 11, 25, 10, tzinfo=TZ),
            visited=visited,
            clocks=clocks,
        )

    visit = ClockV1(
        clock_id=uuid.UUID(int=9),
        kind="visit",
        rule="working_days:3",
        started_at=datetime(2026, 11, 25, 10, tzinfo=TZ),
        due_at=datetime(2026, 11, 29, tzinfo=TZ),
    )
    due = case_compared_notice(compared([visit]), TZ)
    assert due.text == (
        "【守望】案件 SW-20261123-000001（诺邓镇诺邓村 李**户）信息比对结果已反馈，"
        "请于11月28日24:00前完成入户核查。"
    )
    assert (due.rule, due.template, due.region_code) == (
        "case_compared",
        "case_compared",
        "532929101001",
    )
    assert due.params == {"case": "SW-20261123-000001", "village": "诺邓村", "due": "11月28日24:00"}
    done = case_compared_notice(compared([], visited=True), TZ)
    assert done.text.endswith("信息比对结果已反馈，已入户核查，请组织民主评议。")


def test_a_step_handed_to_another_level_asks_it_to_act() -> None:
    event = CaseAwaitingV1(
        **PLACE,
        step="申报风险消除",
        status="risk_proposed",
        awaiting="township",
        next_step="乡镇初步验收",
        at=datetime(2027, 1, 12, 10, tzinfo=TZ),
    )
    notice = case_awaiting_notice(event)
    assert notice.text == (
        "【守望】案件 SW-20261123-000001（诺邓镇诺邓村 李**户）已申报风险消除，"
        "下一步：乡镇初步验收，请及时办理。"
    )
    assert (notice.rule, notice.template) == ("case_awaiting_township", "case_awaiting")
    assert notice.params == {
        "case": "SW-20261123-000001",
        "step": "申报风险消除",
        "next": "乡镇初步验收",
    }
