"""The (type, version) → payload model registry."""

from __future__ import annotations

from shouwang_proto.envelope import EventPayload, UnknownEventError
from shouwang_proto.events import (
    CaseAwaitingV1,
    CaseComparedV1,
    CaseDecidedV1,
    CaseOpenedV1,
    CaseSignalAttachedV1,
    CaseVisitedV1,
    ClockAlertV1,
    ComparisonAnsweredV1,
    ComparisonRequestedV1,
    FeedListOverdueV1,
    HouseholdSnapshotV1,
    WarningMatchedV1,
    WarningNeedsReviewV1,
    WarningReceivedV1,
    WarningUnmatchedV1,
)

_MODELS: tuple[type[EventPayload], ...] = (
    WarningReceivedV1,
    HouseholdSnapshotV1,
    WarningMatchedV1,
    WarningUnmatchedV1,
    WarningNeedsReviewV1,
    CaseOpenedV1,
    CaseSignalAttachedV1,
    CaseDecidedV1,
    CaseComparedV1,
    CaseAwaitingV1,
    CaseVisitedV1,
    ClockAlertV1,
    ComparisonRequestedV1,
    ComparisonAnsweredV1,
    FeedListOverdueV1,
)

EVENTS: dict[tuple[str, int], type[EventPayload]] = {
    (model.EVENT_TYPE, model.VERSION): model for model in _MODELS
}


def payload_model(event_type: str, version: int) -> type[EventPayload]:
    """The payload model for a (type, version), or UnknownEventError."""
    try:
        return EVENTS[(event_type, version)]
    except KeyError:
        raise UnknownEventError(f"unknown event {event_type!r} version {version}") from None
