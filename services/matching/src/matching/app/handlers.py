"""Use cases driven by Kafka: resolve each warning, join it to its household signal, keep the
eligibility flags from comparison answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from shouwang_kit.db import driver_connection, side_transaction
from shouwang_kit.ids import DerivedIdTexts
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox, Polled
from shouwang_kit.pii import mask_name
from shouwang_proto import Envelope, EventPayload
from shouwang_proto.envelope import encode_event_json, model_json, payload_json
from shouwang_proto.events import (
    ComparisonAnsweredV1,
    MatchMethod,
    ReviewCandidateV1,
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)
from shouwang_proto.outcomes import matched_json, unmatched_json
from shouwang_proto.topics import MATCHING_OUTCOMES
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matching.adapters.registry_index import HouseholdPlace, RegistryIndex
from matching.adapters.tables import (
    SCHEMA,
    eligibility_flags,
    reviews,
)
from matching.domain.resolution import Resolution

log = get_logger(__name__)
OUTCOME = {"auto": "matched", "review": "needs_review", "unmatched": "unmatched"}
# The namespace of the outcomes' ids, each derived from its warning's id and event type: an
# outcome made again (its warning delivered again) keeps its id.
OUTCOME_IDS = UUID("5d0b2f8e-3c1a-4e6b-9f27-1a8c4d7e0b63")


_OUTCOME_IDS: dict[type[EventPayload], DerivedIdTexts] = {
    event: DerivedIdTexts(OUTCOME_IDS, event.EVENT_TYPE)
    for event in (WarningMatchedV1, WarningNeedsReviewV1, WarningUnmatchedV1)
}


def outcome_id(warning_id: UUID, event: type[EventPayload]) -> str:
    """The id of a warning's outcome (`warning.matched`, ...), the same each time."""
    return _OUTCOME_IDS[event](warning_id)


class SignalJoin(NamedTuple):
    """The household signal a matched warning joined; `repeat` when it was already there."""

    signal_id: UUID
    reasons: list[str]
    flags: list[str]
    repeat: bool


async def matched_event(
    warning: WarningReceivedV1,
    *,
    person_id: UUID,
    score: float,
    reasons: list[str],
    method: MatchMethod,
    session: AsyncSession,
    now: datetime,
) -> WarningMatchedV1 | None:
    """The warning.matched event for a person, or None when it repeats a known source record
    (one warning through the same steps as a poll of them)."""
    raw = await driver_connection(session)
    place = (await _places(raw, [person_id]))[person_id]
    join = (await _join_signals(raw, [(warning, place.household_id)], now=now))[warning.warning_id]
    if join.repeat:
        return None
    return _matched(warning, place, join, person_id, score, reasons, method)


def _matched(
    warning: WarningReceivedV1,
    place: _Place,
    join: SignalJoin,
    person_id: UUID,
    score: float,
    reasons: list[str],
    method: MatchMethod,
) -> WarningMatchedV1:
    return WarningMatchedV1(
        warning=warning,
        household_id=place.household_id,
        household_number=place.household_number,
        person_id=person_id,
        region_code=place.region_code,
        village_name=place.village_name,
        township_name=place.township_name,
        masked_name=mask_name(place.name),
        method=method,
        score=score,
        reasons=reasons,
        household_signal_id=join.signal_id,
        signal_reasons=join.reasons,
        eligibility_flags=join.flags,
    )


def outcome_subject(
    payload: WarningMatchedV1 | WarningUnmatchedV1 | WarningNeedsReviewV1,
) -> str:
    """Outcomes are keyed by household when there is one, else by the warning."""
    if isinstance(payload, WarningMatchedV1):
        return str(payload.household_id)
    return str(payload.warning.warning_id)


def _candidates(resolution: Resolution) -> list[dict[str, Any]]:
    return [
        {
            "person_id": str(c.person_id),
            "household_id": str(c.household_id),
            "score": c.score,
            "reasons": list(c.reasons),
        }
        for c in resolution.candidates
    ]


