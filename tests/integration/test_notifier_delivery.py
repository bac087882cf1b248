"""Notifier deliveries on a real PostgreSQL against local provider fakes that check signatures:
no duplicate on a replayed event or after a crash mid-batch, retries, failover, quiet hours,
delivery reports."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from notifier.adapters.channels import Channel
from notifier.adapters.providers import AliyunSmsChannel, TencentSmsChannel, WeComAppChannel
from notifier.adapters.tables import deliveries
from notifier.app.deliveries import Routing, dispatch_pending, mark_delivered, record_alerts, replay
from notifier.bootstrap import MIGRATIONS, SCHEMA
from notifier.domain.routing import DEFAULT_RULES, OfficerContact, QuietHours
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.migrations import upgrade
from shouwang_proto import Envelope
from shouwang_proto.events import CaseOpenedV1, ClockV1, SignalV1
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Infra, private_database
from tests.fakes.sms_providers import FakeAliyun, FakeTencent, FakeWeComApp, serve

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")
VILLAGE = "532929101001"
DAY = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)


@dataclass
class Rig:
    sessions: async_sessionmaker[AsyncSession]
    channels: dict[str, Channel]
    aliyun: FakeAliyun
    tencent: FakeTencent
    wecom: FakeWeComApp
    routing: Routing


@pytest.fixture
async def rig(infra: Infra) -> AsyncIterator[Rig]:
    url = await private_database(infra, "notify")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    engine = make_engine(url)
    aliyun, tencent, wecom = FakeAliyun(), FakeTencent(), FakeWeComApp()
    async with (
        serve(aliyun.app()) as aliyun_url,
        serve(tencent.app()) as tencent_url,
        serve(wecom.app()) as wecom_url,
        httpx.AsyncClient(timeout=2) as client,
    ):
        channels: dict[str, Channel] = {
            "sms_aliyun": AliyunSmsChannel(
                client,
                base_url=aliyun_url,
                access_key_id=aliyun.access_key_id,
                access_key_secret=aliyun.access_key_secret,
                sign_name="守望",
                templates={"case_opened": "SMS_1", "digest": "SMS_9"},
            ),
            "sms_tencent": TencentSmsChannel(
                client,
                base_url=tencent_url,
                secret_id=tencent.secret_id,
                secret_key=tencent.secret_key,
                sdk_app_id="1400000001",
                sign_name="守望",
                templates={"case_opened": "100001"},
            ),
            "wecom_app": WeComAppChannel(
                client,
                base_url=wecom_url,
                corp_id=wecom.corp_id,
                corp_secret=wecom.corp_secret,
                agent_id=wecom.agent_id,
            ),
        }
        directory = (
            OfficerContact(
                "cadre",
                "杨",
                "village_cadre",
                VILLAGE,
                "13900000001",
                "yang",
                ("sms_aliyun", "wecom_app"),
            ),
            OfficerContact(
                "town",
                "段",
                "township_officer",
                "532929101000",
                "13900000003",
                "duan",
                ("sms_tencent",),
            ),
        )
        routing = Routing(
            directory=directory,
            rules={r.event: r for r in DEFAULT_RULES},
            enabled=tuple(channels),
            quiet=QuietHours(tz=TZ),
            county_code="532929000000",
            group_channel="",
        )
        yield Rig(make_sessionmaker(engine), channels, aliyun, tencent, wecom, routing)
    await engine.dispose()


def _case_opened(at: datetime) -> Envelope:
    case_id = uuid.uuid4()
    event = CaseOpenedV1(
        case_id=case_id,
        case_number="YJ-20261124-0001",
        household_id=uuid.uuid4(),
        household_number="5329291010010001",
        region_code=VILLAGE,
        village_name="诺邓村",
        township_name="诺邓镇",
        masked_name="李*",
        opened_at=at,
        signals=[
            SignalV1(
                warning_id=uuid.uuid4(),
                agency_code="civil_affairs",
                signal_type="new_dibao",
                occurred_on=at.date(),
            )
        ],
        clocks=[
            ClockV1(
                clock_id=uuid.uuid4(),
                kind="accept",
                rule="same_working_day",
                started_at=at,
                due_at=at.replace(hour=23, minute=59),
            )
        ],
    )
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        time=at,
        source="casework",
        subject=str(case_id),
        correlation_id=uuid.uuid4(),
    )


async def _record(rig: Rig, envelope: Envelope, now: datetime) -> int:
    async with rig.sessions() as session, session.begin():
        return await record_alerts(envelope, session=session, routing=rig.routing, tz=TZ, now=now)


async def _dispatch(rig: Rig, now: datetime) -> int:
    return await dispatch_pending(
        sessions=rig.sessions,
        channels=rig.channels,
        now=now,
        max_attempts=3,
        quiet=rig.routing.quiet,
    )


async def _rows(rig: Rig) -> list[tuple[str, str, str | None]]:
    async with rig.sessions() as session:
        rows = (
            await session.execute(
                select(deliveries.c.officer_id, deliveries.c.channel, deliveries.c.status).order_by(
                    deliveries.c.created_at, deliveries.c.channel
                )
            )
        ).all()
    return [(r.officer_id, r.channel, r.status) for r in rows]


async def test_a_replayed_event_sends_nothing_twice(rig: Rig) -> None:
    envelope = _case_opened(DAY)
    assert await _record(rig, envelope, DAY) == 2
    assert await _record(rig, envelope, DAY) == 0  # the same event again
    await _dispatch(rig, DAY)
    await _dispatch(rig, DAY)
    assert len(rig.aliyun.sent) == 1 and len(rig.tencent.sent) == 1
    assert "李*" not in rig.aliyun.sent[0]["TemplateParam"]  # templates carry no name at all
    assert sorted(await _rows(rig)) == [
        ("cadre", "sms_aliyun", "sent"),
        ("town", "sms_tencent", "sent"),
    ]


async def test_transient_errors_retry_with_backoff(rig: Rig) -> None:
    rig.aliyun.script.queue = ["limit", "5xx"]
    await _record(rig, _case_opened(DAY), DAY)
    await _dispatch(rig, DAY)
    assert rig.aliyun.sent == []
    await _dispatch(rig, DAY + timedelta(seconds=1))  # not due yet: nothing sent
    assert rig.aliyun.sent == []
    await _dispatch(rig, DAY + timedelta(minutes=1))
    await _dispatch(rig, DAY + timedelta(minutes=5))
    assert len(rig.aliyun.sent) == 1
    assert ("cadre", "sms_aliyun", "sent") in await _rows(rig)


async def test_a_permanent_error_fails_over_to_the_next_channel(rig: Rig) -> None:
    rig.aliyun.script.queue = ["bad_number"]
    await _record(rig, _case_opened(DAY), DAY)
    await _dispatch(rig, DAY)
    await _dispatch(rig, DAY)
    rows = await _rows(rig)
    assert ("cadre", "sms_aliyun", "failed") in rows
    assert ("cadre", "wecom_app", "sent") in rows
    assert [m["touser"] for m in rig.wecom.sent] == ["yang"]


async def test_quiet_hours_hold_sms_until_morning(rig: Rig) -> None:
    night = datetime(2026, 11, 24, 23, 0, tzinfo=TZ)
    await _record(rig, _case_opened(night), night)
    await _dispatch(rig, night)
    assert rig.aliyun.sent == [] and rig.tencent.sent == []
    morning = datetime(2026, 11, 25, 7, 0, 1, tzinfo=TZ)
    await _dispatch(rig, morning)
    assert len(rig.aliyun.sent) == 1 and len(rig.tencent.sent) == 1


async def test_a_crash_mid_batch_never_resends_but_an_operator_can(rig: Rig) -> None:
    await _record(rig, _case_opened(DAY), DAY)
    async with rig.sessions() as session, session.begin():  # a dispatcher claimed, then died
        await session.execute(
            update(deliveries).values(status="sending", claimed_at=DAY - timedelta(minutes=10))
        )
    await _dispatch(rig, DAY)
    assert rig.aliyun.sent == [] and rig.tencent.sent == []
    statuses = {status for _o, _c, status in await _rows(rig)}
    assert statuses == {"unknown"}
    async with rig.sessions() as session, session.begin():
        key = await session.scalar(
            select(deliveries.c.delivery_key).where(deliveries.c.channel == "sms_aliyun")
        )
        assert key is not None and await replay(session, key, DAY)
    await _dispatch(rig, DAY)
    assert len(rig.aliyun.sent) == 1 and rig.tencent.sent == []


async def test_delivery_reports_update_the_status(rig: Rig) -> None:
    await _record(rig, _case_opened(DAY), DAY)
    await _dispatch(rig, DAY)
    tencent = rig.channels["sms_tencent"]
    assert isinstance(tencent, TencentSmsChannel)
    reports = await tencent.delivery_reports()
    async with rig.sessions() as session, session.begin():
        for serial, state in reports:
            await mark_delivered(session, serial, state, DAY)
    assert ("town", "sms_tencent", "delivered") in await _rows(rig)


async def test_the_daily_digest_is_one_message_per_officer_once_a_day(rig: Rig) -> None:
    def case(number: str, kind: str, due: datetime, state: str) -> dict[str, object]:
        return {
            "case_number": number,
            "village_name": "诺邓村",
            "masked_name": "李*",
            "clocks": [{"kind": kind, "due_at": due.isoformat(), "state": state}],
        }

    open_cases = [
        case("SW-1", "accept", DAY - timedelta(days=1), "breached"),
        case("SW-2", "compare", DAY + timedelta(hours=20), "running"),
        case("SW-3", "plan", DAY + timedelta(days=9), "running"),  # not due yet: left out
    ]
    asked: list[str] = []

    async def fetch(region: str) -> list[dict[str, object]]:
        asked.append(region)
        return open_cases if region == VILLAGE else []

    morning = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)
    for _ in range(2):  # the job runs again (another instance, a restart): nothing twice
        async with rig.sessions() as session, session.begin():
            from notifier.app.deliveries import record_digests

            await record_digests(
                session=session, routing=rig.routing, fetch_cases=fetch, tz=TZ, now=morning
            )
    await _dispatch(rig, morning)
    assert len(rig.aliyun.sent) == 1  # the village cadre's digest (the township had none)
    async with rig.sessions() as session:
        text = await session.scalar(select(deliveries.c.message))
    assert text is not None and "超时1件，即将到期1件" in text
    assert "SW-1" in text and "SW-2" in text and "SW-3" not in text
    assert VILLAGE in asked
