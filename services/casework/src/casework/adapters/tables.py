"""Casework's tables in schema `casework`."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

SCHEMA = "casework"
metadata = MetaData(schema=SCHEMA)

case_number_seq = Sequence("case_number_seq", metadata=metadata)

cases = Table(
    "cases",
    metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("case_number", String(40), nullable=False, unique=True),
    Column("household_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("household_number", String(32), nullable=False),
    Column("region_code", String(12), nullable=False, index=True),
    Column("village_name", String(100), nullable=False),
    Column("township_name", String(100), nullable=False),
    Column("masked_name", String(100), nullable=False),
    Column("status", String(40), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column(
        "monitor_type", String(20), nullable=True
    ),  # 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户
    Column("included_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("assignee", String(100), nullable=True),  # 承办人: the officer who accepted the case
    Index(
        "uq_cases_one_open_per_household",
        "household_id",
        unique=True,
        postgresql_where=text("is_open"),
    ),
    Index(
        "ix_cases_open_region",
        "region_code",
        postgresql_where=text("is_open"),
        postgresql_ops={"region_code": "varchar_pattern_ops"},
    ),
    Index("ix_cases_assignee", "assignee", postgresql_where=text("assignee IS NOT NULL")),
)

signals = Table(
    "signals",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("casework.cases.case_id"), nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("signal_type", String(64), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False),
    Index("ix_signals_case_id", "case_id"),
)

clocks = Table(
    "clocks",
    metadata,
    Column("clock_id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("casework.cases.case_id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False, index=True),
    Column("provisional", Boolean, nullable=False),
    # running → met / met_late (stopped), breached (ran out; escalates by level), paused
    # (stands still), overridden (stopped by the county, with a reason), closed (stopped
    # unfinished because its case closed)
    Column("stopped_at", DateTime(timezone=True), nullable=True),
    Column("alerted_due_soon", Boolean, nullable=False, server_default="false"),
    Column("paused_at", DateTime(timezone=True), nullable=True),
    Column("pause_reason", Text, nullable=True),
    Column("escalation_level", Integer, nullable=False, server_default="-1"),
    Index("ix_clocks_case_id", "case_id"),
    Index(
        "ix_clocks_live_due",
        "due_at",
        postgresql_where=text("stopped_at IS NULL"),
        postgresql_include=["case_id", "state"],
    ),
)

actions = Table(
    "actions",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("casework.cases.case_id"), nullable=False),
    Column("action", String(60), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JSONB, nullable=True),
    Index("ix_actions_case_id", "case_id", "seq"),
)

# Years of the State Council schedule loaded by an administrator (the load format, as sent).
calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("document", JSONB, nullable=False),
    Column("loaded_by", String(100), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("day", Date, primary_key=True),
    Column("working", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_by", String(100), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# 责任追溯: append-only, each row chained to the previous by hash (see domain/audit.py).
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("subject", String(100), nullable=False, index=True),
    Column("detail", JSONB, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Accepted cases whose household's members the comparing agencies are yet to be asked about
# (信息比对): queued in the acceptance's transaction, sent by the comparison loop.
comparison_pending = Table(
    "comparison_pending",
    metadata,
    Column("case_id", UUID(as_uuid=True), ForeignKey("casework.cases.case_id"), primary_key=True),
    Column("due_at", DateTime(timezone=True), nullable=False),  # the compare clock's
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("next_at", DateTime(timezone=True), nullable=False),  # after a failure: backing off
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
)

outbox, inbox = messaging_tables(metadata)