async def publish_outcome(
    payload: WarningMatchedV1 | WarningUnmatchedV1 | WarningNeedsReviewV1,
    *,
    envelope: Envelope,
    outbox: Outbox,
    now: datetime,
    message_id: UUID,
) -> None:
    """Queue an outcome, keyed by household when there is one."""
    subject = outcome_subject(payload)
    await outbox.add(
        MATCHING_OUTCOMES.name,
        Envelope.wrap(
            payload,
            id=message_id,
            time=now,
            source="matching",
            subject=subject,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.id,
        ),
    )


async def record_comparison(answer: ComparisonAnsweredV1, *, session: AsyncSession) -> None:
    """Keep what an agency found about a household (信息比对) as eligibility flags."""
    for finding in answer.findings:
        values = {
            "agency_code": answer.agency_code,
            "found": finding.found,
            "detail": finding.detail,
            "answered_at": answer.answered_at,
        }
        await session.execute(
            insert(eligibility_flags)
            .values(household_id=answer.household_id, check=finding.check, **values)
            .on_conflict_do_update(
                index_elements=[eligibility_flags.c.household_id, eligibility_flags.c.check],
                set_=values,
            )
        )


async def resolve_batch(
    envelopes: list[Envelope],
    *,
    session: AsyncSession,
    outbox: Outbox,
    index: RegistryIndex,
    now: datetime,
) -> None:
    """Resolve a poll's worth of warnings with a fixed number of statements (set-based).

    The caller has brought `index` up to date (`RegistryIndex.refresh`)."""
    # One pass over the poll: resolve each warning, and the statement's arrays beside it.
    resolve = index.resolver.resolve
    places = index.places
    # Each warning with its resolution, its household's place (matched) and the bytes it came
    # in (the warning's JSON in its outcome is sliced from them: `payload_json`).
    parsed: list[
        tuple[Envelope, WarningReceivedV1, Resolution, HouseholdPlace | None, bytes | None]
    ] = []
    values = envelopes.values if isinstance(envelopes, Polled) else None
    ahead: dict[tuple[str, str], UUID] = {}  # (household id's text, period) → household id
    ids: list[UUID] = []
    outcomes: list[str] = []
    codes: list[str | None] = []
    homes: list[UUID | None] = []
    people: list[UUID | None] = []
    scores: list[float] = []
    reasons: list[str] = []
    periods: list[str] = []
    agencies: list[str] = []
    kinds: list[str] = []
    records: list[str | None] = []
    days: list[date] = []
    for at, envelope in enumerate(envelopes):
        warning = envelope.parsed()
        assert isinstance(warning, WarningReceivedV1)
        resolution = resolve(warning.person)
        period = _period(warning)
        place = None
        household_id = resolution.household_id
        if resolution.verdict == "auto" and household_id is not None:
            place = places.get(household_id.int)
            if place is not None:  # (none: the poll fails below, the household is unknown)
                # Keyed by the id's text: hashing a UUID is Python code.
                ahead[(place.household_id, period)] = household_id
        parsed.append((envelope, warning, resolution, place, values[at] if values else None))
        ids.append(warning.warning_id)
        outcomes.append(OUTCOME[resolution.verdict])
        codes.append(resolution.reason_code)
        homes.append(resolution.household_id)
        people.append(resolution.person_id)
        scores.append(resolution.score)
        reasons.append(_reasons_json(resolution.reasons))
        periods.append(period)
        agencies.append(warning.agency_code)
        kinds.append(warning.signal_type)
        records.append(warning.source_record_id)
        days.append(warning.occurred_on)
    await _open_signals_ahead(session, [(h, key[1]) for key, h in ahead.items()], now=now)
    # One statement over arrays decides the poll and joins its matched warnings to their
    # household signals, straight on the driver connection: per-row parameter building and
    # one result per step were most of the consumer's database time.
    raw = await driver_connection(session)
    # Planned for each poll's arrays: the cached generic plan takes an array for ten rows and
    # joins in nested loops, quadratic in the poll's size (450 ms a poll instead of 35 ms).
    await raw.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    sql, args = _decide_and_join_args(
        {
            "w": ids,
            "o": outcomes,
            "c": codes,
            "h": homes,
            "p": people,
            "s": scores,
            "r": reasons,
            "per": periods,
            "ag": agencies,
            "st": kinds,
            "src": records,
            "occ": days,
        }
    )
    rows = {  # by the warning id as an integer: hashing a UUID is Python code
        row[0].int: row for row in await raw.fetch(sql, *args, now)
    }
    todo = []
    earlier = []  # decided in an earlier poll: a redelivery (its outcome is published again)
    unjoined = []
    seen: set[int] = set()
    for item in parsed:
        key = item[1].warning_id.int
        if key in seen:  # a copy inside the poll: the first one stands for it
            continue
        seen.add(key)
        row = rows.pop(key, None)
        if row is None:
            earlier.append((*item[:3], item[4]))
            continue
        todo.append((item, row))
        resolution = item[2]
        if resolution.verdict == "auto" and resolution.household_id is not None:
            if item[3] is None or resolution.person_name is None:
                raise LookupError(
                    f"matched household {resolution.household_id} is not in the read model"
                )
            if row[1] is None:  # its signal was not opened ahead: joined below, the slow way
                unjoined.append((item[1], resolution.household_id))
    joins = await _join_signals(raw, unjoined, now=now) if unjoined else {}
    review_rows = []
    unmatched_rows: list[tuple[Any, ...]] = []
    out_rows: list[tuple[UUID | str, str, bytes]] = []

    def publish(
        envelope: Envelope,
        warning: WarningReceivedV1,
        event: type[EventPayload],
        subject: str,
        body: bytes,
    ) -> None:
        message_id, value = encode_outcome(envelope, warning, event, subject, body, now)
        out_rows.append((message_id, subject, value))

    # Outcomes written straight to JSON (`shouwang_proto.outcomes`): building and serialising
    # their models was a sixth of the consumer's CPU.
    for (envelope, warning, resolution, place, value), row in todo:
        if place is not None:
            if row[1] is None:
                join = joins[warning.warning_id]
                if join.repeat:
                    continue
                signal_id, signal_reasons, flags = join.signal_id, join.reasons, join.flags
            else:
                if not row[2]:  # a repeat of a source record already in the signal
                    continue
                signal_id, signal_reasons, flags = row[1], sorted(row[3] or ()), row[4] or []
            body = matched_outcome(
                envelope,
                warning,
                resolution,
                place,
                value,
                signal_id=signal_id,
                signal_reasons=signal_reasons,
                flags=flags,
            )
            publish(envelope, warning, WarningMatchedV1, place.household_id, body)
        elif resolution.verdict == "review":
            reason, body = review_outcome(warning, resolution)
            review_rows.append(
                {
                    "warning_id": warning.warning_id,
                    "state": "open",
                    "envelope": envelope.model_dump(mode="json"),
                    "candidates": _candidates(resolution),
                    "reason": reason,
                    "region_code": _review_region(warning, resolution, places),
                    "queued_at": now,
                }
            )
            publish(envelope, warning, WarningNeedsReviewV1, str(warning.warning_id), body)
        else:
            warning_json, reason_code, reason, body = unmatched_outcome(
                envelope, warning, resolution, value
            )
            publish(envelope, warning, WarningUnmatchedV1, str(warning.warning_id), body)
            unmatched_rows.append(
                unmatched_record(warning, reason_code, reason, warning_json.decode(), now)
            )
    if review_rows:
        await session.execute(insert(reviews), review_rows)
    if unmatched_rows:  # a fifth of a poll's rows
        await keep_unmatched(raw, unmatched_rows)
    again = await _outcomes_again(raw, earlier, publish) if earlier else 0
    # Published by the consumer once this transaction commits (no outbox row: the decision is
    # the record, and a redelivered warning publishes its outcome again, see _outcomes_again).
    outbox.publish_after_commit(MATCHING_OUTCOMES.name, [(k, v) for _m, k, v in out_rows])
    log.info(
        "warnings.decided", count=len(todo), published=len(out_rows) - again, published_again=again
    )


