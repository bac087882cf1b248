"""Comparison requests pulled and answered by agencies; feed health of the monthly lists."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiokafka import AIOKafkaConsumer
from playwright.async_api import async_playwright
from shouwang_kit.auth import Officer
from shouwang_kit.messaging import make_producer
from shouwang_proto import Envelope, decode, encode
from shouwang_proto.events import ComparisonAnsweredV1, ComparisonRequestedV1, PersonRef
from shouwang_proto.topics import COMPARISONS, FEEDS

from tests.e2e.conftest import System, officer_token

pytestmark = pytest.mark.e2e
POLICE = {"X-Api-Key": "demo-public-security-key"}


async def _request(system: System, agency: str = "public_security") -> ComparisonRequestedV1:
    now = datetime.now(UTC)
    request = ComparisonRequestedV1(
        request_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        case_number="SW-20261123-009999",
        household_id=uuid.uuid4(),
        agency_code=agency,
        person=PersonRef(name="李玉兰", id_number="532929196803150024"),
        checks=["vehicle", "hukou"],
        requested_at=now,
        due_at=now + timedelta(days=2),
    )
    producer = make_producer(system.infra.bootstrap_servers)
    await producer.start()
    try:
        envelope = Envelope.wrap(
            request,
            id=uuid.uuid4(),
            time=now,
            source="test",
            subject=str(request.household_id),
            correlation_id=request.request_id,
        )
        await producer.send_and_wait(
            COMPARISONS.name, encode(envelope), key=envelope.subject.encode()
        )
    finally:
        await producer.stop()
    return request


async def test_an_agency_pulls_its_requests_and_its_answer_flows_back(system: System) -> None:
    request = await _request(system)
    base = f"{system.url('agency-gateway')}/v1/comparison-requests"
    async with asyncio.timeout(20):
        while True:
            items = (await system.http.get(base, headers=POLICE)).json()["items"]
            if any(i["request_id"] == str(request.request_id) for i in items):
                break
            await asyncio.sleep(0.2)
    others = (await system.http.get(base, headers={"X-Api-Key": "demo-water-key"})).json()
    assert all(i["request_id"] != str(request.request_id) for i in others["items"])

    url = f"{base}/{request.request_id}/result"
    partial = await system.http.post(
        url, json={"findings": [{"check": "vehicle", "found": True}]}, headers=POLICE
    )
    assert (partial.status_code, partial.json()["code"]) == (422, "comparison.checks_mismatch")
    answer = {
        "findings": [
            {"check": "vehicle", "found": True, "detail": "小型轿车，2019年登记"},
            {"check": "hukou", "found": False},
        ]
    }
    consumer = AIOKafkaConsumer(
        COMPARISONS.name,
        bootstrap_servers=system.infra.bootstrap_servers,
        group_id=f"test-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        first = await system.http.post(url, json=answer, headers=POLICE)
        again = await system.http.post(url, json=answer, headers=POLICE)
        assert first.status_code == again.status_code == 200
        assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
        changed = await system.http.post(
            url,
            json={"findings": [{**f, "found": True} for f in answer["findings"]]},
            headers=POLICE,
        )
        assert (changed.status_code, changed.json()["code"]) == (409, "comparison.already_answered")
        answers: list[ComparisonAnsweredV1] = []
        async with asyncio.timeout(20):
            while not answers:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = decode(record.value).parsed()
                        if (
                            isinstance(event, ComparisonAnsweredV1)
                            and event.request_id == request.request_id
                        ):
                            answers.append(event)
        (event,) = answers
        assert event.case_id == request.case_id
        assert [(f.check, f.found) for f in event.findings] == [("vehicle", True), ("hukou", False)]
    finally:
        await consumer.stop()
    wrong = await system.http.post(url, json=answer, headers={"X-Api-Key": "demo-water-key"})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "comparison.not_found")


async def test_feed_health_shows_each_agencys_list_for_last_month(system: System) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    today = datetime.now(tz).date()
    first_of_month = today.replace(day=1)
    period = f"{(first_of_month - timedelta(days=1)):%Y-%m}"
    upload = await system.post_batch(
        f"姓名,发生日期\n李玉兰,{period}-01\n".encode(),
        period=period,
        signal_type="drinking_water_unsafe",
        headers={"X-Api-Key": "demo-water-key"},
    )
    assert upload.status_code == 202, upload.text
    feed_health = f"{system.url('agency-gateway')}/v1/feed-health"
    health = (await system.http.get(feed_health)).json()  # as the county office
    # An agency's key or a village cadre's token is not enough; no token at all neither.
    cadre = Officer("cadre-nuodeng", "杨春梅", "village_cadre", "532929101001")
    for headers, status, code in (
        ({"Authorization": "", "X-Api-Key": "demo-water-key"}, 401, "auth.required"),
        ({"Authorization": f"Bearer {officer_token(cadre)}"}, 403, "role.forbidden"),
    ):
        answer = await system.http.get(feed_health, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert health["period"] == period
    states = {item["agency_code"]: item for item in health["items"]}
    assert set(states) >= {"civil_affairs", "medical_insurance", "housing", "water"}
    assert states["water"]["status"] == ("on_time" if today.day <= 10 else "late")
    assert states["water"]["received_on"] == today.isoformat()
    if today.day > 10:
        assert states["housing"]["status"] == "missing"
        consumer = AIOKafkaConsumer(
            FEEDS.name,
            bootstrap_servers=system.infra.bootstrap_servers,
            group_id=f"test-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            seen: set[str] = set()
            async with asyncio.timeout(20):
                while "housing" not in seen:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        seen.update(
                            decode(r.value).parsed().model_dump()["agency_code"] for r in records
                        )
        finally:
            await consumer.stop()
    else:
        assert states["housing"]["status"] == "pending"


async def test_accepting_a_case_asks_the_comparing_agencies_about_its_members(
    system: System,
) -> None:
    """受理 → 信息比对: casework asks 公安 (户籍, vehicles), 市场监管 and 财政 about each member
    of the household, due with the case's 2-working-day comparison clock (nothing asked them
    before: the exchange only ever saw requests a test put on Kafka)."""
    household = await system.new_household(like=2)  # in 天池村, a case of its own
    person = household["members"][0]
    answer = await system.post_warning(
        {
            "signal_type": "temporary_assistance",
            "occurred_on": "2026-11-25",
            "person": {"name": person["name"], "id_number": person["id_number"]},
        }
    )
    case = await system.case_for(household["household_id"], answer.json()["warning_id"])
    cases = f"{system.url('casework')}/v1/cases"
    accepted = await system.http.post(f"{cases}/{case['case_id']}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    detail = (await system.http.get(f"{cases}/{case['case_id']}")).json()
    compare = next(c for c in detail["clocks"] if c["kind"] == "compare")
    base = f"{system.url('agency-gateway')}/v1/comparison-requests"
    async with asyncio.timeout(20):
        while True:
            items = (await system.http.get(base, headers=POLICE)).json()["items"]
            mine = [i for i in items if i["case_number"] == case["case_number"]]
            if len(mine) == len(household["members"]):
                break
            await asyncio.sleep(0.2)
    assert sorted(i["person"]["name"] for i in mine) == sorted(
        m["name"] for m in household["members"]
    )
    assert all(i["checks"] == ["hukou", "vehicle"] for i in mine)
    assert {datetime.fromisoformat(i["due_at"]) for i in mine} == {
        datetime.fromisoformat(compare["due_at"])
    }
    trail = (await system.http.get(f"{cases}/{case['case_id']}")).json()["actions"]
    (sent,) = [a for a in trail if a["action"] == "comparison_requested"]
    assert sent["reason"].startswith("已向") and "公安" in sent["reason"]
    water = (await system.http.get(base, headers={"X-Api-Key": "demo-water-key"})).json()
    assert all(i["case_number"] != case["case_number"] for i in water["items"])  # 水务 checks none
    finance = (await system.http.get(base, headers={"X-Api-Key": "demo-finance-key"})).json()
    asked = [i["checks"] for i in finance["items"] if i["case_number"] == case["case_number"]]
    assert asked == [["public_servant"]] * len(household["members"])  # 财政供养人员
    # 公安 answers one member's request: the answer is on the case for the township to read.
    answered = await system.http.post(
        f"{base}/{mine[0]['request_id']}/result",
        json={
            "findings": [
                {"check": "hukou", "found": True, "detail": "户籍在本村"},
                {"check": "vehicle", "found": False},
            ]
        },
        headers=POLICE,
    )
    assert answered.status_code == 200, answered.text
    async with asyncio.timeout(20):
        while True:
            trail = (await system.http.get(f"{cases}/{case['case_id']}")).json()["actions"]
            said = [a["reason"] for a in trail if a["action"] == "comparison_answered"]
            if said:
                break
            await asyncio.sleep(0.2)
    assert said == ["户籍信息 有（户籍在本村）；家庭成员名下车辆 无"]
    (answer,) = [a for a in trail if a["action"] == "comparison_answered"]
    assert answer["actor"] == "agency:public_security"
    # The township's 录入比对结果 form on the case page starts from the answers.
    console = system.url("console")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page()
        await page.goto(f"{console}/login")
        await page.fill("#officer_id", "town-nuodeng")
        await page.fill("#password", "demo-town-nuodeng")
        await page.click("#submit")
        await page.wait_for_selector("#queue")
        await page.goto(f"{console}/cases/{case['case_id']}")
        assert await page.input_value("#record_comparison-findings") == (
            "县公安局：户籍信息 有（户籍在本村）；家庭成员名下车辆 无"
        )
        await browser.close()
