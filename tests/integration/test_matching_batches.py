"""Matching's set-based warning handler on a real PostgreSQL: polls in flight at once about one
household (its members' warnings come on different partitions) do not wait for each other, and
their warnings still join one household signal."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from alembic import command as alembic_command
from matching.adapters.registry_index import RegistryIndex
from matching.adapters.tables import SCHEMA, outbox
from matching.app import handlers
from matching.app.handlers import resolve_batch
from matching.app.read_model import apply_household_snapshot
from matching.app.reviews import confirm_review
from matching.bootstrap import MIGRATIONS
from matching.domain.linker import LinkIndex
from matching.domain.resolution import PersonRecord, Resolution
from shouwang_kit.crypto import DEV_DATA_KEYS, FieldCipher
from shouwang_kit.db import driver_connection, make_engine, make_sessionmaker
from shouwang_kit.idnumber import check_char
from shouwang_kit.messaging import Outbox, Polled
from shouwang_kit.migrations import alembic_config, upgrade
from shouwang_kit.pii import keyed_hash, mask_name
from shouwang_proto import Envelope, decode, encode
from shouwang_proto.events import (
    HouseholdSnapshotV1,
    MemberV1,
    PersonRef,
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)
from shouwang_proto.topics import MATCHING_OUTCOMES
from sqlalchemy import event as sql_events
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Infra, fetch_rows, private_database

pytestmark = pytest.mark.integration

HOUSEHOLD = uuid.uuid4()
MEMBERS = [
    (uuid.uuid4(), "李玉兰", "53292919650312002"),  # the first 17 digits of the ID
    (uuid.uuid4(), "李建国", "53292919900115001"),
]


def _id_number(first17: str) -> str:
    return first17 + check_char(first17)


class Matching:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self.cipher = FieldCipher(DEV_DATA_KEYS)
        self.index = RegistryIndex(LinkIndex(), self.cipher)
        self.published: list[bytes] = []  # the outcomes of every poll, in order

    async def fetch(self, sql: str) -> list[asyncpg.Record]:
        return await fetch_rows(self.url, sql)


@pytest.fixture
async def matching(infra: Infra) -> AsyncIterator[Matching]:
    url = await private_database(infra, "matching_batches")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
    service = Matching(url)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            f"INSERT INTO {SCHEMA}.households VALUES ($1, 'H-1', '532929101001', '诺邓村',"
            " '诺邓镇', 'ordinary', false)",
            HOUSEHOLD,
        )
        for person_id, name, first17 in MEMBERS:
            number = _id_number(first17)
            await connection.execute(  # each write takes the next seq, as the read model's do
                f"INSERT INTO {SCHEMA}.persons (person_id, household_id, id_hash, id_enc, name,"
                f" region_code, seq) VALUES ($1, $2, $3, $4, $5, '532929101001',"
                f" nextval('{SCHEMA}.person_seq'))",
                person_id,
                HOUSEHOLD,
                keyed_hash("test", number),
                service.cipher.encrypt(number, field="id_number"),
                name,
            )
    finally:
        await connection.close()
    yield service
    await service.engine.dispose()


def _warning(member: int, agency: str, source_record_id: str | None) -> Envelope:
    _person_id, name, first17 = MEMBERS[member]
    warning = WarningReceivedV1(
        warning_id=uuid.uuid4(),
        agency_code=agency,
        signal_type="new_dibao",
        source_record_id=source_record_id,
        period="2026-11",
        occurred_on=date(2026, 11, 20),
        person=PersonRef(name=name, id_number=_id_number(first17)),
        received_at=datetime.now(UTC),
    )
    return _wrapped(warning)


def _warning_id(envelope: Envelope) -> uuid.UUID:
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    return warning.warning_id


async def _poll(
    matching: Matching, session: AsyncSession, envelopes: list[Envelope]
) -> list[bytes]:
    """The poll's outcomes, left for the consumer to publish once the caller commits."""
    await matching.index.refresh(session)
    queued = Outbox(outbox, session)
    await resolve_batch(
        envelopes,
        session=session,
        outbox=queued,
        index=matching.index,
        now=datetime.now(UTC),
    )
    assert {topic for topic, _key, _value in queued.after_commit} <= {MATCHING_OUTCOMES.name}
    values = [value for _topic, _key, value in queued.after_commit]
    matching.published.extend(values)
    return values