def encode_outcome(
    envelope: Envelope,
    warning: WarningReceivedV1,
    event: type[EventPayload],
    subject: str,
    body: bytes,
    now: datetime,
) -> tuple[str, bytes]:
    """An outcome's envelope around its body: its fixed id and the bytes to publish."""
    message_id = outcome_id(warning.warning_id, event)
    value = encode_event_json(
        event,
        body,
        id=message_id,
        time=now,
        source="matching",
        subject=subject,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.id,
    )
    return message_id, value


def matched_outcome(
    envelope: Envelope,
    warning: WarningReceivedV1,
    resolution: Resolution,
    place: HouseholdPlace,
    value: bytes | None,
    *,
    signal_id: UUID | str | None,
    signal_reasons: list[str],
    flags: list[str],
) -> bytes:
    """The `warning.matched` body of a warning resolved to a person of `place`'s household
    (the warning's JSON sliced from `value`, the bytes it came in, when it can be)."""
    assert resolution.person_id is not None and resolution.person_name is not None
    return matched_json(
        warning_json=_warning_json(envelope, warning, value),
        household_id=place.household_id,
        household_number=place.household_number,
        person_id=resolution.person_id,
        region_code=place.region_code,
        village_name=place.village_name,
        township_name=place.township_name,
        masked_name=mask_name(resolution.person_name),
        method="exact_id" if "id_number:exact" in resolution.reasons else "fuzzy",
        score=resolution.score,
        reasons=resolution.reasons,
        household_signal_id=signal_id,
        signal_reasons=signal_reasons,
        eligibility_flags=flags,
    )


