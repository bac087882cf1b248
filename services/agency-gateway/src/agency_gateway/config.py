"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the agency gateway."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8101
    api_keys_file: Path | None = None


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