async def test_polls_in_flight_about_one_household_do_not_wait_for_each_other(
    matching: Matching,
) -> None:
    first = _warning(0, "civil_affairs", "civil_affairs-0")
    second = _warning(1, "health_insurance", "health_insurance-1")
    async with matching.sessions() as held:
        published = await _poll(matching, held, [first])  # its transaction stays open
        async with matching.sessions() as other:
            # Before: the second poll's insert of the same household signal waited for the
            # first transaction to end (here: for ever).
            async with asyncio.timeout(10):
                published += await _poll(matching, other, [second])
                await other.commit()
        await held.commit()
    signals = await matching.fetch(f"SELECT signal_id, period FROM {SCHEMA}.household_signals")
    assert [s["period"] for s in signals] == ["2026-11"]
    joined = await matching.fetch(f"SELECT signal_id, agency_code FROM {SCHEMA}.signal_warnings")
    assert {(j["signal_id"], j["agency_code"]) for j in joined} == {
        (signals[0]["signal_id"], "civil_affairs"),
        (signals[0]["signal_id"], "health_insurance"),
    }
    assert len(published) == 2


async def test_a_rolled_back_poll_leaves_no_warning_and_its_retry_joins_the_signal(
    matching: Matching,
) -> None:
    envelope = _warning(0, "civil_affairs", "civil_affairs-0")
    async with matching.sessions() as session:
        await _poll(matching, session, [envelope])
        await session.rollback()
    assert await matching.fetch(f"SELECT 1 FROM {SCHEMA}.signal_warnings") == []
    async with matching.sessions() as session:
        await _poll(matching, session, [envelope])
        await session.commit()
    signals = await matching.fetch(f"SELECT signal_id FROM {SCHEMA}.household_signals")
    joined = await matching.fetch(f"SELECT signal_id FROM {SCHEMA}.signal_warnings")
    assert len(signals) == 1
    assert [j["signal_id"] for j in joined] == [signals[0]["signal_id"]]


async def test_a_repeated_source_record_is_a_no_op_and_warnings_without_one_all_join(
    matching: Matching,
) -> None:
    """The agency's own record id makes a repeat; a warning without one (a cadre's visit
    typed in) is never taken for a repeat of another."""
    first = _warning(0, "civil_affairs", "MZ-2026-11-7")
    repeat = _warning(0, "civil_affairs", "MZ-2026-11-7")
    unnumbered = [_warning(0, "civil_affairs", None), _warning(1, "civil_affairs", None)]
    async with matching.sessions() as session:
        await _poll(matching, session, [first, *unnumbered])
        await session.commit()
    async with matching.sessions() as session:
        assert await _poll(matching, session, [repeat]) == []  # the repeat publishes nothing
        await session.commit()
    joined = await matching.fetch(f"SELECT warning_id FROM {SCHEMA}.signal_warnings")
    assert {j["warning_id"] for j in joined} == {_warning_id(e) for e in [first, *unnumbered]}
    assert len(matching.published) == 3


async def _outcomes(matching: Matching) -> list[WarningMatchedV1]:
    events = [decode(value).parsed() for value in matching.published]
    assert all(isinstance(e, WarningMatchedV1) for e in events)
    return events  # type: ignore[return-value]