def review_outcome(warning: WarningReceivedV1, resolution: Resolution) -> tuple[str, bytes]:
    """Why a warning goes to review (in Chinese) and its `warning.needs_review` body."""
    reason = resolution.reason_zh or "无法自动确定对应人员，请人工核对"
    payload = WarningNeedsReviewV1(
        warning=warning,
        candidates=[
            ReviewCandidateV1(
                person_id=c.person_id,
                household_id=c.household_id,
                score=c.score,
                reasons=list(c.reasons),
            )
            for c in resolution.candidates
        ],
        reason=reason,
    )
    return reason, model_json(payload)


def unmatched_outcome(
    envelope: Envelope, warning: WarningReceivedV1, resolution: Resolution, value: bytes | None
) -> tuple[bytes, str, str, bytes]:
    """A warning not found in the registry: its JSON, reason code, reason (in Chinese) and its
    `warning.unmatched` body."""
    warning_json = _warning_json(envelope, warning, value)
    reason_code = resolution.reason_code or "unmatched"
    reason = resolution.reason_zh or "未在农户信息库中找到对应人员"
    body = unmatched_json(warning_json=warning_json, reason_code=reason_code, reason=reason)
    return warning_json, reason_code, reason, body


_UNMATCHED_COLUMNS = (
    "warning_id",
    "agency_code",
    "signal_type",
    "occurred_on",
    "region_code",
    "reason_code",
    "reason",
    "warning",
    "decided_at",
)


def unmatched_record(
    warning: WarningReceivedV1, reason_code: str, reason: str, warning_json: str, now: datetime
) -> tuple[Any, ...]:
    """A warning about someone the registry lacks, as `keep_unmatched` writes it (the warning as
    received, in JSON)."""
    return (
        warning.warning_id,
        warning.agency_code,
        warning.signal_type,
        warning.occurred_on,
        warning.person.region_code,
        reason_code,
        reason,
        warning_json,
        now,
    )


async def keep_unmatched(raw: Any, records: list[tuple[Any, ...]]) -> None:
    """Keep them for the county office (库外人员, `GET /v1/unmatched`): one COPY, whether the
    linker decided them in a poll or county staff rejected a review item."""
    await raw.copy_records_to_table(
        "unmatched", schema_name=SCHEMA, columns=_UNMATCHED_COLUMNS, records=records
    )


_SELECT_DECIDED = f"""
SELECT d.warning_id, d.outcome, d.reason_code, d.person_id, d.score, d.reasons::text,
       sw.signal_id, r.candidates::text, r.reason
FROM {SCHEMA}.decisions d
LEFT JOIN {SCHEMA}.signal_warnings sw ON sw.warning_id = d.warning_id
LEFT JOIN {SCHEMA}.reviews r ON r.warning_id = d.warning_id
WHERE d.warning_id = ANY($1::uuid[])
"""


