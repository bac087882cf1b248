"""The gateway's tables in schema `gateway`."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(64), nullable=False, index=True),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

warnings = Table(
    "warnings",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(64), nullable=False),
    Column("signal_type", String(64), nullable=False),
    Column("source_record_id", String(200), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("request_hash", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("batch_id", UUID(as_uuid=True), nullable=True),
    Column("row_number", Integer, nullable=True),
    Column("outcome", String(30), nullable=False, server_default="accepted"),
    Column("outcome_rank", Integer, nullable=False, server_default="0"),
    Column("outcome_detail", Text, nullable=True),
    Column("case_number", String(40), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    # Only ad-hoc warnings carry a key: list rows stay out of this index.
    Index(
        "uq_warnings_idempotency",
        "agency_code",
        "idempotency_key",
        unique=True,
        postgresql_where=text("idempotency_key IS NOT NULL"),
    ),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("default_signal_type", String(64), nullable=True),
    Column("format", String(10), nullable=False),
    Column("filename", String(300), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("body_sha256", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("counts", JSONB, nullable=False, server_default="{}"),
    Column("unknown_columns", JSONB, nullable=False, server_default="[]"),
    Column("error", Text, nullable=True),
    UniqueConstraint("agency_code", "idempotency_key", name="uq_batches_idempotency"),
)

batch_rows = Table(
    "batch_rows",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("batch_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("row_number", Integer, nullable=True),
    Column("status", String(20), nullable=False),
    Column("row_key", String(200), nullable=True),
    Column("warning_id", UUID(as_uuid=True), nullable=True),
    Column("signal_type", String(64), nullable=True),
    Column("masked_name", String(100), nullable=True),
    Column("masked_id", String(40), nullable=True),
    Column("errors", JSONB, nullable=False, server_default="[]"),
)

list_rows = Table(
    "list_rows",
    metadata,
    Column("agency_code", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("row_key", String(200), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("warning_id", UUID(as_uuid=True), nullable=False),
    Column("batch_id", UUID(as_uuid=True), nullable=False),
    Column("row_number", Integer, nullable=True),
    Column("masked_name", String(100), nullable=True),
    Column("masked_id", String(40), nullable=True),
    Column("signal_type", String(64), nullable=False),
)


comparison_requests = Table(
    "comparison_requests",
    metadata,
    Column("request_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(64), nullable=False, index=True),
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("case_number", String(40), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("person", JSONB, nullable=False),
    Column("checks", JSONB, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("findings", JSONB, nullable=True),
    Column("answer_hash", String(64), nullable=True),
)

feed_alerts = Table(
    "feed_alerts",
    metadata,
    Column("agency_code", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
)

# Households the county included as monitored (纳入监测), from `case.decided`: the agencies'
# monthly list of new monitored households (新增监测对象名单, seeds/004: 每月向行业部门推送).
# Their members are read from the registry when an agency asks, not kept here.
monitored_households = Table(
    "monitored_households",
    metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("case_number", String(32), nullable=False),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("household_number", String(32), nullable=True),
    Column("region_code", String(12), nullable=False),
    Column("village_name", Text, nullable=False),
    Column("township_name", Text, nullable=False),
    Column("masked_name", Text, nullable=False),
    Column("monitor_type", Text, nullable=True),
    Column("included_at", DateTime(timezone=True), nullable=False),
    Index("monitored_households_included_at", "included_at"),
)

outbox, inbox = messaging_tables(metadata)