async def test_a_matched_warning_carries_its_place_the_signals_reasons_and_the_flags(
    matching: Matching,
) -> None:
    """What a township reads in `warning.matched`: where the household is, every agency's
    reason in the household's signal for the period (earlier polls' and this poll's), and the
    household's eligibility flags found by comparison (not those found absent)."""
    connection = await asyncpg.connect(matching.url)
    try:
        for check, found in [("vehicle", True), ("business", False), ("public_servant", True)]:
            await connection.execute(
                f"INSERT INTO {SCHEMA}.eligibility_flags VALUES ($1, $2, 'public_security',"
                " $3, '', now())",
                HOUSEHOLD,
                check,
                found,
            )
    finally:
        await connection.close()
    earlier = _warning(0, "housing", "ZJ-1")
    async with matching.sessions() as session:
        await _poll(matching, session, [earlier])
        await session.commit()
    now = [_warning(1, "health_insurance", "YB-1"), _warning(0, "civil_affairs", "MZ-1")]
    async with matching.sessions() as session:
        await _poll(matching, session, now)
        await session.commit()
    first, *rest = await _outcomes(matching)
    assert first.signal_reasons == ["housing:new_dibao"]
    assert len(rest) == 2
    for event, envelope, member in zip(rest, now, [1, 0], strict=True):
        assert event.warning.warning_id == _warning_id(envelope)
        assert event.person_id == MEMBERS[member][0]
        assert event.household_id == HOUSEHOLD
        assert event.household_signal_id == first.household_signal_id
        assert (event.household_number, event.village_name, event.township_name) == (
            "H-1",
            "诺邓村",
            "诺邓镇",
        )
        assert event.masked_name == mask_name(MEMBERS[member][1])
        assert event.signal_reasons == [
            "civil_affairs:new_dibao",
            "health_insurance:new_dibao",
            "housing:new_dibao",
        ]
        assert event.eligibility_flags == ["public_servant", "vehicle"]
        assert event.method == "exact_id" and "id_number:exact" in event.reasons
    decisions = await matching.fetch(f"SELECT reasons FROM {SCHEMA}.decisions")
    assert all("id_number:exact" in json.loads(d["reasons"]) for d in decisions)


async def test_a_household_renamed_after_the_index_loaded_is_where_the_next_outcome_says(
    matching: Matching,
) -> None:
    """The place and the masked name in `warning.matched` come from the index in memory: a
    household's new snapshot (village renamed, a member's name corrected) reaches them with
    the next poll, as it reaches the linker."""
    async with matching.sessions() as session:
        await _poll(matching, session, [_warning(0, "housing", "ZJ-31")])
        await session.commit()
    members = [
        MemberV1(person_id=person_id, id_number=_id_number(first17), name=name)
        for person_id, name, first17 in MEMBERS
    ]
    members[1] = members[1].model_copy(update={"name": "黎建国"})
    snapshot = HouseholdSnapshotV1(
        household_id=HOUSEHOLD,
        household_number="H-1b",
        region_code="532929102001",
        village_name="新村",
        township_name="新镇",
        category="monitored",
        members=members,
    )
    async with matching.sessions() as session, session.begin():
        await apply_household_snapshot(
            snapshot, session=session, pseudonym_key="test", cipher=matching.cipher
        )
    renamed = _warning(1, "civil_affairs", "MZ-31")
    async with matching.sessions() as session:
        await _poll(matching, session, [renamed])
        await session.commit()
    before, after = await _outcomes(matching)
    assert (before.household_number, before.village_name, before.township_name) == (
        "H-1",
        "诺邓村",
        "诺邓镇",
    )
    assert before.region_code == "532929101001"
    assert after.warning.warning_id == _warning_id(renamed)
    assert (after.household_number, after.village_name, after.township_name) == (
        "H-1b",
        "新村",
        "新镇",
    )
    assert after.region_code == "532929102001"
    assert after.masked_name == mask_name("黎建国")
    assert after.household_signal_id == before.household_signal_id  # one household, one month