async def _outcomes_again(
    raw: Any,
    items: list[tuple[Envelope, WarningReceivedV1, Resolution, bytes | None]],
    publish: Callable[[Envelope, WarningReceivedV1, type[EventPayload], str, bytes], None],
) -> int:
    """The outcomes of warnings decided in an earlier poll, made again from their decisions
    (same ids: consumers downstream take them as repeats); returns how many.

    The consumer publishes outcomes after its commit, so a crash in between, or Kafka away,
    leaves decided warnings whose outcome may never have reached Kafka: they come again
    (their offsets were not committed) and end here. What was decided stands: the outcome is
    rebuilt from the decision, not from resolving again — `needs_review` with the candidates
    queued (even when county staff have decided it since: their outcome went out with their
    decision), `matched` with the person decided and the household signal as it is now,
    `unmatched` with its reason code; the warning in it as it came again (`_warning_json`). A
    repeat of a source record published nothing then and publishes nothing now."""
    stored = {
        row[0]: row
        for row in await raw.fetch(_SELECT_DECIDED, [w.warning_id for _e, w, _r, _v in items])
    }
    missing = [w.warning_id for _e, w, _r, _v in items if w.warning_id not in stored]
    if missing:  # its insert conflicted, so it is there: read again when the poll is retried
        raise LookupError(f"{len(missing)} decided warning(s) not found")
    matched = [row for row in stored.values() if row[8] is None and row[1] == "matched" and row[6]]
    places = await _places(raw, [row[3] for row in matched])
    reasons: dict[UUID, set[str]] = {}
    signals = list({row[6] for row in matched})
    for signal_id, agency, kind in await raw.fetch(_SELECT_REASONS, signals) if signals else []:
        reasons.setdefault(signal_id, set()).add(f"{agency}:{kind}")
    flags: dict[UUID, list[str]] = {}
    homes = list({place.household_id for place in places.values()})
    for household_id, check in await raw.fetch(_SELECT_FLAGS, homes) if homes else []:
        flags.setdefault(household_id, []).append(check)
    count = 0
    for envelope, warning, resolution, value in items:
        row = stored[warning.warning_id]
        outcome, reason_code, person_id, score, decided_reasons = (
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
        )
        if row[8] is not None:  # queued for review
            payload = WarningNeedsReviewV1(
                warning=warning,
                candidates=[ReviewCandidateV1.model_validate(c) for c in json.loads(row[7])],
                reason=row[8],
            )
            publish(
                envelope,
                warning,
                WarningNeedsReviewV1,
                str(warning.warning_id),
                model_json(payload),
            )
        elif outcome == "matched":
            if row[6] is None:  # a repeat of a source record: published nothing
                continue
            place = places[person_id]
            household = str(place.household_id)
            decided = json.loads(decided_reasons)
            body = matched_json(
                warning_json=_warning_json(envelope, warning, value),
                household_id=household,
                household_number=place.household_number,
                person_id=person_id,
                region_code=place.region_code,
                village_name=place.village_name,
                township_name=place.township_name,
                masked_name=mask_name(place.name),
                method="exact_id" if "id_number:exact" in decided else "fuzzy",
                score=score,
                reasons=decided,
                household_signal_id=row[6],
                signal_reasons=sorted(reasons.get(row[6], ())),
                eligibility_flags=flags.get(place.household_id, []),
            )
            publish(envelope, warning, WarningMatchedV1, household, body)
        else:
            # The reason's text from resolving again when it gives the same code (it is the
            # code's text), else the general one.
            same = resolution.verdict == "unmatched" and resolution.reason_code == reason_code
            body = unmatched_json(
                warning_json=_warning_json(envelope, warning, value),
                reason_code=reason_code or "unmatched",
                reason=(resolution.reason_zh if same else None) or "未在农户信息库中找到对应人员",
            )
            publish(envelope, warning, WarningUnmatchedV1, str(warning.warning_id), body)
        count += 1
    return count


