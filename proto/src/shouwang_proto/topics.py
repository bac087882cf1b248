"""Topic names and their properties. Every topic is keyed by the envelope subject."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    """A Kafka topic in the Shouwang contract."""

    name: str
    description: str
    key: str
    events: tuple[tuple[str, int], ...]
    compacted: bool = False
    partitions: int = 6
    config: dict[str, str] = field(default_factory=dict)


WARNINGS = Topic(
    name="shouwang.warnings",
    description="Warnings from agencies, households and cadres, as accepted by the gateway/intake.",
    key="Pseudonymous person reference (keyed hash of the ID number), or the warning id.",
    events=(("warning.received", 1),),
)
HOUSEHOLDS = Topic(
    name="shouwang.registry.households",
    description="Latest snapshot of each registered household (户) with its members (成员).",
    key="household_id",
    events=(("household.snapshot", 1),),
    compacted=True,
)
MATCHING_OUTCOMES = Topic(
    name="shouwang.matching.outcomes",
    description="What matching decided for each warning: matched, needs review, or not in the "
    "registry.",
    key="household_id when matched, else the warning's own key",
    events=(("warning.matched", 1), ("warning.needs_review", 1), ("warning.unmatched", 1)),
)
CASES = Topic(
    name="shouwang.cases",
    description="Case lifecycle events from casework (opened, signal attached, comparison "
    "results recorded, the county's decision, a step handed to another level, a home visit, clock "
    "alerts).",
    key="household_id",
    events=(
        ("case.opened", 1),
        ("case.signal_attached", 1),
        ("case.compared", 1),
        ("case.decided", 1),
        ("case.awaiting", 1),
        ("case.visited", 1),
        ("clock.alert", 1),
    ),
)
COMPARISONS = Topic(
    name="shouwang.comparisons",
    description="Comparison requests (信息比对) to agencies and their answers.",
    key="household_id",
    events=(("comparison.requested", 1), ("comparison.answered", 1)),
)
FEEDS = Topic(
    name="shouwang.feeds",
    description="Agency feed health: monthly lists late or missing.",
    key="agency_code",
    events=(("feed.list_overdue", 1),),
    partitions=1,
)
DEAD_LETTERS = Topic(
    name="shouwang.dead-letters",
    description="Messages a consumer failed to process after retries, with the error in headers.",
    key="the original key",
    events=(),
    partitions=1,
)

ALL_TOPICS: tuple[Topic, ...] = (
    WARNINGS,
    HOUSEHOLDS,
    MATCHING_OUTCOMES,
    CASES,
    COMPARISONS,
    FEEDS,
    DEAD_LETTERS,
)
