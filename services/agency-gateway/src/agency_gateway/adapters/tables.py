"""The gateway's tables in schema `gateway`."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import Column, DateTime, MetaData, String, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

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
    UniqueConstraint("agency_code", "idempotency_key", name="uq_warnings_idempotency"),
)

outbox, inbox = messaging_tables(metadata)
