"""The one envelope every Shouwang event travels in."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    TypeAdapter,
    WithJsonSchema,
    create_model,
)


class UnknownEventError(ValueError):
    """Raised when an envelope names a (type, version) no contract knows."""


class EventPayload(BaseModel):
    """Base of every versioned payload; subclasses set EVENT_TYPE and VERSION."""

    # Unknown fields are ignored so that a newer producer (adding optional fields)
    # never breaks an older consumer.
    model_config = ConfigDict(frozen=True, extra="ignore")

    EVENT_TYPE: ClassVar[str]
    VERSION: ClassVar[int]


class Envelope(BaseModel):
    """Metadata around a payload: id, type, version, time, source, subject (the key)."""

    # Fields a newer producer adds are kept (`model_extra`), not refused: an older consumer
    # reads on, and `payload_json` can tell that the payload is not the envelope's last field.
    model_config = ConfigDict(frozen=True, extra="allow")

    id: UUID = Field(description="Unique message id; consumers deduplicate on it.")
    type: str = Field(description="Event type, e.g. 'warning.received'.")
    version: int = Field(ge=1, description="Payload schema version for this type.")
    time: AwareDatetime = Field(description="When the event happened (ISO 8601 with offset).")
    source: str = Field(description="Service that emitted the event.")
    subject: str = Field(description="Partition key: everything about one subject stays ordered.")
    correlation_id: UUID = Field(description="Id shared by every event caused by one input.")
    causation_id: UUID | None = Field(default=None, description="Id of the event that caused it.")
    # A dict when built by `wrap`; the payload model itself when read by `decode`. Either way,
    # `parsed()` is the payload model and the JSON is the same. (No private attribute caches
    # the model: pydantic runs Python code to set one up on every instance, a fifth of the
    # time `decode` takes.)
    # The published schema stays "an object": what the wire carries either way.
    payload: Annotated[
        dict[str, Any] | SerializeAsAny[EventPayload],
        WithJsonSchema({"additionalProperties": True, "type": "object"}),
    ] = Field(union_mode="left_to_right")

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        id: UUID,
        time: AwareDatetime,
        source: str,
        subject: str,
        correlation_id: UUID,
        causation_id: UUID | None = None,
    ) -> Envelope:
        """Put a payload in an envelope; ids and time are passed in, never made here."""
        return cls(
            id=id,
            type=payload.EVENT_TYPE,
            version=payload.VERSION,
            time=time,
            source=source,
            subject=subject,
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=payload.model_dump(mode="json"),
        )

    def parsed(self) -> EventPayload:
        """The payload validated against its versioned contract.

        Envelopes from `decode` hold the payload model already; a dict payload (an envelope
        built by `wrap`) is validated at each call."""
        payload = self.payload
        if isinstance(payload, EventPayload):
            return payload
        from shouwang_proto.registry import payload_model

        return payload_model(self.type, self.version).model_validate(payload)


_TIME = TypeAdapter(AwareDatetime)
_ID_TEXTS = TypeAdapter(tuple[UUID | str, UUID | str, UUID | None])


@lru_cache(maxsize=64)
def _time_json(time: datetime) -> str:
    return _TIME.dump_json(time).decode()


# Strings whose JSON is the string in quotes: codes, service names, hashed keys, ids, times.
_PLAIN = re.compile(r"[A-Za-z0-9._:+|-]*")


def json_text(value: str) -> str:
    """`json.dumps(value, ensure_ascii=False)` of a string, plain ones written directly
    (the encoder is the slow part on hot paths)."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def model_json(model: BaseModel) -> bytes:
    """`model.model_dump_json()` as UTF-8, straight from pydantic-core (without the method's
    keyword handling: ~0.6 µs an event on hot paths)."""
    return model.__pydantic_serializer__.to_json(model)


