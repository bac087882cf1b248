"""Shouwang event contracts: one envelope, versioned payloads, topic names."""

from shouwang_proto.envelope import (
    Envelope,
    EventPayload,
    UnknownEventError,
    decode,
    encode,
    encode_event,
    json_text,
)
from shouwang_proto.registry import EVENTS, payload_model

__all__ = [
    "EVENTS",
    "Envelope",
    "EventPayload",
    "UnknownEventError",
    "decode",
    "encode",
    "encode_event",
    "json_text",
    "payload_model",
]
