"""Spooling an upload to disk as it streams in: size limit, SHA-256, UTF-8 probe."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from shouwang_kit.tabular import Utf8Probe


class BodyTooLarge(Exception):
    """The upload exceeded the configured size."""


@dataclass(frozen=True)
class Spooled:
    """An upload on disk."""

    path: Path
    size: int
    sha256: str
    utf8: bool


async def spool(chunks: AsyncIterator[bytes], *, max_bytes: int, directory: Path | None) -> Spooled:
    """Write the body to a temporary file without holding it in memory."""
    digest = hashlib.sha256()
    probe = Utf8Probe()
    size = 0
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed by the caller
        prefix="upload-", dir=directory, delete=False
    )
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise BodyTooLarge(max_bytes)
            handle.write(chunk)
            digest.update(chunk)
            probe.feed(chunk)
        probe.feed(b"", final=True)
    except BaseException:
        handle.close()
        os.unlink(handle.name)
        raise
    handle.close()
    return Spooled(Path(handle.name), size, digest.hexdigest(), probe.valid)