async def test_outcomes_carry_the_warning_received(matching: Matching) -> None:
    """Matched and not-in-registry outcomes (written straight to JSON) carry the whole warning
    as it was read: details with quotes and Chinese text, no source record, no period."""
    matched = _warning(0, "civil_affairs", "MZ-21")
    stranger = Envelope.wrap(
        WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code="water",
            signal_type="arrears",
            occurred_on=date(2026, 11, 20),
            person=PersonRef(name="未在库", id_number=_id_number("53292919700101009")),
            details={"说明": '欠费"三个月"\\', "months": 3, "rate": 0.25, "paid": False},
            received_at=datetime.now(UTC),
        ),
        id=uuid.uuid4(),
        time=datetime.now(UTC),
        source="agency-gateway",
        subject="x",
        correlation_id=uuid.uuid4(),
    )
    async with matching.sessions() as session:
        published = await _poll(matching, session, [matched, stranger])
        await session.commit()
    outcomes = [decode(value).parsed() for value in published]
    assert [type(o) for o in outcomes] == [WarningMatchedV1, WarningUnmatchedV1]
    for sent, outcome in zip([matched, stranger], outcomes, strict=True):
        assert outcome.warning == sent.parsed()  # type: ignore[attr-defined]
    unmatched = outcomes[1]
    assert isinstance(unmatched, WarningUnmatchedV1)
    assert unmatched.reason_code and unmatched.reason


async def test_outcomes_carry_the_warning_as_it_came_on_the_wire(matching: Matching) -> None:
    """Given the poll's bytes (as the consumer gives them), a matched and a not-in-registry
    outcome carry the warning as it came, with what a newer producer added to it; bytes laid
    out otherwise (spaces, the payload first, a field after it) give the same outcome from the
    model."""
    newer = json.loads(encode(_warning(0, "civil_affairs", "MZ-31")))
    newer["payload"]["added_later"] = {"级别": "高"}
    stranger = json.loads(encode(_warning(0, "water", "SW-8")))
    stranger["payload"]["person"]["id_number"] = _id_number("53292919700101009")
    stranger["payload"]["person"]["name"] = "未在库"
    compact = [
        json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        for data in (newer, stranger)
    ]
    spaced = json.dumps(_spaced := json.loads(encode(_warning(1, "health", "YB-4")))).encode()
    first = json.dumps(
        {"payload": (other := json.loads(encode(_warning(1, "housing", "ZJ-2"))))["payload"]}
        | other
    ).encode()
    traced = json.dumps(  # a newer producer's field after the payload, its value an object
        (after := json.loads(encode(_warning(0, "water", "SW-9")))) | {"trace": {"span": "1"}},
        separators=(",", ":"),
    ).encode()
    values = [*compact, spaced, first, traced]
    envelopes = [decode(value) for value in values]
    async with matching.sessions() as session:
        published = await _poll(matching, session, Polled(envelopes, values))
        await session.commit()
    assert len(published) == 5
    sent = [newer, stranger, _spaced, other, after]
    for data, value in zip(sent, published, strict=True):
        assert json.loads(value)["payload"]["warning"] == data["payload"]
    assert "trace" not in json.loads(published[4])["payload"]  # not sliced in with the warning
    outcomes = [decode(value).parsed() for value in published]
    assert [type(o) for o in outcomes] == [WarningMatchedV1, WarningUnmatchedV1] + [
        WarningMatchedV1
    ] * 3
    for envelope, outcome in zip(envelopes, outcomes, strict=True):
        assert outcome.warning == envelope.parsed()  # type: ignore[attr-defined]
    # Delivered again (a crash before the offsets were committed): the outcomes made again
    # from the decisions carry the warning as it came this time too, the newer field kept.
    async with matching.sessions() as session:
        republished = await _poll(matching, session, Polled(envelopes, values))
        await session.commit()
    assert [json.loads(v)["id"] for v in republished] == [json.loads(v)["id"] for v in published]
    for data, value in zip(sent, republished, strict=True):
        assert json.loads(value)["payload"]["warning"] == data["payload"]


async def test_one_warning_twice_in_a_poll_and_one_record_twice_are_decided_once(
    matching: Matching,
) -> None:
    """A redelivery under a new message id and an agency's record sent twice, both inside one
    poll: one decision and one outcome each."""
    warning = _warning(0, "civil_affairs", "MZ-9")
    again = warning.model_copy(update={"id": uuid.uuid4()})
    record_twice = [_warning(1, "housing", "ZJ-9"), _warning(1, "housing", "ZJ-9")]
    async with matching.sessions() as session:
        await _poll(matching, session, [warning, again, *record_twice])
        await session.commit()
    decided = await matching.fetch(f"SELECT warning_id FROM {SCHEMA}.decisions")
    assert len(decided) == 4 - 1
    published = await _outcomes(matching)
    assert sorted(str(e.warning.warning_id) for e in published) == sorted(
        [str(_warning_id(warning)), str(_warning_id(record_twice[0]))]
    )


