"""Fresh random ids for consumers that make thousands per batch."""

from __future__ import annotations

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
    """Random (version 4) UUIDs as their canonical text, for hot paths that only write them
    (an envelope's id, a driver's uuid parameter): a third of the time of `FreshIds` and the
    text conversion after it. Version and variant bits are set on 1,024 ids at once."""

    _COUNT = 1024
    _MASK = int.from_bytes(bytes.fromhex("ffffffffffff0fff3fffffffffffffff") * _COUNT, "big")
    _BITS = int.from_bytes(bytes.fromhex("00000000000040008000000000000000") * _COUNT, "big")

    def __init__(self) -> None:
        self._hex = ""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._hex, self._at = "", 0

    def __call__(self) -> str:
        at = self._at
        if at >= len(self._hex):
            size = 16 * self._COUNT
            number = int.from_bytes(os.urandom(size), "big") & self._MASK | self._BITS
            self._hex, at = number.to_bytes(size, "big").hex(), 0
        self._at = at + 32
        h = self._hex
        return (
            f"{h[at : at + 8]}-{h[at + 8 : at + 12]}-{h[at + 12 : at + 16]}-"
            f"{h[at + 16 : at + 20]}-{h[at + 20 : at + 32]}"
        )


def uuid4_texts(count: int) -> Iterator[str]:
    """`count` random (version 4) UUIDs as text, from one urandom call, for code that only
    needs their text (the gateway's parse worker: UUID objects are slow to build and pickle)."""
    raw = bytearray(os.urandom(16 * count))
    for offset in range(0, 16 * count, 16):
        raw[offset + 6] = (raw[offset + 6] & 0x0F) | 0x40  # version 4
        raw[offset + 8] = (raw[offset + 8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw[offset : offset + 16].hex()
        yield f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
