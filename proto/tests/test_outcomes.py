"""matching's outcomes written straight to JSON are the models' JSON, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shouwang_proto import Envelope, decode, encode, encode_event
from shouwang_proto.envelope import encode_event_json
from shouwang_proto.events import (
    PersonRef,
    WarningMatchedV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)
from shouwang_proto.outcomes import matched_json, unmatched_json

# Any text a sender or the registry may hold: Chinese, quotes, backslashes, control
# characters, characters outside the BMP, lone surrogates excluded (not valid UTF-8).
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
NAME = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
DETAIL = st.one_of(
    TEXT,
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)

warnings = st.builds(
    WarningReceivedV1,
    warning_id=st.uuids(),
    source_kind=st.sampled_from(["agency", "self_declaration", "cadre_visit"]),
    agency_code=TEXT,
    signal_type=TEXT,
    source_record_id=st.none() | TEXT,
    period=st.none() | st.just("2026-10"),
    occurred_on=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    person=st.builds(
        PersonRef,
        name=NAME,
        id_number=st.none() | st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
        birth_date=st.none() | st.dates(min_value=date(1900, 1, 1)),
        phone=st.none() | st.from_regex(r"\A1[3-9][0-9]{9}\Z"),
        region_code=st.none() | st.from_regex(r"\A[0-9]{12}\Z"),
    ),
    details=st.dictionaries(TEXT, DETAIL, max_size=4),
    received_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
CODES = st.lists(TEXT, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    warning=warnings,
    ids=st.tuples(st.uuids(), st.uuids(), st.none() | st.uuids()),
    texts=st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT),
    method=st.sampled_from(["exact_id", "review_confirmed", "fuzzy"]),
    score=st.floats(min_value=0.0, max_value=1.0),
    lists=st.tuples(CODES, CODES, CODES),
)
def test_matched_json_is_the_models_json(
    warning: WarningReceivedV1,
    ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID | None],
    texts: tuple[str, str, str, str, str],
    method: str,
    score: float,
    lists: tuple[list[str], list[str], list[str]],
) -> None:
    household_id, person_id, signal_id = ids
    number, region, village, township, masked = texts
    reasons, signal_reasons, flags = lists
    fields = {
        "household_id": household_id,
        "household_number": number,
        "person_id": person_id,
        "region_code": region,
        "village_name": village,
        "township_name": township,
        "masked_name": masked,
        "method": method,
        "score": score,
        "reasons": reasons,
        "household_signal_id": signal_id,
        "signal_reasons": signal_reasons,
        "eligibility_flags": flags,
    }
    model = WarningMatchedV1(warning=warning, **fields)
    fast = matched_json(warning_json=warning.model_dump_json(), **fields)  # type: ignore[arg-type]
    assert fast == model.model_dump_json().encode()
    assert WarningMatchedV1.model_validate_json(fast) == model


@settings(max_examples=200, deadline=None)
@given(warning=warnings, code=TEXT, reason=TEXT)
def test_unmatched_json_is_the_models_json(
    warning: WarningReceivedV1, code: str, reason: str
) -> None:
    model = WarningUnmatchedV1(warning=warning, reason_code=code, reason=reason)
    fast = unmatched_json(warning_json=warning.model_dump_json(), reason_code=code, reason=reason)
    assert fast == model.model_dump_json().encode()


def _a_warning() -> WarningReceivedV1:
    return WarningReceivedV1(
        warning_id=uuid.uuid4(),
        agency_code="civil_affairs",
        signal_type="new_dibao",
        occurred_on=date(2026, 10, 5),
        person=PersonRef(name="张伟"),
        received_at=datetime(2026, 10, 6, tzinfo=UTC),
    )


def _matched_fields(**change: object) -> dict[str, object]:
    """A matched outcome's fields besides the warning, with `change` made."""
    fields: dict[str, object] = {
        "household_id": uuid.uuid4(),
        "household_number": "H1",
        "person_id": uuid.uuid4(),
        "region_code": "532929101001",
        "village_name": "村",
        "township_name": "镇",
        "masked_name": "张*",
        "method": "exact_id",
        "score": 1.0,
        "reasons": ["id_number:exact"],
        "household_signal_id": None,
        "signal_reasons": [],
        "eligibility_flags": [],
    }
    return {**fields, **change}


def test_ids_from_a_database_driver_are_written_as_their_text() -> None:
    """Drivers (asyncpg) return their own UUID subclass; it is written like a UUID."""

    class DriverUUID(uuid.UUID):
        pass

    warning = _a_warning()
    fields = _matched_fields(
        household_id=DriverUUID(bytes=uuid.uuid4().bytes),
        household_signal_id=DriverUUID(bytes=uuid.uuid4().bytes),
    )
    fast = matched_json(warning_json=warning.model_dump_json(), **fields)  # type: ignore[arg-type]
    assert fast == WarningMatchedV1(warning=warning, **fields).model_dump_json().encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [({"score": 1.5}, "score"), ({"method": "guess"}, "method")],
)
def test_what_the_model_would_refuse_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        matched_json(warning_json=b"{}", **_matched_fields(**change))  # type: ignore[arg-type]


def test_an_event_encoded_from_its_json_is_the_envelope_of_its_model() -> None:
    warning = _a_warning()
    payload = WarningUnmatchedV1(warning=warning, reason_code="not_in_registry", reason="未在库")
    meta = {
        "id": uuid.uuid4(),
        "time": datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        "source": "matching",
        "subject": str(warning.warning_id),
        "correlation_id": uuid.uuid4(),
        "causation_id": uuid.uuid4(),
    }
    raw = encode_event_json(WarningUnmatchedV1, payload.model_dump_json().encode(), **meta)  # type: ignore[arg-type]
    assert raw == encode_event(payload, **meta) == encode(Envelope.wrap(payload, **meta))  # type: ignore[arg-type]
    assert decode(raw).parsed() == payload