def _review_region(
    warning: WarningReceivedV1, resolution: Resolution, places: dict[int, HouseholdPlace]
) -> str | None:
    """Where a review item belongs (whose reviewers see it): the region the warning names,
    else the best candidate's household's; None (the county's) when neither is known."""
    if warning.person.region_code is not None or not resolution.candidates:
        return warning.person.region_code
    place = places.get(resolution.candidates[0].household_id.int)
    return place.region_code if place is not None else None


def _warning_json(envelope: Envelope, warning: WarningReceivedV1, value: bytes | None) -> bytes:
    """The warning's JSON for its outcome: as it came when it can be sliced from the bytes it
    came in (`envelope`, decoded from them), else written again from its model."""
    if value is not None:
        sliced = payload_json(value, envelope)
        if sliced is not None:
            return sliced
    return model_json(warning)


@lru_cache(maxsize=4096)
def _reasons_json(reasons: tuple[str, ...]) -> str:
    """A decision's reasons as JSON (a few combinations of codes recur: encoded once each)."""
    return json.dumps(list(reasons))


class _Place(NamedTuple):
    household_id: UUID
    household_number: str
    region_code: str
    village_name: str
    township_name: str
    name: str


async def _places(raw: Any, person_ids: list[UUID]) -> dict[UUID, _Place]:
    if not person_ids:
        return {}
    return {
        r[0]: _Place(r[1], r[2], r[3], r[4], r[5], r[6])
        for r in await raw.fetch(_SELECT_PLACES, list(set(person_ids)))
    }


def _period(warning: WarningReceivedV1) -> str:
    """The household signal's period: the list's month, else the month it happened."""
    return warning.period or warning.occurred_on.strftime("%Y-%m")


async def _insert_signals(raw: Any, keys: list[tuple[UUID, str]], *, now: datetime) -> None:
    """Open the (household, period) signals not there yet, inserted in one order (sorted by
    PostgreSQL): transactions that insert overlapping keys then take them in that order."""
    if keys:
        await raw.execute(_INSERT_SIGNALS, [h for h, _p in keys], [p for _h, p in keys], now)


async def _open_signals_ahead(
    session: AsyncSession,
    keys: list[tuple[UUID, str]],
    *,
    now: datetime,
) -> None:
    """Open the household signals a poll will join in a short transaction of its own (unless
    the session has no other connection to use: then the poll opens them itself).

    Inside the poll's transaction, inserting a signal that another poll's open transaction has
    just inserted waits for that transaction to end, and then the polls in flight run one after
    the other (warnings of one household come on several partitions). An empty signal, left
    when the poll's transaction rolls back, is filled when the poll is retried; the signals API
    shows only signals with warnings. `keys`: (household, period)."""
    if not keys:
        return
    async with side_transaction(session) as raw:
        if raw is not None:
            await _insert_signals(raw, keys, now=now)


async def _join_signals(
    raw: Any,
    items: list[tuple[WarningReceivedV1, UUID]],
    *,
    now: datetime,
) -> dict[UUID, SignalJoin]:
    """Join warnings to their household signals (one per household and period), opening those
    not there yet: one statement per step, however many warnings; `repeat` when a warning was
    already there. For one warning (a review's decision) and a poll's warnings whose signal
    was not opened ahead."""
    if not items:
        return {}
    keyed = [(w, h, _period(w)) for w, h in items]
    pairs = list({(h, p) for _w, h, p in keyed})
    await _insert_signals(raw, pairs, now=now)
    households_, periods = [h for h, _p in pairs], [p for _h, p in pairs]
    ids = {(r[1], r[2]): r[0] for r in await raw.fetch(_SELECT_SIGNALS, households_, periods)}
    added = {
        r[0]
        for r in await raw.fetch(
            _INSERT_SIGNAL_WARNINGS,
            [ids[(h, p)] for _w, h, p in keyed],
            [w.warning_id for w, _h, _p in keyed],
            [w.agency_code for w, _h, _p in keyed],
            [w.signal_type for w, _h, _p in keyed],
            [w.source_record_id for w, _h, _p in keyed],
            [w.occurred_on for w, _h, _p in keyed],
        )
    }
    reasons: dict[UUID, set[str]] = {}
    for signal_id, agency, kind in await raw.fetch(_SELECT_REASONS, list(set(ids.values()))):
        reasons.setdefault(signal_id, set()).add(f"{agency}:{kind}")
    flags: dict[UUID, list[str]] = {}
    for household_id, check in await raw.fetch(_SELECT_FLAGS, list(set(households_))):
        flags.setdefault(household_id, []).append(check)
    return {
        w.warning_id: SignalJoin(
            ids[(h, p)],
            sorted(reasons.get(ids[(h, p)], set())),
            flags.get(h, []),
            w.warning_id not in added,
        )
        for w, h, p in keyed
    }