async def test_a_session_on_one_connection_opens_the_signal_inside_the_poll(
    matching: Matching,
) -> None:
    """Without a second pooled connection no signal is opened ahead: the poll opens it in its
    own transaction, and the warnings still join it."""
    async with matching.engine.connect() as connection:
        session = AsyncSession(bind=connection, expire_on_commit=False)
        envelopes = [_warning(0, "civil_affairs", "MZ-1"), _warning(1, "housing", "ZJ-1")]
        await _poll(matching, session, envelopes)
        await session.commit()
        await session.close()
        await connection.commit()
    signals = await matching.fetch(f"SELECT signal_id FROM {SCHEMA}.household_signals")
    assert len(signals) == 1
    published = await _outcomes(matching)
    assert [e.household_signal_id for e in published] == [signals[0]["signal_id"]] * 2
    assert published[1].signal_reasons == ["civil_affairs:new_dibao", "housing:new_dibao"]


async def test_a_refresh_that_finds_nothing_new_reads_no_household(matching: Matching) -> None:
    """The consumer refreshes the index before every poll, nearly always to find nothing: that
    is one statement on the persons after the last `seq`, without the households (one
    statement joining them was planned as a hash join over every household, 11 ms a poll in
    the consumer bench); persons written since come with their households' places."""
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    sql_events.listen(matching.engine.sync_engine, "before_cursor_execute", note)
    async with matching.sessions() as session, session.begin():
        raw = await driver_connection(session)  # statements sent on the driver itself
        raw.add_query_logger(lambda logged: statements.append(logged.query))
        assert await matching.index.refresh(session) == len(MEMBERS)
        await asyncio.sleep(0.05)  # the driver calls its query loggers soon, not at once
        assert any("households" in sql for sql in statements)  # read with the persons
        assert str(HOUSEHOLD) in {place.household_id for place in matching.index.places.values()}
        statements.clear()
        for _ in range(3):
            assert await matching.index.refresh(session) == 0
        await asyncio.sleep(0.05)
    sql_events.remove(matching.engine.sync_engine, "before_cursor_execute", note)
    statements.remove("COMMIT;")  # the session's, at the end
    assert len(statements) == 3
    assert not any("households" in sql for sql in statements), statements


class _WatchedIndex:
    """A resolver that notes, for each person added, whether the garbage collector was
    running (wrapping the linker: compiled, it cannot be subclassed)."""

    def __init__(self) -> None:
        self.linker = LinkIndex()
        self.collector_on: list[bool] = []

    def upsert(self, person: PersonRecord) -> None:
        self.collector_on.append(gc.isenabled())
        self.linker.upsert(person)

    def remove(self, person_id: uuid.UUID) -> None:
        self.linker.remove(person_id)

    def resolve(self, person: PersonRef) -> Resolution:
        return self.linker.resolve(person)

    def household_of(self, person_id: uuid.UUID) -> uuid.UUID | None:
        return self.linker.household_of(person_id)

    def has_household(self, household_id: uuid.UUID) -> bool:
        return self.linker.has_household(household_id)


@pytest.mark.parametrize(("page", "paused"), [(1, True), (10, False)])
async def test_a_load_runs_page_by_page_without_collections_and_a_small_refresh_with_them(
    matching: Matching, page: int, paused: bool
) -> None:
    watched = _WatchedIndex()
    index = RegistryIndex(watched, matching.cipher, page=page)
    async with matching.sessions() as session:
        assert await index.refresh(session) == len(MEMBERS)
    assert watched.collector_on == [not paused] * len(MEMBERS)
    assert gc.isenabled()
    assert index.last_seq == len(MEMBERS)
    for person_id, name, first17 in MEMBERS:
        found = watched.resolve(PersonRef(name=name, id_number=_id_number(first17)))
        assert found.verdict == "auto" and found.person_id == person_id


