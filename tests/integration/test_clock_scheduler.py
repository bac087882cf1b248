"""The clock scheduler on a real PostgreSQL: a breach is alerted once and escalates once per
level even with two scheduler instances running at the same moment."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from casework.adapters.calendar_source import published_calendar
from casework.adapters.tables import cases, clocks, outbox
from casework.app.clocks import Escalation, run_clocks
from casework.bootstrap import MIGRATIONS, SCHEMA
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import Outbox
from shouwang_kit.migrations import upgrade
from sqlalchemy import select

from tests.conftest import Infra, private_database

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")


async def test_two_schedulers_alert_and_escalate_exactly_once(infra: Infra) -> None:
    url = await private_database(infra, "clocks")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    case_id, opened = uuid.uuid4(), datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday
    due = datetime(2026, 11, 24, 0, 0, tzinfo=TZ)  # end of Monday
    try:
        async with sessions() as session, session.begin():
            await session.execute(
                cases.insert().values(
                    case_id=case_id,
                    case_number="SW-TEST-1",
                    household_id=uuid.uuid4(),
                    household_number="H-1",
                    region_code="532929101001",
                    village_name="诺邓村",
                    township_name="诺邓镇",
                    masked_name="李*",
                    status="awaiting_acceptance",
                    is_open=True,
                    opened_at=opened,
                )
            )
            await session.execute(
                clocks.insert().values(
                    clock_id=uuid.uuid4(),
                    case_id=case_id,
                    kind="accept",
                    rule="same_working_day",
                    state="running",
                    started_at=opened,
                    due_at=due,
                    provisional=False,
                )
            )

        async def instance(now: datetime) -> dict[str, int]:
            async with sessions() as session, session.begin():
                return await run_clocks(
                    session,
                    Outbox(outbox, session),
                    now=now,
                    calendar=published_calendar(),
                    tz=TZ,
                    due_soon_window=timedelta(hours=4),
                    escalation=Escalation(((1, 1), (3, 2))),
                    new_id=uuid.uuid4,
                )

        moments = [
            due - timedelta(hours=2),  # due soon
            due + timedelta(minutes=5),  # breached
            datetime(2026, 11, 25, 9, 0, tzinfo=TZ),  # +1 working day: township lead
            datetime(2026, 11, 26, 9, 0, tzinfo=TZ),  # +2: nothing new
            datetime(2026, 11, 30, 9, 0, tzinfo=TZ),  # +4 (weekend skipped): county office
            datetime(2026, 12, 1, 9, 0, tzinfo=TZ),  # nothing new
        ]
        for moment in moments:
            await asyncio.gather(instance(moment), instance(moment))  # two instances at once
        async with sessions() as session:
            values = (await session.scalars(select(outbox.c.value).order_by(outbox.c.seq))).all()
        alerts = [json.loads(v)["payload"] for v in values]
        assert [(a["alert"], a["level"]) for a in alerts] == [
            ("due_soon", 0),
            ("breached", 0),
            ("escalated", 1),
            ("escalated", 2),
        ]
        assert alerts[-1]["working_days_late"] == 4
        assert all(a["case_number"] == "SW-TEST-1" and a["masked_name"] == "李*" for a in alerts)
    finally:
        await engine.dispose()
