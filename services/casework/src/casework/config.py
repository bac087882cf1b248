"""Casework settings (env prefix CASEWORK_)."""

from __future__ import annotations

from functools import cache

from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the casework service."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    port: int = 8104
    timezone: str = "Asia/Shanghai"
    case_number_prefix: str = "SW"


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
