from dataclasses import replace
from datetime import UTC, datetime, timedelta

from casework.domain.audit import GENESIS, AuditEntry, entry_hash, first_broken_link

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
