import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from casework.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainLinks,
    ChainVerifier,
    entry_hash,
    first_broken_link,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "at": T0 + timedelta(minutes=seq),
            "actor": f"officer-{seq % 3}",
            "action": "accept" if seq % 2 else "view_sensitive",
            "subject": f"case:{seq % 4}",
            "detail": {"reason": f"第{seq}步"},
        }
        digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
        entries.append(AuditEntry(prev_hash=prev, hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return entries


def test_an_untouched_chain_verifies() -> None:
    assert first_broken_link(_chain(20)) is None
    assert first_broken_link([]) is None


def test_an_altered_entry_is_the_first_broken_link() -> None:
    entries = _chain(10)
    entries[4] = replace(entries[4], actor="someone-else")
    assert first_broken_link(entries) == 5


def test_a_removed_entry_breaks_the_chain_where_it_was() -> None:
    entries = _chain(10)
    del entries[6]
    assert first_broken_link(entries) == 8


def test_a_rewritten_tail_still_fails_at_the_first_rewritten_entry() -> None:
    entries = _chain(10)
    forged = replace(entries[3], detail={"reason": "改过"})
    forged = replace(
        forged,
        hash=entry_hash(
            forged.prev_hash,
            seq=4,
            at=forged.at,
            actor=forged.actor,
            action=forged.action,
            subject=forged.subject,
            detail=forged.detail,
        ),
    )
    entries[3] = forged
    assert first_broken_link(entries) == 5  # the next entry no longer points at it


def test_links_encoded_ahead_hash_as_entries_appended_one_by_one() -> None:
    """A batch's entries, encoded before the chain's end is read, then hashed onto it, are
    the entries `entry_hash` gives one at a time (and verify after the earlier ones)."""
    earlier = _chain(7)
    batch: list[tuple[str, str, str, dict[str, Any]]] = [
        ("system", "opened", "case:一", {"reason": "预警匹配到本户，立案：新纳入低保", "n": 1}),
        ("officer-9", "view_sensitive", "case:2", {"fields": ["id_number"], "z": None}),
        ("system", "signal_attached", "case:一", {}),
    ]
    at = T0 + timedelta(hours=1)
    links = ChainLinks(at, batch)
    assert len(links) == 3
    chained = links.hashes(earlier[-1].hash, earlier[-1].seq)
    prev, expected = earlier[-1].hash, []
    for seq, (actor, action, subject, detail) in enumerate(batch, start=8):
        digest = entry_hash(
            prev, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
        )
        expected.append((seq, prev, digest))
        prev = digest
    assert chained == expected
    verifier = ChainVerifier()
    appended = [
        AuditEntry(seq, at, actor, action, subject, detail, before, digest)
        for (seq, before, digest), (actor, action, subject, detail) in zip(
            chained, batch, strict=True
        )
    ]
    assert all(verifier.feed(entry) for entry in [*earlier, *appended])
    assert ChainLinks(at, batch).hashes(GENESIS, 0)[0][1] == GENESIS
    # What the log stores is each detail, whole.
    assert [json.loads(text) for text in links.details] == [d for _a, _b, _c, d in batch]


def test_an_entry_hash_is_sha256_of_the_previous_hash_and_the_canonical_entry() -> None:
    """The stored chains stay verifiable: the hashed text is the canonical JSON of
    [seq, at, actor, action, subject, detail] whatever the strings hold (quotes, backslashes,
    control characters, Chinese, offsets in times), however it is written out."""
    import hashlib

    at = datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC) + timedelta(hours=8)
    for actor, action, subject in [
        ("system", "opened", "case:3f2a7c5e-0000-4000-8000-000000000001"),
        ('张"三"', "view\\sensitive", "case:\n1"),
        ("officer 9", "回退", "case:\u2028x\t"),
        ("", "a|b:c.d-e+f", "household:一"),
    ]:
        detail = {"reason": "预警匹配到本户，立案：新纳入低保", "z": None, "a": [1, "二"]}
        canonical = json.dumps(
            [7, at.isoformat(), actor, action, subject, detail],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        expected = hashlib.sha256(f"{GENESIS}|{canonical}".encode()).hexdigest()
        got = entry_hash(
            GENESIS, seq=7, at=at, actor=actor, action=action, subject=subject, detail=detail
        )
        assert got == expected
        assert ChainLinks(at, [(actor, action, subject, detail)]).hashes(GENESIS, 6)[0][2] == got
