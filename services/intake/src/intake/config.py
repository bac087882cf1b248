"""Intake settings (env prefix INTAKE_)."""

from __future__ import annotations

from functools import cache

from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the intake service."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    port: int = 8102


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
