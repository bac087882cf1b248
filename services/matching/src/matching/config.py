"""Intake settings (env prefix MATCHING_)."""

from __future__ import annotations

from functools import cache

from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of matching."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    port: int = 8103


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