# Decisions for a poll's warnings (a warning decided before is left out: its decision is its
# primary key); the matched ones decided now joined to their household signal, opened ahead
# (signal_id NULL when it was not), a repeat of a source record in that signal being a no-op
# (`added` false). Each decided warning comes back with its signal's reasons (those already
# there and those just added: the inserts are not visible to this statement's reads) and its
# household's eligibility flags; its household's place and its person's name come from the
# index in memory (`RegistryIndex.places`, `Resolution.person_name`): reading the person and
# the household again for every matched warning was a fifth of this statement.
#
# A signal's earlier warnings are looked up by signal, one index search each (`OFFSET 0` keeps
# the lateral subquery from being flattened into a join the planner may choose to run as a
# scan of the whole table): the planner guesses the poll's matched warnings at a few dozen
# (it cannot see how many of the array say 'matched'), and while `signal_warnings` grows
# faster than its statistics follow, it read the whole table for every poll (seen with
# auto_explain in the consumer bench: a growing share of each poll's statement).
_DECIDE_AND_JOIN = """
WITH u AS (
  SELECT * FROM unnest($1::uuid[], {o}, {c}, $4::uuid[], $5::uuid[],
                       $6::float8[], {r}, {per}, {ag}, {st},
                       {src}, $12::date[])
    AS u(w, o, c, h, p, s, r, per, ag, st, src, occ)
),
d AS (
  INSERT INTO {schema}.decisions
    (warning_id, outcome, reason_code, household_id, person_id, score, reasons, decided_at)
  SELECT w, o, c, h, p, s, r::jsonb, $13 FROM u
  ON CONFLICT DO NOTHING RETURNING warning_id
),
m AS (
  SELECT u.*, sig.signal_id
  FROM d JOIN u ON u.w = d.warning_id
  LEFT JOIN {schema}.household_signals sig ON sig.household_id = u.h AND sig.period = u.per
  WHERE u.o = 'matched'
),
sw AS (
  INSERT INTO {schema}.signal_warnings
    (signal_id, warning_id, agency_code, signal_type, source_record_id, occurred_on)
  SELECT signal_id, w, ag, st, src, occ FROM m WHERE signal_id IS NOT NULL
  ON CONFLICT DO NOTHING RETURNING warning_id, signal_id, agency_code, signal_type
),
rs AS (
  SELECT signal_id, array_agg(DISTINCT agency_code || ':' || signal_type) AS reasons
  FROM (SELECT ms.signal_id, x.agency_code, x.signal_type
        FROM (SELECT DISTINCT signal_id FROM m WHERE signal_id IS NOT NULL) ms
        CROSS JOIN LATERAL (
          SELECT agency_code, signal_type FROM {schema}.signal_warnings s
          WHERE s.signal_id = ms.signal_id OFFSET 0
        ) x
        UNION ALL SELECT signal_id, agency_code, signal_type FROM sw) x
  GROUP BY signal_id
),
fl AS (
  SELECT household_id, array_agg("check" ORDER BY "check") AS flags
  FROM {schema}.eligibility_flags
  WHERE household_id IN (SELECT h FROM m) AND found GROUP BY household_id
)
SELECT d.warning_id, m.signal_id, sw.warning_id IS NOT NULL, rs.reasons, fl.flags
FROM d LEFT JOIN m ON m.w = d.warning_id
LEFT JOIN sw ON sw.warning_id = d.warning_id
LEFT JOIN rs ON rs.signal_id = m.signal_id
LEFT JOIN fl ON fl.household_id = m.h
"""
# The statement with the poll's text columns given as arrays, or each as one text in which
# unit separators (0x1F) part the values and a record separator (0x1E) alone stands for NULL,
# split by PostgreSQL (`string_to_array`): the driver checks and encodes every element of an
# array in Python code, 2.9 µs a warning for the twelve arrays against 1.3 with the seven text
# ones joined (client CPU, 700 rows a call); used unless a value holds a separator.
_COLUMNS = ("w", "o", "c", "h", "p", "s", "r", "per", "ag", "st", "src", "occ")  # $1..$12
_TEXT = {"o", "c", "r", "per", "ag", "st", "src"}
_NULLABLE = {"c", "src"}
_UNIT, _NULL = "\x1f", "\x1e"


