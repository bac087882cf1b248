"""What became of a warning downstream, as the agency is told (pure)."""

from __future__ import annotations

# Later stages never give way to earlier ones when events arrive out of order.
# County staff's review decides a warning queued for it either way: matched, or not in the
# registry.
OUTCOME_RANK = {
    "accepted": 0,
    "needs_review": 1,
    "not_in_registry": 2,
    "matched": 2,
    "case_opened": 3,
    "confirmed": 4,
    "dismissed": 4,
}
