"""The payloads matching sends for most warnings, written straight to JSON (its hot path).

`warning.matched` and `warning.unmatched` carry the whole warning. Building their models
validates every field again and serialising them writes the warning again; here the warning
comes as JSON (the payload as received, or its model's JSON) and the rest is one `orjson`
call. The bytes are the models' `model_dump_json()` (same keys, same order, same values): a
test holds them identical, and the result validates as the model. The values come from
matching's own records; what the models would check and these cannot see is checked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args
from uuid import UUID

import orjson

from shouwang_proto.events import MatchMethod

_METHODS = frozenset(get_args(MatchMethod))


def matched_json(
    *,
    warning_json: bytes | str,
    household_id: UUID | str,
    household_number: str,
    person_id: UUID | str,
    region_code: str,
    village_name: str,
    township_name: str,
    masked_name: str,
    method: MatchMethod,
    score: float,
    reasons: Sequence[str],
    household_signal_id: UUID | str | None,
    signal_reasons: Sequence[str],
    eligibility_flags: Sequence[str],
) -> bytes:
    """`WarningMatchedV1(...).model_dump_json()`, the warning given as its JSON."""
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score {score} is outside 0..1")
    if method not in _METHODS:
        raise ValueError(f"unknown match method {method!r}")
    signal = None if household_signal_id is None else _id(household_signal_id)
    return orjson.dumps(
        {
            "warning": orjson.Fragment(warning_json),
            "household_id": _id(household_id),
            "household_number": household_number,
            "person_id": _id(person_id),
            "region_code": region_code,
            "village_name": village_name,
            "township_name": township_name,
            "masked_name": masked_name,
            "method": method,
            "score": float(score),
            "reasons": list(reasons),
            "household_signal_id": signal,
            "signal_reasons": list(signal_reasons),
            "eligibility_flags": list(eligibility_flags),
        }
    )


def unmatched_json(*, warning_json: bytes | str, reason_code: str, reason: str) -> bytes:
    """`WarningUnmatchedV1(...).model_dump_json()`, the warning given as its JSON."""
    return orjson.dumps(
        {"warning": orjson.Fragment(warning_json), "reason_code": reason_code, "reason": reason}
    )


def _id(value: UUID | str) -> UUID | str:
    """A UUID orjson writes itself, else its canonical text (database drivers have their own
    UUID types, whose `str()` is that text)."""
    return value if type(value) is UUID or isinstance(value, str) else str(value)
