"""Matching settings (env prefix MATCHING_)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of matching."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    port: int = 8103
    auto_at: float = Field(default=9.0, description="Points for an automatic match.")
    review_at: float = Field(default=6.0, description="Points below which it is 'not found'.")
    margin: float = Field(default=3.0, description="Lead over the runner-up for 'auto'.")
    # A poll of warnings builds tens of thousands of short-lived objects (see the kit setting).
    gc_gen0_threshold: int = 50_000
    # Bigger polls (one transaction each) and relay batches, as for casework.
    consumer_poll_records: int = 5000
    # Three transactions a poll, the next poll taken while they finish (see the kit setting).
    consumer_batch_concurrency: int = 3
    outbox_batch_size: int = 2000
    # Every outcome is recorded in `decisions` (and `reviews`): the outbox is only the way to
    # Kafka, so published rows are deleted (the cheaper write), as in the gateway.
    outbox_keep_published: bool = False


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
