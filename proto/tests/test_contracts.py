"""The event contracts: golden samples of every version keep parsing; schemas are current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shouwang_proto import EVENTS, Envelope, UnknownEventError, decode, encode, encode_event
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.envelope import model_json, payload_json
from shouwang_proto.export import render
from shouwang_proto.topics import ALL_TOPICS

PROTO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((PROTO / "samples").glob("*.json"))


def _fast_encoding(envelope: Envelope) -> bytes:
    """`encode_event` of the envelope's own payload and fields (as producers write events)."""
    return encode_event(
        envelope.parsed(),
        id=envelope.id,
        time=envelope.time,
        source=envelope.source,
        subject=envelope.subject,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
    )


def test_every_event_version_has_a_golden_sample() -> None:
    names = {p.stem for p in SAMPLES}
    missing = {f"{t}.v{v}" for t, v in EVENTS} - names
    assert not missing, f"add a golden sample under proto/samples for {missing}"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_golden_sample_still_parses_and_round_trips(sample: Path) -> None:
    raw = sample.read_bytes()
    envelope = decode(raw)
    assert f"{envelope.type}.v{envelope.version}" == sample.stem
    assert json.loads(encode(envelope)) == json.loads(raw)
    payload = envelope.parsed()
    assert payload.model_dump(mode="json") == json.loads(raw)["payload"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_one_pass_decoding_reads_what_two_passes_read(sample: Path) -> None:
    """`decode` validates compact envelopes (as every producer here writes them) straight into
    the payload model; the envelope, the payload and the bytes written again are the same as
    validating the envelope first, then its payload. Other field orders take that slow path."""
    generic = Envelope.model_validate_json(sample.read_bytes())
    compact = _fast_encoding(generic)
    fast = decode(compact)
    assert type(fast) is not Envelope and isinstance(fast, Envelope)  # the one-pass model
    assert fast.parsed() == generic.parsed() and fast.payload is fast.parsed()
    assert fast.model_dump(exclude={"payload"}) == generic.model_dump(exclude={"payload"})
    assert encode(fast) == compact
    reordered = json.dumps({"payload": json.loads(compact)["payload"], **json.loads(compact)})
    slow = decode(reordered.encode())
    assert type(slow) is Envelope and slow.parsed() == fast.parsed()
    assert slow.payload is slow.parsed()  # validated once, kept
    assert json.loads(encode(slow)) == json.loads(compact)


def test_a_newer_producer_adding_fields_does_not_break_this_consumer() -> None:
    data = json.loads((PROTO / "samples" / "warning.received.v1.json").read_text())
    data["payload"]["added_in_a_later_release"] = "x"
    data["payload"]["person"]["nickname"] = "y"
    data["traceparent"] = "00-abc"
    assert decode(json.dumps(data).encode()).parsed().EVENT_TYPE == "warning.received"


def test_missing_required_field_is_refused() -> None:
    data = json.loads((PROTO / "samples" / "case.opened.v1.json").read_text())
    del data["payload"]["case_number"]
    with pytest.raises(ValueError, match="case_number"):
        decode(json.dumps(data).encode())


def test_unknown_type_or_version_is_refused() -> None:
    data = json.loads((PROTO / "samples" / "warning.received.v1.json").read_text())
    data["version"] = 99
    with pytest.raises(UnknownEventError):
        decode(json.dumps(data).encode())
    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    assert compact.startswith(b'{"id":') and b'"version":99,' in compact
    with pytest.raises(UnknownEventError):
        decode(compact)  # read in one pass's form, but no contract has that version
    with pytest.raises(UnknownEventError):
        Envelope.model_validate({**data, "type": "nobody.knows", "version": 1}).parsed()


def test_checked_in_schemas_match_the_contracts() -> None:
    out = PROTO / "schemas"
    for path, text in render(out).items():
        assert path.exists(), f"{path.name} missing: run `make schemas`"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} stale: run `make schemas`"