async def test_a_polls_signal_reasons_are_looked_up_by_signal_not_by_reading_the_table(
    matching: Matching,
) -> None:
    """While `signal_warnings` grows faster than its statistics follow (a monthly list coming
    in), the poll's statement must still find a signal's earlier warnings through the index:
    a plan that reads the whole table costs every poll more as the month goes on."""
    connection = await asyncpg.connect(matching.url)
    try:
        # 150,000 warnings of other households' signals, inserted just now (not analysed).
        await connection.execute(
            f"INSERT INTO {SCHEMA}.signal_warnings (signal_id, warning_id, agency_code,"
            " signal_type, source_record_id, occurred_on)"
            " SELECT gen_random_uuid(), gen_random_uuid(), 'civil_affairs', 'new_dibao',"
            " 'R' || n, date '2026-11-01' FROM generate_series(1, 150000) AS n"
        )
        poll = 2000
        person_id = MEMBERS[0][0]
        await connection.execute("SET plan_cache_mode = force_custom_plan")  # as the handler
        columns: dict[str, list[Any]] = {
            "w": [uuid.uuid4() for _ in range(poll)],
            "o": ["matched"] * poll,
            "c": [None] * poll,
            "h": [HOUSEHOLD] * poll,
            "p": [person_id] * poll,
            "s": [0.99] * poll,
            "r": ['["id_number:exact"]'] * poll,
            "per": ["2026-11"] * poll,
            "ag": ["housing"] * poll,
            "st": ["new_dibao"] * poll,
            "src": [f"S{n}" for n in range(poll)],
            "occ": [date(2026, 11, 20)] * poll,
        }
        sql, args = handlers._decide_and_join_args(columns)
        assert sql == handlers._DECIDE_AND_JOIN_JOINED  # as the handler sends it
        plan = await connection.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args, datetime.now(UTC))
    finally:
        await connection.close()
    scans = _scans(json.loads(plan)[0]["Plan"])
    assert ("Seq Scan", "signal_warnings") not in scans, scans
    assert any(table == "signal_warnings" for _kind, table in scans), scans


async def test_text_holding_a_separator_or_alone_and_empty_is_decided_the_same(
    matching: Matching,
) -> None:
    """The poll's text columns go joined into one text each, split by PostgreSQL; a source
    record holding the separator, or one empty and alone, goes as arrays instead: each
    warning is decided and joined as it says, with its source record as sent."""
    odd = ["MZ\x1f7", "\x1e", "MZ\x1e8"]
    polls = [[_warning(0, "civil_affairs", record)] for record in odd]
    polls.append([_warning(1, "civil_affairs", ""), _warning(0, "health", None)])
    polls.append([_warning(1, "housing", "")])
    for poll in polls:
        async with matching.sessions() as session:
            await _poll(matching, session, poll)
            await session.commit()
    rows = await matching.fetch(
        f"SELECT agency_code, source_record_id FROM {SCHEMA}.signal_warnings"
    )
    assert sorted((r["agency_code"], r["source_record_id"]) for r in rows) == sorted(
        [("civil_affairs", record) for record in odd]
        + [("civil_affairs", ""), ("health", None), ("housing", "")]
    )
    decided = await matching.fetch(f"SELECT outcome FROM {SCHEMA}.decisions")
    assert [r["outcome"] for r in decided] == ["matched"] * 6
    cases: list[tuple[dict[str, list[Any]], bool]] = [
        ({"src": ["a", "b\x1fc"], "c": [None, None]}, False),
        ({"src": ["\x1e", None], "c": [None, None]}, False),
        ({"src": [""], "c": [None]}, False),
        ({"src": ["", None], "c": [None, "x"]}, True),
    ]
    for columns, joined in cases:
        n = len(columns["src"])
        full: dict[str, list[Any]] = {"o": ["matched"] * n, "r": ["[]"] * n, "per": ["2026-11"] * n}
        full |= {"ag": ["a"] * n, "st": ["t"] * n, **columns}
        full |= {k: [None] * n for k in ("w", "h", "p", "s", "occ")}
        sql, _args = handlers._decide_and_join_args(full)
        assert (sql == handlers._DECIDE_AND_JOIN_JOINED) is joined, columns


