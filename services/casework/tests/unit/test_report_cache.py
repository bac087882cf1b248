"""The report cache: computed once, served while fresh, refreshed once in the background."""

import asyncio

from casework.adapters.report_cache import ReportCache


async def test_fresh_answers_are_served_and_stale_ones_refreshed_in_the_background() -> None:
    now = [0.0]
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        return len(calls)

    cache = ReportCache(ttl=60, clock=lambda: now[0])
    assert await cache.get("k", compute) == 1
    now[0] = 30
    assert await cache.get("k", compute) == 1 and len(calls) == 1
    now[0] = 61
    assert await cache.get("k", compute) == 1  # stale is served at once …
    await asyncio.sleep(0)
    assert await cache.get("k", compute) == 2  # … and replaced by the refresh
    assert await cache.get("other", compute) == 3  # keys are separate


async def test_a_zero_ttl_turns_the_cache_off() -> None:
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        return len(calls)

    cache = ReportCache(ttl=0)
    assert [await cache.get("k", compute) for _ in range(3)] == [1, 2, 3]
