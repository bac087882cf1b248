"""Console settings (env prefix CONSOLE_)."""

from __future__ import annotations

from functools import cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the console listens, where the services are, and who may log in."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8100
    casework_url: str = "http://127.0.0.1:8104"
    matching_url: str = "http://127.0.0.1:8103"
    gateway_url: str = "http://127.0.0.1:8101"
    intake_url: str = "http://127.0.0.1:8102"
    notifier_url: str = "http://127.0.0.1:8105"
    directory_file: str = Field(default="", description="Officer directory with password hashes.")
    auth_key: str = Field(
        default="shouwang-dev-auth-key-not-for-production-use",
        validation_alias=AliasChoices("SHOUWANG_AUTH_KEY"),
    )
    timezone: str = "Asia/Shanghai"
    session_hours: float = 8.0


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
