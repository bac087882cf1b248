"""Intake settings (env prefix INTAKE_)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the intake service."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    port: int = 8102
    public_url: str = Field(
        default="http://127.0.0.1:8102",
        description="Address households reach the form at (printed into the village QR codes).",
    )
    declarations_per_client: int = Field(default=10, ge=1, description="Form posts per window.")
    declaration_window_s: float = Field(default=600, gt=0)
    declarations_per_person_per_day: int = Field(default=3, ge=1)


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
