"""What became of a warning downstream, as the agency is told (pure)."""

from __future__ import annotations

# Later stages never give way to earlier ones when events arrive out of order.
OUTCOME_RANK = {
    "accepted": 0,
    "not_in_registry": 1,
    "needs_review": 1,
    "matched": 2,
    "case_opened": 3,
    "confirmed": 4,
    "dismissed": 4,
}


def unmatched_outcome(reason_code: str) -> str:
    """The feedback word for an unmatched warning."""
    return "not_in_registry" if reason_code in ("not_in_registry", "no_id_number") else reason_code
