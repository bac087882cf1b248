"""Casework settings (env prefix CASEWORK_)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shouwang_kit.settings import ServiceSettings

from casework.domain.risk_elimination import RiskRules


class Settings(ServiceSettings):
    """Settings of the casework service."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    port: int = 8104
    case_number_prefix: str = "SW"
    scheduler_interval_s: float = Field(default=15.0, gt=0, description="Clock checks, seconds.")
    comparison_interval_s: float = Field(
        default=2.0, gt=0, description="Seconds between sends of queued comparison requests."
    )
    due_soon_hours: float = Field(default=4.0, ge=0, description="Alert this long before due.")
    income_threshold: float = Field(
        default=10000.0, description="风险消除: income per head below this (yuan/year) refuses it."
    )
    risk_proposal_months: str = Field(
        default="1,2,3,4,5,6,7,8,9,10,11,12",
        pattern=r"^\s*(1[0-2]|[1-9])\s*(,\s*(1[0-2]|[1-9])\s*)*$",
        description="风险消除: the months the village may propose it in (any by default, as "
        "seeds/002; 1,4,7,10 for 每季度首月, seeds/000).",
    )

    def risk_rules(self) -> RiskRules:
        """The 风险消除 settings as the workflow takes them."""
        months = tuple(sorted({int(m) for m in self.risk_proposal_months.split(",")}))
        return RiskRules(income_threshold=self.income_threshold, proposal_months=months)

    intake_url: str = Field(
        default="http://127.0.0.1:8102",
        description="Intake's API: the registry that holds unmasked ID numbers and phones.",
    )
    # Matched warnings arrive in bursts (monthly lists): big polls in one transaction each,
    # the outbox relayed in big batches, and the collector not run every 700 allocations.
    consumer_poll_records: int = 5000
    # Three transactions a poll, the next poll taken while they finish (see the kit setting).
    consumer_batch_concurrency: int = 3
    outbox_batch_size: int = 2000
    # Every case event is derived from what casework keeps anyway (cases, clocks, signals, the
    # trail and the audit log): the outbox is only the way to Kafka, so its rows go once
    # published (marking them kept was ~8 µs of PostgreSQL per signal, deleting ~1 µs).
    outbox_keep_published: bool = False
    gc_gen0_threshold: int = 50_000
    report_cache_s: float = Field(
        default=60.0, ge=0, description="How old (seconds) an aggregate report may be."
    )
    escalation: str = Field(
        default="1:1,3:2",
        description="督办 matrix: 'working days late:level,…' (1 township lead, 2 county office).",
    )


@cache
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
