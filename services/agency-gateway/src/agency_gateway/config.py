"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the agency gateway."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8101
    api_keys_file: Path | None = Field(
        default=None, description="Hashed keys to load at start-up (added, never removed)."
    )
    max_body_bytes: int = Field(default=256 * 1024 * 1024, description="Largest upload (413).")
    max_json_bytes: int = Field(default=1024 * 1024, description="Largest JSON request (413).")
    max_rows: int = Field(default=1_000_000, description="Most rows in one list (413).")
    rate_limit_per_minute: int = Field(default=600, description="Requests per agency (429).")
    parse_workers: int = Field(
        default=1, ge=0, description="Processes that parse lists beside the API (0: inline)."
    )
    # Monthly lists arrive thousands of rows at a time: fewer, larger relay batches (one UPDATE
    # and one commit per batch) halve the relay's database work.
    outbox_batch_size: int = Field(default=1000, ge=1, description="Rows the relay sends at once.")
    # Every accepted row is already recorded in `warnings` and `batch_rows`: the outbox is only
    # the way to Kafka, so its rows go once published (a monthly list puts 100,000 through it).
    outbox_keep_published: bool = Field(
        default=False, description="Keep published outbox rows (true) or delete them (false)."
    )
    # A chunk of a list builds and unpickles tens of thousands of objects: collect less often.
    gc_gen0_threshold: int = 50_000
    spool_dir: Path | None = Field(default=None, description="Where uploads are spooled.")
    intake_url: str = Field(
        default="http://127.0.0.1:8102",
        description="Intake's API: the registry the monitored households' members are read from.",
    )


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