def _scans(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, table) of every scan of a table in an EXPLAIN (FORMAT JSON) plan."""
    found = []
    if "Relation Name" in node:
        found.append((str(node["Node Type"]), str(node["Relation Name"])))
    for child in node.get("Plans", []):
        found.extend(_scans(child))
    return found


def _wrapped(warning: WarningReceivedV1) -> Envelope:
    return Envelope.wrap(
        warning,
        id=uuid.uuid4(),
        time=datetime.now(UTC),
        source="agency-gateway",
        subject=str(warning.warning_id),
        correlation_id=warning.warning_id,
    )


async def test_a_warning_delivered_again_publishes_its_outcome_again_under_the_same_id(
    matching: Matching,
) -> None:
    """Outcomes are published after the poll's commit, so a crash in between leaves decided
    warnings whose outcome may not have reached Kafka; their offsets were not committed, so
    they come again. Each one's outcome is then made again from its decision, under the same
    message id (consumers downstream take it as the repeat it is), and nothing is decided or
    joined twice. A review decided since does not change what is published again."""
    matched = _warning(0, "civil_affairs", "MZ-31")
    stranger = _wrapped(
        WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code="water",
            signal_type="arrears",
            occurred_on=date(2026, 11, 20),
            person=PersonRef(name="未在库", id_number=_id_number("53292919700101009")),
            received_at=datetime.now(UTC),
        )
    )
    doubtful = _wrapped(  # 李玉兰's ID with another name: for county staff
        WarningReceivedV1(
            warning_id=uuid.uuid4(),
            agency_code="housing",
            signal_type="unsafe_house",
            occurred_on=date(2026, 11, 20),
            person=PersonRef(name="王小明", id_number=_id_number(MEMBERS[0][2])),
            received_at=datetime.now(UTC),
        )
    )
    source_repeat = _warning(0, "civil_affairs", "MZ-31")  # the agency sent MZ-31 twice
    polls = [matched, stranger, doubtful, source_repeat]
    async with matching.sessions() as session:
        first = [decode(v) for v in await _poll(matching, session, polls)]
        await session.commit()
    assert [type(e.parsed()) for e in first] == [
        WarningMatchedV1,
        WarningUnmatchedV1,
        WarningNeedsReviewV1,
    ]
    async with matching.sessions() as session:  # county staff decide the review meanwhile
        await confirm_review(
            _warning_id(doubtful),
            actor="县乡村振兴局 张三",
            scope="532929",
            reason="核实为本人",
            person_id=MEMBERS[0][0],
            session=session,
            outbox=Outbox(outbox, session),
            now=datetime.now(UTC),
            new_id=uuid.uuid4,
        )
        await session.commit()
    again_polls = [
        matched.model_copy(update={"id": uuid.uuid4()}),  # under a new message id
        stranger,
        doubtful,
        source_repeat,
    ]
    async with matching.sessions() as session:
        again = [decode(v) for v in await _poll(matching, session, again_polls)]
        await session.commit()
    assert [e.id for e in again] == [e.id for e in first]
    for before, after in zip(first, again, strict=True):
        assert after.subject == before.subject
        if isinstance(after.parsed(), WarningMatchedV1):  # its signal as it is now
            assert after.parsed().signal_reasons == [  # type: ignore[attr-defined]
                "civil_affairs:new_dibao",
                "housing:unsafe_house",
            ]
            assert after.parsed().model_copy(update={"signal_reasons": []}) == (
                before.parsed().model_copy(update={"signal_reasons": []})
            )
        else:
            assert after.parsed() == before.parsed()
    decided = await matching.fetch(f"SELECT count(*) AS n FROM {SCHEMA}.decisions")
    joined = await matching.fetch(f"SELECT count(*) AS n FROM {SCHEMA}.signal_warnings")
    assert (decided[0]["n"], joined[0]["n"]) == (4, 2)  # the confirmed review joined too
    kept = await matching.fetch(f"SELECT warning_id, reason_code FROM {SCHEMA}.unmatched")
    assert [(r["warning_id"], r["reason_code"]) for r in kept] == [  # once, for the county
        (_warning_id(stranger), "not_in_registry")
    ]


def test_outcome_ids_are_the_same_for_one_warning_and_event_only() -> None:
    warning_id = uuid.uuid4()
    same = handlers.outcome_id(warning_id, WarningMatchedV1)
    assert handlers.outcome_id(warning_id, WarningMatchedV1) == same
    assert uuid.UUID(same).version == 5
    assert handlers.outcome_id(warning_id, WarningUnmatchedV1) != same
    assert handlers.outcome_id(uuid.uuid4(), WarningMatchedV1) != same


async def test_review_items_queued_without_a_region_are_placed_at_their_candidate(
    infra: Infra,
) -> None:
    """The migration of 2026-12-07: items queued before without a region take their best
    candidate's household's; those without a candidate stay the county's."""
    url = await private_database(infra, "matching_review_regions")
    before = alembic_config(MIGRATIONS, url, SCHEMA)
    await asyncio.to_thread(alembic_command.upgrade, before, "5b1e0c7d9a42")
    placed, alone, named = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    candidate = [{"person_id": str(MEMBERS[0][0]), "household_id": str(HOUSEHOLD)}]
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            f"INSERT INTO {SCHEMA}.households VALUES ($1, 'H-1', '532929102004', '村',"
            " '功果桥镇', 'ordinary', false)",
            HOUSEHOLD,
        )
        for warning_id, candidates, region in (
            (placed, candidate, None),
            (alone, [], None),
            (named, candidate, "532929101001"),  # the warning's own region stands
        ):
            await connection.execute(
                f"INSERT INTO {SCHEMA}.reviews (warning_id, state, envelope, candidates, reason,"
                " region_code, queued_at) VALUES ($1, 'open', '{}', $2::jsonb, 'r', $3, now())",
                warning_id,
                json.dumps(candidates),
                region,
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, SCHEMA)
        regions = dict(
            await connection.fetch(f"SELECT warning_id, region_code FROM {SCHEMA}.reviews")
        )
    finally:
        await connection.close()
    assert regions == {placed: "532929102004", alone: None, named: "532929101001"}


