"""Requests per agency per minute (a fixed one-minute window, per gateway process)."""

from __future__ import annotations

import math
import time


class RateLimiter:
    """Counts requests per agency in the current minute."""

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._window = -1
        self._counts: dict[str, int] = {}

    def check(self, agency_code: str, now: float | None = None) -> float | None:
        """None when allowed; otherwise the seconds to wait (for Retry-After)."""
        moment = time.time() if now is None else now
        window = int(moment // 60)
        if window != self._window:
            self._window, self._counts = window, {}
        count = self._counts.get(agency_code, 0) + 1
        self._counts[agency_code] = count
        if count > self._limit:
            return max(1.0, math.ceil((window + 1) * 60 - moment))
        return None
