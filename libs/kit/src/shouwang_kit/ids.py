"""Ids for consumers that make thousands per batch: fresh random ones, and ids derived
from the input (the same each time it is handled)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator


class FreshIds:
    """uuid4s from one os.urandom call per 1,024 of them (casework takes three per signal;
    one system call each was 7% of its consumer's profile). The same randomness as uuid4."""

    _CHUNK = 16 * 1024

    def __init__(self) -> None:
        self._buffer = b""
        self._at = 0
        # A forked child must not hand out the ids left in its parent's buffer.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._buffer, self._at = b"", 0

    def __call__(self) -> uuid.UUID:
        at = self._at
        if at >= len(self._buffer):
            self._buffer, at = os.urandom(self._CHUNK), 0
        self._at = at + 16
        return uuid.UUID(bytes=self._buffer[at : at + 16], version=4)


class FreshIdTexts:
    """`uuid4_texts` drawn one at a time, 1,024 per system call, for hot paths that only
    write ids (an envelope's id, a driver's uuid parameter): a third of the time of
    `FreshIds` and the text conversion after it."""

    _COUNT = 1024

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._texts, self._at = [], 0

    def __call__(self) -> str:
        at = self._at
        if at >= len(self._texts):
            self._texts, at = list(uuid4_texts(self._COUNT)), 0
        self._at = at + 1
        return self._texts[at]


# The version (4) and variant (RFC 4122) bits of a UUID's 16 bytes: kept, and set.
_KEEP = bytes.fromhex("ffffffffffff0fff3fffffffffffffff")
_SET = bytes.fromhex("00000000000040008000000000000000")


def uuid4_texts(count: int) -> Iterator[str]:
    """`count` random (version 4) UUIDs as text, from one urandom call, for code that only
    needs their text (the gateway's parse worker: UUID objects are slow to build and pickle).
    The version and variant bits of all of them are set in one integer operation."""
    size = 16 * count
    number = int.from_bytes(os.urandom(size)) & int.from_bytes(_KEEP * count) | int.from_bytes(
        _SET * count
    )
    h = number.to_bytes(size).hex()
    for at in range(0, 2 * size, 32):
        yield (
            f"{h[at : at + 8]}-{h[at + 8 : at + 12]}-{h[at + 12 : at + 16]}-"
            f"{h[at + 16 : at + 20]}-{h[at + 20 : at + 32]}"
        )


def derived_id_text(namespace: uuid.UUID, source: uuid.UUID, label: str) -> str:
    """The same id every time for one (source, label): a version 5 UUID (SHA-1 of the
    namespace, the source id's 16 bytes and the label), as text. For an event that must keep
    its id when it is made again from the same input (a redelivered message's outcome, which
    consumers downstream then take as the repeat it is). A quarter of the time of
    `str(uuid.uuid5(...))`, which builds the name as text and the UUID as an object."""
    return _v5_text(hashlib.sha1(namespace.bytes + source.bytes + label.encode()).hexdigest())


class DerivedIdTexts:
    """`derived_id_text` for one namespace and label, many sources (a consumer's outcome ids,
    one per warning): the namespace's bytes and the label's are made once."""

    def __init__(self, namespace: uuid.UUID, label: str) -> None:
        self._start = namespace.bytes
        self._end = label.encode()

    def __call__(self, source: uuid.UUID) -> str:
        return _v5_text(hashlib.sha1(self._start + source.int.to_bytes(16) + self._end).hexdigest())


def _v5_text(digest: str) -> str:
    """The canonical text of the version 5 UUID whose SHA-1 is `digest` (hex)."""
    variant = "89ab"[int(digest[16], 16) & 3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"