async def test_a_households_place_is_forgotten_when_its_last_member_moves_or_leaves(
    matching: Matching,
) -> None:
    async with matching.sessions() as session:
        await matching.index.refresh(session)
    assert HOUSEHOLD.int in matching.index.places
    members = [
        MemberV1(person_id=person_id, id_number=_id_number(first17), name=name)
        for person_id, name, first17 in MEMBERS
    ]
    moved_to = uuid.uuid4()

    def snapshot(household_id: uuid.UUID, number: str, **changes: Any) -> HouseholdSnapshotV1:
        fields: dict[str, Any] = {
            "household_id": household_id,
            "household_number": number,
            "region_code": "532929101001",
            "village_name": "诺邓村",
            "township_name": "诺邓镇",
            "category": "ordinary",
            "members": members,
        }
        return HouseholdSnapshotV1(**(fields | changes))

    async def apply(*snapshots: HouseholdSnapshotV1) -> None:
        async with matching.sessions() as session, session.begin():
            for one in snapshots:
                await apply_household_snapshot(
                    one, session=session, pseudonym_key="test", cipher=matching.cipher
                )
        async with matching.sessions() as session:
            await matching.index.refresh(session)

    # The whole family moves to a new household (split, merge, re-registration).
    await apply(snapshot(moved_to, "H-2"), snapshot(HOUSEHOLD, "H-1", members=[]))
    assert HOUSEHOLD.int not in matching.index.places
    assert matching.index.places[moved_to.int].household_number == "H-2"
    # The new household leaves the registry.
    await apply(snapshot(moved_to, "H-2", removed=True))
    assert moved_to.int not in matching.index.places
    assert all(
        matching.index.resolver.household_of(person_id) is None for person_id, _n, _f in MEMBERS
    )
