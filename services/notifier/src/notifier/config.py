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
    channel: Literal["log", "wecom_robot"] = Field(
        default="log", description="Where township alerts go: the log, or a WeChat Work robot."
    )
    wecom_robot_url: str = Field(
        default="https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        description="WeChat Work group-robot webhook endpoint (a local fake in tests).",
    )
    wecom_robot_key: str = Field(default="", description="The robot's webhook key.")
    max_attempts: int = Field(default=5, ge=1)

    # Personal alerts (officer directory, rules, channels in each officer's order).
    directory_file: str = Field(default="", description="Officer directory (JSON); empty: none.")
    county_code: str = Field(default="532929000000", description="The county's 12-digit code.")
    personal_channels: str = Field(
        default="log",
        description="Enabled personal channels, comma separated: wecom_app, sms_aliyun, "
        "sms_tencent, log.",
    )
    quiet_start: str = Field(default="22:00", description="No SMS from (local time) …")
    quiet_end: str = Field(default="07:00", description="… until, except urgent alerts.")
    aliyun_base_url: str = "https://dysmsapi.aliyuncs.com"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_sign_name: str = "守望"
    aliyun_templates: str = Field(
        default='{"case_opened": "SMS_000001", "list_overdue": "SMS_000002", '
        '"clock_due_soon": "SMS_000003", "clock_breached": "SMS_000004", '
        '"escalated_township": "SMS_000005", "escalated_county": "SMS_000005", '
        '"digest": "SMS_000006", "case_decided": "SMS_000007", '
        '"case_compared": "SMS_000008", "case_awaiting": "SMS_000009"}',
        description="JSON: message kind → approved template code.",
    )
    tencent_base_url: str = "https://sms.tencentcloudapi.com"
    tencent_secret_id: str = ""
    tencent_secret_key: str = ""
    tencent_sdk_app_id: str = ""
    tencent_sign_name: str = "守望"
    tencent_region: str = "ap-guangzhou"
    tencent_templates: str = Field(
        default='{"case_opened": "100001", "list_overdue": "100002", "clock_due_soon": "100003", '
        '"clock_breached": "100004", "escalated_township": "100005", '
        '"escalated_county": "100005", "digest": "100006", "case_decided": "100007", '
        '"case_compared": "100008", "case_awaiting": "100009"}',
        description="JSON: message kind → approved template id.",
    )
    wecom_app_base_url: str = "https://qyapi.weixin.qq.com"
    wecom_corp_id: str = ""
    wecom_corp_secret: str = ""
    wecom_agent_id: int = 0
    digest_at: str = Field(default="08:00", description="Daily digest time (local); '' = off.")
    casework_url: str = Field(
        default="http://127.0.0.1:8104", description="Casework's API (open cases for digests)."
    )


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