def test_every_event_travels_on_exactly_one_topic() -> None:
    carried = [event for topic in ALL_TOPICS for event in topic.events]
    assert sorted(carried) == sorted(EVENTS)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_fast_encoding_gives_the_same_bytes(sample: Path) -> None:
    envelope = decode(sample.read_bytes())
    fast = _fast_encoding(envelope)
    assert fast == encode(envelope)


def test_fast_encoding_matches_for_utc_times_chinese_subjects_and_causes() -> None:
    import uuid
    from datetime import UTC, datetime

    envelope = decode((PROTO / "samples" / "warning.received.v1.json").read_bytes())
    meta = {
        "id": uuid.uuid4(),
        "time": datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=UTC),
        "source": "网关",
        "subject": '户"1\\',
        "correlation_id": uuid.uuid4(),
        "causation_id": uuid.uuid4(),
    }
    payload = envelope.parsed()
    assert encode_event(payload, **meta) == encode(Envelope.wrap(payload, **meta))  # type: ignore[arg-type]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_the_payload_as_it_came_is_sliced_from_envelopes_written_here(sample: Path) -> None:
    """`payload_json` gives the payload's bytes as written, for both encoders (its JSON is
    the model's), and None for other layouts: the caller then writes the model again."""
    envelope = decode(sample.read_bytes())
    for raw in (_fast_encoding(envelope), encode(envelope)):
        assert payload_json(raw) == model_json(envelope.parsed())
    assert list(Envelope.model_fields)[-1] == "payload"  # what the slice relies on
    data = json.loads(encode(envelope))
    others = [
        json.dumps(data).encode(),  # spaces after the separators
        json.dumps({"payload": data["payload"], **data}, separators=(",", ":")).encode(),
        json.dumps({**data, "traceparent": "00-abc"}, separators=(",", ":")).encode(),
        json.dumps({**data, "subject": '{"payload":{}}'}, separators=(",", ":")).encode(),
    ]
    for raw in others:
        assert payload_json(raw) is None, raw


def test_a_field_after_the_payload_whose_value_is_an_object_is_not_sliced_into_it() -> None:
    """The bytes alone cannot tell `,"payload":{…},"trace":{…}}` from a payload ending in an
    object; the decoded envelope can (the field is one `Envelope` does not know)."""
    data = json.loads((PROTO / "samples" / "warning.received.v1.json").read_text())
    raw = json.dumps({**data, "trace": {"span": "1"}}, separators=(",", ":")).encode()
    envelope = decode(raw)
    assert envelope.model_extra == {"trace": {"span": "1"}}
    assert payload_json(raw, envelope) is None
    plain = json.dumps(data, separators=(",", ":")).encode()
    assert payload_json(plain, decode(plain)) == payload_json(plain) is not None


def test_a_sliced_payload_keeps_what_a_newer_producer_added() -> None:
    data = json.loads((PROTO / "samples" / "warning.received.v1.json").read_text())
    data["payload"]["added_in_a_later_release"] = {"a": "新"}
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    sliced = payload_json(raw)
    assert sliced is not None and json.loads(sliced) == data["payload"]


def test_warnings_that_start_in_intake_are_named_for_messages_and_screens() -> None:
    """A cadre's screening visit reached the township as "cadre_visit·water"."""
    catalogue = load_catalogue()
    assert catalogue.signal_name("cadre_visit", "water") == "干部走访排查·饮水安全没有保障"
    assert catalogue.signal_name("self_declaration", "major_illness") == (
        "农户自主申报·家中有大病病人，医疗自付支出较大"
    )
    channels = {a.code: a.channel for a in catalogue.agencies}
    assert channels["civil_affairs"] == "agency"
    assert {c for c, kind in channels.items() if kind == "intake"} == {
        "self_declaration",
        "cadre_visit",
    }
    intake = [a for a in catalogue.agencies if a.channel == "intake"]
    assert all(a.monthly_list is None for a in intake)  # no feed to fall behind on


def test_an_attachment_from_before_monitored_existed_reads_as_not_monitored() -> None:
    data = json.loads((PROTO / "samples" / "case.signal_attached.v1.json").read_text())
    del data["payload"]["monitored"]
    assert decode(json.dumps(data).encode()).parsed().monitored is False  # type: ignore[attr-defined]
