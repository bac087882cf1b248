"""What a consumer does before any database: floors under the matching consumer, measured in
the same run as it and its pass-through ceiling (`bench.matching_consumer --floors`).

Two consumers that are the pass-through (`bench/pass_through.py`: polls of 5,000,
`send_in_batches`, acks=all, offsets committed after each poll) with one more part of the
matching consumer's work per warning on the way:

- `decode`: decode and validate every envelope and its warning (the kit's `decode`, as
  matching's consumer does), then produce the message as it came;
- `link`: that, then resolve the warning against the registry index (matching's linker, the
  index loaded from matching's read model as the service loads it) and build and encode its
  outcome (`warning.matched` / `needs_review` / `unmatched`, with the consumer's own
  functions), and produce the outcome instead.

Neither stores anything: no decision, no household signal, no review row, so neither is a way
to run matching (a redelivered warning would be decided again, a crash would lose the review
queue). They bound what any consumer that does this work in Python on this machine can pass,
whatever it does about its database: the matching consumer can go no faster than `link`.

    python -m bench.matching_floor BOOTSTRAP DATABASE_URL SOURCE COUNT decode|link  # internal

The process loads its index before the clock starts (at the first poll that brings warnings)
and prints `rate <warnings/s>`.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from matching.adapters.registry_index import RegistryIndex
from matching.app.handlers import (
    encode_outcome,
    matched_outcome,
    review_outcome,
    unmatched_outcome,
)
from matching.bootstrap import build_resolver
from matching.config import Settings
from shouwang_kit.crypto import DEV_DATA_KEYS, FieldCipher
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.gc_tuning import collect_young_less_often
from shouwang_proto import EventPayload
from shouwang_proto.envelope import decode
from shouwang_proto.events import (
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)

from bench.pass_through import pass_through

STAGES = ("decode", "link")


async def load_index(database_url: str) -> RegistryIndex:
    """The registry index as the service loads it (its thresholds, the collector paused)."""
    settings = Settings(database_url=database_url)
    index = RegistryIndex(build_resolver(settings), FieldCipher(DEV_DATA_KEYS))
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await index.refresh(session)
    finally:
        await engine.dispose()
    return index


def outcome(
    value: bytes, key: bytes, index: RegistryIndex | None, now: datetime
) -> tuple[bytes, bytes]:
    """The message to produce for one record (key, value): as it came, decoded first (`index`
    None), else its outcome as matching's consumer builds it. Without a database there is no
    household signal: the outcome names none, and its reasons are the warning's own."""
    envelope = decode(value)
    if index is None:
        return key, value
    warning = envelope.parsed()
    assert isinstance(warning, WarningReceivedV1)
    resolution = index.resolver.resolve(warning.person)
    event: type[EventPayload]
    place = (
        index.places.get(resolution.household_id.int)
        if resolution.verdict == "auto" and resolution.household_id is not None
        else None
    )
    if place is not None:
        event, subject = WarningMatchedV1, place.household_id
        body = matched_outcome(
            envelope,
            warning,
            resolution,
            place,
            value,
            signal_id=None,
            signal_reasons=[f"{warning.agency_code}:{warning.signal_type}"],
            flags=[],
        )
    elif resolution.verdict == "review":
        event, subject = WarningNeedsReviewV1, str(warning.warning_id)
        _reason, body = review_outcome(warning, resolution)
    else:
        event, subject = WarningUnmatchedV1, str(warning.warning_id)
        body = unmatched_outcome(envelope, warning, resolution, value)[3]
    return subject.encode(), encode_outcome(envelope, warning, event, subject, body, now)[1]


async def floor(bootstrap: str, database_url: str, source: str, count: int, stage: str) -> float:
    """Warnings/s through one floor consumer over the topic's first `count` messages."""
    if stage not in STAGES:
        raise ValueError(f"stage {stage!r}: one of {', '.join(STAGES)}")
    index = await load_index(database_url) if stage == "link" else None
    # The service's young collections (MATCHING_GC_GEN0_THRESHOLD): with Python's default, a
    # poll's envelopes alone set off collections that walk the whole heap.
    collect_young_less_often(Settings.model_fields["gc_gen0_threshold"].default)

    def outcomes(records: list[ConsumerRecord[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        now = datetime.now(UTC)
        return [outcome(record.value, record.key, index, now) for record in records]

    return await pass_through(bootstrap, source, count, transform=outcomes)


async def floor_process(
    bootstrap: str, database_url: str, source: str, count: int, stage: str
) -> float:
    """`floor` in a process of its own, as the service runs (its own heap and collector)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.matching_floor",
        bootstrap,
        database_url,
        source,
        str(count),
        stage,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the {stage} floor ended with {child.returncode} (its error is above)")
    lines = [line.split() for line in out.decode().splitlines()]
    return next(float(words[1]) for words in lines if words and words[0] == "rate")


if __name__ == "__main__":
    bootstrap, database_url, source, count, stage = sys.argv[1:6]
    rate = asyncio.run(floor(bootstrap, database_url, source, int(count), stage))
    print(f"rate {rate}", flush=True)
