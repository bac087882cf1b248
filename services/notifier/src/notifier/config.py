"""Notifier settings (env prefix NOTIFIER_)."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notifier."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    port: int = 8105
    timezone: str = "Asia/Shanghai"
    channel: Literal["log", "wecom_robot"] = Field(
        default="log", description="Where township alerts go: the log, or a WeChat Work robot."
    )
    wecom_robot_url: str = Field(
        default="https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        description="WeChat Work group-robot webhook endpoint (a local fake in tests).",
    )
    wecom_robot_key: str = Field(default="", description="The robot's webhook key.")
    max_attempts: int = Field(default=5, ge=1)


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