def _text_sql(name: str, joined: bool) -> str:
    n = _COLUMNS.index(name) + 1
    if not joined:
        return f"${n}::text[]"
    return f"string_to_array(${n}, E'\\x1f'" + (", E'\\x1e')" if name in _NULLABLE else ")")


_DECIDE_AND_JOIN_ARRAYS, _DECIDE_AND_JOIN_JOINED = (
    _DECIDE_AND_JOIN.format(schema=SCHEMA, **{name: _text_sql(name, joined) for name in _TEXT})
    for joined in (False, True)
)


def _joined(values: list[str | None]) -> str | None:
    """`values` as one text for `string_to_array` (see above), None standing as the record
    separator alone; or None when that cannot carry them: a value holding a separator, or one
    empty value alone (an empty text is an empty array)."""
    text = _UNIT.join([_NULL if v is None else v for v in values])
    if not text or text.count(_UNIT) != len(values) - 1 or text.count(_NULL) != values.count(None):
        return None
    return text


def _decide_and_join_args(columns: dict[str, list[Any]]) -> tuple[str, list[Any]]:
    """The statement and its arguments for a poll's columns (by the statement's names)."""
    texts = {name: _joined(columns[name]) for name in _TEXT}
    if None in texts.values():
        return _DECIDE_AND_JOIN_ARRAYS, [columns[name] for name in _COLUMNS]
    return _DECIDE_AND_JOIN_JOINED, [texts.get(name, columns[name]) for name in _COLUMNS]


_SELECT_PLACES = f"""
SELECT p.person_id, h.household_id, h.household_number, h.region_code, h.village_name,
       h.township_name, p.name
FROM {SCHEMA}.persons p JOIN {SCHEMA}.households h ON h.household_id = p.household_id
WHERE p.person_id = ANY($1::uuid[])
"""
# The conflict named: a signal already open for the household and month (left unnamed, the
# new row's random id was looked up in the primary key first as well).
_INSERT_SIGNALS = f"""
INSERT INTO {SCHEMA}.household_signals (signal_id, household_id, period, opened_at)
SELECT gen_random_uuid(), h, p, $3 FROM unnest($1::uuid[], $2::text[]) AS u(h, p)
ORDER BY h, p
ON CONFLICT (household_id, period) DO NOTHING
"""
_SELECT_SIGNALS = f"""
SELECT s.signal_id, s.household_id, s.period
FROM {SCHEMA}.household_signals s
JOIN unnest($1::uuid[], $2::text[]) AS u(h, p) ON s.household_id = u.h AND s.period = u.p
"""
_INSERT_SIGNAL_WARNINGS = f"""
INSERT INTO {SCHEMA}.signal_warnings
  (signal_id, warning_id, agency_code, signal_type, source_record_id, occurred_on)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[])
ON CONFLICT DO NOTHING RETURNING warning_id
"""
_SELECT_REASONS = f"""
SELECT signal_id, agency_code, signal_type FROM {SCHEMA}.signal_warnings
WHERE signal_id = ANY($1::uuid[])
"""
_SELECT_FLAGS = f"""
SELECT household_id, "check" FROM {SCHEMA}.eligibility_flags
WHERE household_id = ANY($1::uuid[]) AND found ORDER BY "check"
"""
