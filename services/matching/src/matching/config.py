"""Matching settings (env prefix MATCHING_)."""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings

from matching.domain.linker.config import threshold_problem


class Settings(ServiceSettings):
    """Settings of matching."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    port: int = 8103
    auto_at: float = Field(default=9.0, description="Points for an automatic match.")
    review_at: float = Field(default=6.0, description="Points below which it is 'not found'.")
    margin: float = Field(default=3.0, description="Lead over the runner-up for 'auto'.")

    @model_validator(mode="after")
    def _thresholds_work(self) -> Settings:
        """MATCHING_AUTO_AT / MATCHING_REVIEW_AT / MATCHING_MARGIN that cannot work stop the
        service at start-up with the reason, not at the first warning."""
        problem = threshold_problem(self.auto_at, self.review_at, self.margin)
        if problem:
            raise ValueError(f"MATCHING_AUTO_AT / MATCHING_REVIEW_AT / MATCHING_MARGIN: {problem}")
        return self

    # Polls in flight hold ~100,000 young objects at a time, and they are freed by reference
    # counting, not by the collector (a run of 200,000 warnings leaves ~1,000 in cycles). At
    # 50,000 a young collection ran every ~2,500 warnings and took ~35 ms (its objects point
    # into the million-person index, all over the heap): ~16 µs of each warning's CPU. At a
    # million, collections come only when a million more objects stay alive.
    gc_gen0_threshold: int = 1_000_000
    # Bigger polls (one transaction each) and relay batches, as for casework.
    consumer_poll_records: int = 5000
    # Three transactions a poll, the next poll taken while they finish (see the kit setting).
    consumer_batch_concurrency: int = 3
    # With two instances, each has three of the six partitions: at 1 MiB a partition (~830
    # warnings) their transactions held half as many warnings as one instance's.
    consumer_partition_fetch_bytes: int = 4 * 1_048_576
    outbox_batch_size: int = 2000
    # Every outcome is recorded in `decisions` (and `reviews`): the outbox is only the way to
    # Kafka, so published rows are deleted (the cheaper write), as in the gateway.
    outbox_keep_published: bool = False
    # The consumer publishes its outcomes itself: the outbox carries only county staff's
    # review decisions, at the pace people work. Polled every 50 ms, the idle relay took
    # ~60 ms of CPU a second (a transaction a poll), ~4 µs a warning in the consumer bench.
    outbox_poll_interval_s: float = Field(default=0.5, gt=0)


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