def encode_event(
    payload: EventPayload,
    *,
    id: UUID | str,
    time: AwareDatetime,
    source: str,
    subject: str,
    correlation_id: UUID | str,
    causation_id: UUID | None = None,
    payload_json: str | None = None,
) -> bytes:
    """The bytes of encode(Envelope.wrap(...)), serialising the payload once (hot paths).

    The envelope's own fields are written directly, in the model's order; a test holds the
    two encodings byte-identical. Ids may be given as UUIDs or as their canonical text;
    `payload_json` is `payload.model_dump_json()` when the caller has it already.
    """
    body = model_json(payload) if payload_json is None else payload_json.encode("utf-8")
    return encode_event_json(
        type(payload),
        body,
        id=id,
        time=time,
        source=source,
        subject=subject,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def encode_event_json(
    event: type[EventPayload],
    payload_json: bytes,
    *,
    id: UUID | str,
    time: AwareDatetime,
    source: str,
    subject: str,
    correlation_id: UUID | str,
    causation_id: UUID | None = None,
) -> bytes:
    """`encode_event` for a payload of type `event` given only as its JSON (UTF-8), as
    `shouwang_proto.outcomes` writes it."""
    # The ids' text from one call into pydantic-core: str() of a UUID runs Python code (a
    # microsecond each, a few percent of a consumer's CPU per event).
    id_text, correlation_text, cause_text = _ID_TEXTS.dump_python(
        (id, correlation_id, causation_id), mode="json"
    )
    cause = "null" if cause_text is None else f'"{cause_text}"'
    head = (
        f'{{"id":"{id_text}",{_type_json(event)}"time":{_time_json(time)},'
        f'{_source_json(source)}"subject":{json_text(subject)},'
        f'"correlation_id":"{correlation_text}","causation_id":{cause},"payload":'
    )
    return b"".join((head.encode("utf-8"), payload_json, b"}"))


@lru_cache(maxsize=256)
def _type_json(event: type[EventPayload]) -> str:
    return f'"type":{json_text(event.EVENT_TYPE)},"version":{event.VERSION},'


@lru_cache(maxsize=64)
def _source_json(source: str) -> str:
    return f'"source":{json_text(source)},'


def encode(envelope: Envelope) -> bytes:
    """Serialise an envelope to UTF-8 JSON for the wire."""
    return envelope.model_dump_json().encode("utf-8")


# How every Shouwang producer starts an envelope (the model's field order): the type and
# version can be read before parsing, so that the payload is validated in the same pass.
_HEAD = re.compile(rb'\{"id":"[^"]{0,64}","type":"([a-z_.]{1,64})","version":([0-9]{1,4}),')


@lru_cache(maxsize=256)  # bounded: the type comes off the wire
def _typed_envelope(event_type: str, version: int) -> type[Envelope] | None:
    from shouwang_proto.registry import EVENTS

    model = EVENTS.get((event_type, version))
    if model is None:
        return None
    return create_model(f"Envelope[{model.__name__}]", __base__=Envelope, payload=(model, ...))


_PAYLOAD_KEY = b',"payload":{'


def payload_json(raw: bytes, envelope: Envelope | None = None) -> bytes | None:
    """The payload's JSON as it came in `raw` (an envelope `decode` accepted), when the
    envelope is laid out as this package writes it (the payload last, after the other
    fields' plain values); else None, and the caller serialises the model instead.

    For consumers that pass a payload on inside their own events (matching's outcomes carry
    the warning): slicing it costs a fraction of a microsecond, writing the model again ~2 µs
    in a busy consumer. Fields a newer producer added to the payload come along.

    The payload key is the first `,"payload":{` when no brace comes before it (inside a JSON
    string the quotes would be escaped); the payload is taken to end at the envelope's last
    brace when the envelope ends `}}`. `Envelope` writes the payload last (a test holds it its
    last field), so every envelope written here passes. One with a field after its payload is
    refused from the bytes alone unless that field's value is itself an object: given
    `envelope` (`raw` decoded), any field `Envelope` does not know refuses it too.
    """
    if envelope is not None and envelope.model_extra:
        return None
    at = raw.find(_PAYLOAD_KEY)
    if at < 0 or raw.find(b"{", 1, at) >= 0 or raw[-2:] != b"}}":
        return None
    return raw[at + len(_PAYLOAD_KEY) - 1 : -1]


def decode(raw: bytes) -> Envelope:
    """Parse wire bytes into an envelope and validate its payload contract.

    One pass when the type and version lead the envelope, as this package writes them: JSON
    straight into the payload model (a third less time than JSON → dict → model). Otherwise,
    or for an unknown type (which raises UnknownEventError), the envelope first, then its
    payload."""
    head = _HEAD.match(raw)
    typed = _typed_envelope(head[1].decode(), int(head[2])) if head else None
    if typed is not None:
        # The validator itself: `model_validate_json` adds only keyword handling (~0.3 µs).
        return typed.__pydantic_validator__.validate_json(raw)  # type: ignore[no-any-return]
    envelope = Envelope.model_validate_json(raw)
    # The payload validated once, kept in the envelope (no validation: it is the model).
    return envelope.model_copy(update={"payload": envelope.parsed()})
