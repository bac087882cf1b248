"""The responsibility trace (责任追溯): an append-only log, each entry chained to the one before by
a hash, so that changing, removing or inserting an entry afterwards is detected (pure).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shouwang_proto import json_text

GENESIS = "0" * 64
# The canonical JSON of an entry (built once: json.dumps with options makes an encoder per call).
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
)


@dataclass(frozen=True)
class AuditEntry:
    """One recorded act: who did what to which subject, when, with details."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str  # e.g. "case:<uuid>"
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the entry."""
    stamp = json_text(at.isoformat())
    return _link(prev_hash, seq, _tail(stamp, actor, action, subject, _CANONICAL.encode(detail)))


def _tail(stamp_json: str, actor: str, action: str, subject: str, detail_json: str) -> str:
    """An entry's canonical JSON, `[seq, at, actor, action, subject, detail]`, but for its
    opening `[seq,` (the one part that waits for the entry's place in the chain)."""
    return (
        f"{stamp_json},{json_text(actor)},{json_text(action)},{json_text(subject)},{detail_json}]"
    )


def _link(prev_hash: str, seq: int, tail: str) -> str:
    return hashlib.sha256(f"{prev_hash}|[{seq},{tail}".encode()).hexdigest()


class ChainLinks:
    """Entries sharing one time, encoded before their place in the chain is known, then
    hashed onto its end: the same hashes as `entry_hash` one by one, with only the SHA-256s
    left for the moment the chain's end is held (under the append lock)."""

    def __init__(self, at: datetime, entries: Iterable[tuple[str, str, str, dict[str, Any]]]):
        stamp = json_text(at.isoformat())
        #: Each entry's detail as canonical JSON (what the log stores, encoded once).
        self.details: list[str] = []
        self._tails: list[str] = []
        for actor, action, subject, detail in entries:
            text = _CANONICAL.encode(detail)
            self.details.append(text)
            self._tails.append(_tail(stamp, actor, action, subject, text))

    def __len__(self) -> int:
        return len(self._tails)

    def hashes(self, prev_hash: str, last_seq: int) -> list[tuple[int, str, str]]:
        """(seq, previous hash, hash) for each entry, chained after (last_seq, prev_hash)."""
        out = []
        seq, prev = last_seq, prev_hash
        for tail in self._tails:
            seq += 1
            digest = _link(prev, seq, tail)
            out.append((seq, prev, digest))
            prev = digest
        return out


class ChainVerifier:
    """Checks entries one at a time, in seq order (so a long log never sits in memory)."""

    def __init__(self) -> None:
        self.expected_prev = GENESIS
        self.expected_seq = 1
        self.checked = 0

    def feed(self, entry: AuditEntry) -> bool:
        """True when this entry chains onto the ones before it."""
        recomputed = entry_hash(
            entry.prev_hash,
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            detail=entry.detail,
        )
        ok = (
            entry.seq == self.expected_seq
            and entry.prev_hash == self.expected_prev
            and entry.hash == recomputed
        )
        self.checked += 1
        self.expected_prev, self.expected_seq = entry.hash, entry.seq + 1
        return ok


def first_broken_link(entries: Iterable[AuditEntry]) -> int | None:
    """The seq of the first entry that does not chain (altered, removed before it, or
    inserted), or None when the whole log verifies. Entries must come in seq order."""
    verifier = ChainVerifier()
    for entry in entries:
        if not verifier.feed(entry):
            return entry.seq
    return None
