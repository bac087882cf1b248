"""Casework's set-based consumer on real Kafka and PostgreSQL: a poll that mixes new
households, joins and repeats gives exactly the right cases, signals, trail, audit entries and
outbox events; two instances fed the same households concurrently open one case each."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from casework.adapters.calendar_source import CalendarCache, published_calendar
from casework.adapters.tables import SCHEMA, inbox, outbox
from casework.app.audit import verify_audit
from casework.bootstrap import MIGRATIONS
from casework.domain.risk_elimination import RiskRules
from casework.entrypoints.consumer import outcomes_batch_handler, outcomes_handler
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import InboxConsumer, make_producer
from shouwang_kit.migrations import upgrade
from shouwang_proto import decode, encode_event
from shouwang_proto.events import (
    CaseOpenedV1,
    CaseSignalAttachedV1,
    PersonRef,
    WarningMatchedV1,
    WarningReceivedV1,
)
from shouwang_proto.topics import Topic
from shouwang_stack.kafka import create_topics
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Infra, fetch_rows, private_database

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23, 10:00 in Beijing: the acceptance clock is due at the end of that day.
RECEIVED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


SIGNALS = {"civil_affairs": "new_dibao", "medical_insurance": "high_out_of_pocket"}


def matched(household: uuid.UUID, agency: str, *, warning_id: uuid.UUID | None = None) -> bytes:
    """A warning.matched event (a fresh message id each call); agency `cadre_visit`: a cadre's
    screening visit in intake."""
    warning = WarningReceivedV1(
        warning_id=warning_id or uuid.uuid4(),
        agency_code=agency,
        source_kind="cadre_visit" if agency == "cadre_visit" else "agency",
        signal_type=SIGNALS.get(agency, "water"),
        occurred_on=date(2026, 11, 20),
        person=PersonRef(name="李玉兰"),
        received_at=RECEIVED,
    )
    payload = WarningMatchedV1(
        warning=warning,
        household_id=household,
        household_number=f"H-{household.hex[:8]}",
        person_id=uuid.uuid4(),
        region_code="532929101001",
        village_name="诺邓村",
        township_name="诺邓镇",
        masked_name="李*",
        method="exact_id",
        score=1.0,
        reasons=["id_number:exact"],
    )
    return encode_event(
        payload,
        id=uuid.uuid4(),
        time=RECEIVED,
        source="matching",
        subject=str(household),
        correlation_id=warning.warning_id,
    )


class Casework:
    """Casework's schema in a database of its own, and consumers of private topics."""

    def __init__(self, infra: Infra, url: str, *, inbox_rows: bool) -> None:
        self.infra = infra
        self.inbox_rows = inbox_rows
        self.url = url
        self.engine = make_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self.calendars = CalendarCache()

    def consumer(self, name: str, topic: str, producer: AIOKafkaProducer) -> InboxConsumer:
        return InboxConsumer(
            name=name,
            topics=[topic],
            handler=outcomes_handler(self.calendars, TZ, "SW"),
            batch_handler=outcomes_batch_handler(self.calendars, TZ, "SW"),
            bootstrap_servers=self.infra.bootstrap_servers,
            sessions=self.sessions,
            inbox=inbox,
            outbox=outbox,
            producer=producer,
            max_attempts=5,
            # As the service runs it: the handler makes repeats no-ops (no inbox rows).
            handler_deduplicates=not self.inbox_rows,
        )

    async def fetch(self, sql: str) -> list[asyncpg.Record]:
        return await fetch_rows(self.url, sql)

    async def wait_for_consumed(
        self, group: str, topic: str, count: int, timeout: float = 60
    ) -> None:
        """Until the group has committed `count` records of the topic (all it was sent, from
        offset 0), each committed in the database before its offset."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.bootstrap_servers)
        await admin.start()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    offsets = await admin.list_consumer_group_offsets(group)
                    done = sum(max(o.offset, 0) for tp, o in offsets.items() if tp.topic == topic)
                    if done >= count:
                        return
                    await asyncio.sleep(0.1)
        finally:
            await admin.close()


@pytest.fixture(params=["handler", "inbox"], ids=["repeats-by-handler", "repeats-by-inbox"])
async def casework(infra: Infra, request: pytest.FixtureRequest) -> AsyncIterator[Casework]:
    url = await private_database(infra, "casework_batches")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    service = Casework(infra, url, inbox_rows=request.param == "inbox")
    yield service
    await service.engine.dispose()


async def private_topic(infra: Infra) -> str:
    topic = Topic(name=f"it.cw.{uuid.uuid4().hex[:8]}", description="", key="", events=())
    await create_topics(infra.bootstrap_servers, (topic,))
    return topic.name


@contextlib.asynccontextmanager
async def running(consumer: InboxConsumer) -> AsyncIterator[None]:
    await consumer.start()
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


async def send_all(producer: AIOKafkaProducer, topic: str, values: list[bytes]) -> None:
    for value in values:
        await producer.send(topic, value, key=decode(value).subject.encode())
    await producer.flush()


async def two_polls(
    infra: Infra, casework: Casework, first: list[bytes], then: list[bytes]
) -> None:
    """`first` consumed (committed), then `then`, through one casework consumer."""
    topic = await private_topic(infra)
    producer = make_producer(infra.bootstrap_servers)
    await producer.start()
    try:
        consumer = casework.consumer("casework.outcomes", topic, producer)
        async with running(consumer):
            await send_all(producer, topic, first)
            await casework.wait_for_consumed("casework.outcomes", topic, len(first))
            await send_all(producer, topic, then)
            await casework.wait_for_consumed("casework.outcomes", topic, len(first) + len(then))
    finally:
        await producer.stop()


async def test_a_poll_mixing_new_households_joins_and_repeats(
    infra: Infra, casework: Casework
) -> None:
    earlier, new_twice, new_once = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    again = uuid.uuid4()
    repeated = matched(new_once, "civil_affairs", warning_id=again)
    await two_polls(
        infra,
        casework,
        [matched(earlier, "civil_affairs")],  # an earlier poll opens a case for `earlier`
        [
            matched(earlier, "medical_insurance"),  # joins the earlier case
            matched(new_twice, "civil_affairs"),  # opens
            matched(new_twice, "medical_insurance"),  # joins it, in the same poll
            repeated,
            repeated,  # the same message id again: a no-op
            matched(new_once, "civil_affairs", warning_id=again),  # same warning, new id
        ],
    )

    inboxed = (await casework.fetch(f"SELECT count(*) FROM {SCHEMA}.inbox"))[0][0]
    assert inboxed == (1 + 5 if casework.inbox_rows else 0)  # the repeated id recorded once

    cases = await casework.fetch(
        f"SELECT household_id, case_id, case_number, status, is_open FROM {SCHEMA}.cases"
    )
    by_home = {r["household_id"]: r for r in cases}
    assert len(cases) == 3 and set(by_home) == {earlier, new_twice, new_once}
    assert all(r["is_open"] and r["status"] == "awaiting_acceptance" for r in cases)
    assert len({r["case_number"] for r in cases}) == 3

    signals = await casework.fetch(f"SELECT case_id FROM {SCHEMA}.signals")
    per_case = {r["case_id"]: 0 for r in cases}
    for s in signals:
        per_case[s["case_id"]] += 1
    assert sorted(per_case[by_home[h]["case_id"]] for h in (earlier, new_twice, new_once)) == [
        1,
        2,
        2,
    ]
    assert per_case[by_home[new_once]["case_id"]] == 1

    clocks = await casework.fetch(f"SELECT case_id, kind, state, due_at FROM {SCHEMA}.clocks")
    assert sorted(c["case_id"] for c in clocks) == sorted(r["case_id"] for r in cases)
    end_of_monday = datetime(2026, 11, 24, 0, 0, tzinfo=TZ)
    assert {(c["kind"], c["state"], c["due_at"]) for c in clocks} == {
        ("accept", "running", end_of_monday)
    }

    trail = await casework.fetch(f"SELECT action FROM {SCHEMA}.actions ORDER BY seq")
    assert sorted(a["action"] for a in trail) == ["opened"] * 3 + ["signal_attached"] * 2

    audit = await casework.fetch(f"SELECT action, subject FROM {SCHEMA}.audit_log ORDER BY seq")
    assert sorted(a["action"] for a in audit) == ["opened"] * 3 + ["signal_attached"] * 2
    async with casework.sessions() as session:
        assert await verify_audit(session) == (5, None)

    events = [
        decode(r["value"])
        for r in await casework.fetch(f"SELECT value FROM {SCHEMA}.outbox ORDER BY seq")
    ]
    assert len(events) == 5
    payloads = [e.parsed() for e in events]
    opened = [p for p in payloads if isinstance(p, CaseOpenedV1)]
    attached = [p for p in payloads if isinstance(p, CaseSignalAttachedV1)]
    assert len(opened) == 3 and len(attached) == 2
    assert {p.household_id for p in opened} == {earlier, new_twice, new_once}
    assert sorted(str(p.household_id) for p in attached) == sorted([str(earlier), str(new_twice)])
    for event in opened:
        row = by_home[event.household_id]
        assert (event.case_id, event.case_number) == (row["case_id"], row["case_number"])
        assert event.clocks[0].due_at == end_of_monday
    for attachment in attached:
        assert attachment.case_id == by_home[attachment.household_id]["case_id"]
    assert all(e.source == "casework" and e.causation_id for e in events)


async def test_a_screening_warning_starts_the_same_day_visit_clock_once_per_case(
    infra: Infra, casework: Casework
) -> None:
    """主动排查 (seeds/000 三): a cadre's screening warning gives the household's case a visit
    clock due with the day's acceptance — on a case it opens, on one an agency's warning opened
    earlier or in the same poll — and only one, however many screening warnings come."""
    earlier, together, screened = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await two_polls(
        infra,
        casework,
        [matched(earlier, "civil_affairs")],
        [
            matched(earlier, "cadre_visit"),  # joins the case an agency opened before
            matched(together, "civil_affairs"),  # opens
            matched(together, "cadre_visit"),  # joins it in the same poll
            matched(screened, "cadre_visit"),  # opens, with its visit clock
            matched(screened, "cadre_visit"),  # a second finding: no second clock
        ],
    )
    homes = {
        r["case_id"]: r["household_id"]
        for r in await casework.fetch(f"SELECT case_id, household_id FROM {SCHEMA}.cases")
    }
    clocks = await casework.fetch(f"SELECT case_id, kind, rule, due_at FROM {SCHEMA}.clocks")
    end_of_monday = datetime(2026, 11, 24, 0, 0, tzinfo=TZ)
    kinds: dict[uuid.UUID, list[str]] = {}
    for c in clocks:
        kinds.setdefault(homes[c["case_id"]], []).append(c["kind"])
        assert (c["rule"], c["due_at"]) == ("same_working_day", end_of_monday)
    assert {h: sorted(k) for h, k in kinds.items()} == {
        home: ["accept", "visit"] for home in (earlier, together, screened)
    }


async def test_two_instances_fed_the_same_households_open_one_case_each(
    infra: Infra, casework: Casework
) -> None:
    homes = [uuid.uuid4() for _ in range(40)]
    topics = [await private_topic(infra), await private_topic(infra)]
    producer = make_producer(infra.bootstrap_servers)
    await producer.start()
    try:
        # Each instance gets three warnings for every household (as while a rebalance
        # hands a partition over): they race to open the same cases.
        for topic, agency in zip(topics, ["civil_affairs", "medical_insurance"], strict=True):
            await send_all(producer, topic, [matched(h, agency) for h in homes for _ in range(3)])
        first = casework.consumer("casework.a", topics[0], producer)
        second = casework.consumer("casework.b", topics[1], producer)
        async with running(first), running(second):
            for group, topic in zip(("casework.a", "casework.b"), topics, strict=True):
                await casework.wait_for_consumed(group, topic, 3 * len(homes), timeout=120)
    finally:
        await producer.stop()

    cases = await casework.fetch(f"SELECT household_id, is_open FROM {SCHEMA}.cases")
    assert sorted(r["household_id"] for r in cases) == sorted(homes)
    assert (await casework.fetch(f"SELECT count(*) FROM {SCHEMA}.signals"))[0][0] == 240
    assert (await casework.fetch(f"SELECT count(*) FROM {SCHEMA}.clocks"))[0][0] == 40
    async with casework.sessions() as session:
        assert await verify_audit(session) == (240, None)
    kinds = await casework.fetch(
        f"SELECT count(*) FILTER (WHERE value LIKE '%\"case.opened\"%') FROM {SCHEMA}.outbox"
    )
    assert kinds[0][0] == 40


async def test_one_record_alone_starts_the_screening_visit_clock_too(casework: Casework) -> None:
    """The path a record takes alone (a batch failed, it is retried by itself) does the same."""
    from casework.app.intake_signal import handle_matched_warning
    from shouwang_kit.messaging import Outbox

    household = uuid.uuid4()
    calendar = published_calendar()
    for agency in ("civil_affairs", "cadre_visit", "cadre_visit"):
        async with casework.sessions() as session, session.begin():
            await handle_matched_warning(
                decode(matched(household, agency)),
                session=session,
                outbox=Outbox(outbox, session),
                calendar=calendar,
                tz=TZ,
                number_prefix="SW",
                now=RECEIVED,
                new_id=uuid.uuid4,
            )
    clocks = await casework.fetch(f"SELECT kind, due_at FROM {SCHEMA}.clocks ORDER BY kind")
    end_of_monday = datetime(2026, 11, 24, 0, 0, tzinfo=TZ)
    assert [(c["kind"], c["due_at"]) for c in clocks] == [
        ("accept", end_of_monday),
        ("visit", end_of_monday),
    ]


@pytest.mark.parametrize("path", ["poll", "one record"])
async def test_a_screening_brings_forward_a_visit_already_due_later(
    casework: Casework, path: str
) -> None:
    """A case past its comparison has 3 working days for the home visit; a cadre's screening
    finding the household then is to be verified that same day (seeds/000 三): the running
    visit clock is brought forward to the day's end — once, and never put back."""
    from casework.app.actions import apply_action
    from casework.app.intake_signal import handle_matched_batch, handle_matched_warning
    from shouwang_kit.auth import Officer
    from shouwang_kit.messaging import Outbox

    household = uuid.uuid4()
    calendar = published_calendar()
    officer = Officer("t-1", "乡镇干部", "township_officer", "532929101000")

    async def consume(agency: str) -> None:
        envelope = decode(matched(household, agency))
        async with casework.sessions() as session, session.begin():
            box = Outbox(outbox, session)
            if path == "poll":
                await handle_matched_batch(
                    [envelope], session=session, outbox=box, calendar=calendar, tz=TZ,
                    number_prefix="SW", now=RECEIVED, new_id=uuid.uuid4,
                )  # fmt: skip
            else:
                await handle_matched_warning(
                    envelope, session=session, outbox=box, calendar=calendar, tz=TZ,
                    number_prefix="SW", now=RECEIVED, new_id=uuid.uuid4,
                )  # fmt: skip

    await consume("civil_affairs")
    (case,) = await casework.fetch(
        f"SELECT case_id FROM {SCHEMA}.cases WHERE household_id = '{household}'"
    )
    for action, details in (("accept", {}), ("record_comparison", {"findings": "无"})):
        async with casework.sessions() as session, session.begin():
            await apply_action(
                case["case_id"],
                action,
                officer=officer,
                reason="",
                details=details,
                session=session,
                outbox=Outbox(outbox, session),
                calendar=calendar,
                tz=TZ,
                now=RECEIVED,
                new_id=uuid.uuid4,
                risk_rules=RiskRules(),
            )
    visit_sql = (
        f"SELECT rule, state, due_at FROM {SCHEMA}.clocks "
        f"WHERE case_id = '{case['case_id']}' AND kind = 'visit'"
    )
    thursday = datetime(2026, 11, 27, 0, 0, tzinfo=TZ)  # 3 working days after Monday
    assert [tuple(r) for r in await casework.fetch(visit_sql)] == [
        ("working_days:3", "running", thursday)
    ]
    await consume("cadre_visit")
    await consume("cadre_visit")  # a second finding changes nothing more
    end_of_monday = datetime(2026, 11, 24, 0, 0, tzinfo=TZ)
    assert [tuple(r) for r in await casework.fetch(visit_sql)] == [
        ("same_working_day", "running", end_of_monday)
    ]
    trail = await casework.fetch(
        f"SELECT reason FROM {SCHEMA}.actions WHERE case_id = '{case['case_id']}' "
        "AND action = 'signal_attached' ORDER BY seq"
    )
    assert [r["reason"].endswith("入户核查时限提前至当日）") for r in trail] == [True, False]


