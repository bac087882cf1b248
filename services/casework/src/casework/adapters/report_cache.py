"""Aggregate reports kept for a minute per (report, region, parameters): a county's reports
group every open case, which takes a few hundred milliseconds at 100,000 cases; a page that
refreshes or several officers looking at once need not pay that each time. A stale answer is
served while one refresh runs in the background; only the very first ask waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class ReportCache:
    """Answers by key, fresh for `ttl` seconds, refreshed once in the background after that."""

    def __init__(self, ttl: float = 60.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._refreshing: dict[Hashable, asyncio.Task[None]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The cached answer for `key`, computing it when missing or refreshing when stale
        (a `ttl` of 0 turns the cache off)."""
        if self.ttl <= 0:
            return await compute()
        now = self._clock()
        held = self._items.get(key)
        if held is None:
            value = await compute()
            self._items[key] = (self._clock(), value)
            return value
        at, value = held
        if now - at > self.ttl and key not in self._refreshing:
            self._refreshing[key] = asyncio.create_task(self._refresh(key, compute))
        return value

    async def _refresh(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> None:
        try:
            self._items[key] = (self._clock(), await compute())
        finally:
            self._refreshing.pop(key, None)

    def clear(self) -> None:
        """Forget every answer (tests; after a bulk load)."""
        self._items.clear()
