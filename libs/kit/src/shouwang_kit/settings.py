"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shouwang_kit.crypto import DEV_DATA_KEYS


class ServiceSettings(BaseSettings):
    """Kafka, PostgreSQL, listening address and logging for one service."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers, comma separated.",
    )
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/shouwang",
        validation_alias=AliasChoices("DATABASE_URL"),
        description="PostgreSQL URL; each service uses its own schema in it.",
    )
    pseudonym_key: str = Field(
        default="shouwang-dev-pseudonym-key",
        validation_alias=AliasChoices("SHOUWANG_PSEUDONYM_KEY"),
        description="Secret for keyed hashes of ID numbers (message keys, lookups).",
    )
    data_keys: str = Field(
        default=DEV_DATA_KEYS,
        validation_alias=AliasChoices("SHOUWANG_DATA_KEYS"),
        description="Keys for encrypting sensitive fields at rest: `id:base64(32 bytes),...`; "
        "the first encrypts, all decrypt (rotation). The default is for development only.",
    )
    auth_key: str = Field(
        default="shouwang-dev-auth-key-not-for-production-use",
        validation_alias=AliasChoices("SHOUWANG_AUTH_KEY"),
        description="Secret that signs officers' bearer tokens (HS256). Development default.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = Field(
        default="Asia/Shanghai",
        description="The county's time zone: its days (today, working days, month ends) are "
        "taken in it, whatever the server's clock is set to.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    consumer_max_attempts: int = Field(default=3, ge=1)
    outbox_poll_interval_s: float = Field(default=0.05, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, description="Rows the relay sends at once.")
    outbox_keep_published: bool = Field(
        default=True,
        description="Keep published outbox rows (marked, purged after 7 days) as a record of "
        "what was sent; false deletes them once Kafka has them (a cheaper write).",
    )
    consumer_poll_records: int = Field(
        default=2000, ge=1, description="Records per poll for batch handlers."
    )
    consumer_partition_fetch_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Bytes a consumer fetches from one partition at a time (Kafka's "
        "max.partition.fetch.bytes): with few partitions each, it bounds a poll's size.",
    )
    consumer_batch_concurrency: int = Field(
        default=1,
        ge=1,
        description="Transactions each poll of a batch handler is shared out into (by "
        "partition), run as tasks; the next poll is taken while the last ones commit, so the "
        "service works on some while others wait on the database. 1: one per poll, in turn.",
    )
    database_pool_size: int | None = Field(
        default=None,
        ge=1,
        description="Database connections the service keeps open between uses (more are "
        "opened when needed and closed again). Unset: enough for the consumer's transactions "
        "in flight (up to 2N - 1 with batch concurrency N), a side connection each, and the "
        "service's loops and API, so that connections are not opened and closed all the time.",
    )
    gc_gen0_threshold: int = Field(
        default=0,
        ge=0,
        description="Allocations between young-generation garbage collections, for services "
        "that build many short-lived objects per batch (0: Python's default). With it, the "
        "objects alive after start-up are frozen out of collection.",
    )
    outbox_relay: Literal["inline", "off"] = Field(
        default="inline",
        description="'off' when a separate `<service> relay` process publishes the outbox.",
    )

    def pool_size(self) -> int:
        """`database_pool_size`, or enough for the consumer's transactions in flight."""
        if self.database_pool_size is not None:
            return self.database_pool_size
        return 4 + 2 * (2 * self.consumer_batch_concurrency - 1)

    @property
    def tz(self) -> ZoneInfo:
        """The county's time zone (`timezone`)."""
        return ZoneInfo(self.timezone)

    def today(self, now: datetime | None = None) -> date:
        """The county's date at `now` (default: now) — what "today" means for dates sent in."""
        return (now or datetime.now(UTC)).astimezone(self.tz).date()