async def test_a_closed_case_is_not_reopened_while_the_household_has_another(
    casework: Casework,
) -> None:
    """风险消除回退 reopens a case: not while a newer case of the household is open (one open
    case per household) — a clear 409 naming it, where the database's unique index gave a 500."""
    from casework.app.actions import apply_action
    from casework.domain.workflow import CaseTransitionError
    from shouwang_kit.auth import Officer
    from shouwang_kit.messaging import Outbox

    household = uuid.uuid4()
    calendar = published_calendar()

    async def consume(agency: str) -> None:
        from casework.app.intake_signal import handle_matched_warning

        async with casework.sessions() as session, session.begin():
            await handle_matched_warning(
                decode(matched(household, agency)), session=session,
                outbox=Outbox(outbox, session), calendar=calendar, tz=TZ, number_prefix="SW",
                now=RECEIVED, new_id=uuid.uuid4,
            )  # fmt: skip

    await consume("civil_affairs")
    (old,) = await casework.fetch(
        f"SELECT case_id FROM {SCHEMA}.cases WHERE household_id = '{household}'"
    )
    connection = await asyncpg.connect(casework.url)
    try:
        await connection.execute(
            f"UPDATE {SCHEMA}.cases SET status = 'risk_eliminated', is_open = false,"
            " closed_at = now() WHERE case_id = $1",
            old["case_id"],
        )
    finally:
        await connection.close()
    await consume("medical_insurance")  # a new warning: a new case, the old one being closed
    (new,) = await casework.fetch(
        f"SELECT case_number FROM {SCHEMA}.cases WHERE household_id = '{household}' AND is_open"
    )
    county = Officer("t-1", "乡镇干部", "township_officer", "532929101000")
    with pytest.raises(CaseTransitionError) as refused:
        async with casework.sessions() as session, session.begin():
            await apply_action(
                old["case_id"], "propose_rollback", officer=county, reason="",
                details={"reason_detail": "回头看发现收入不稳"}, session=session,
                outbox=Outbox(outbox, session), calendar=calendar, tz=TZ, now=RECEIVED,
                new_id=uuid.uuid4, risk_rules=RiskRules(),
            )  # fmt: skip
    assert (refused.value.status, refused.value.code) == (409, "case.household_open")
    assert new["case_number"] in refused.value.message
