"""Notifier's tables in schema `notifier`: one row per (event, recipient, channel)."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import UUID

SCHEMA = "notifier"
metadata = MetaData(schema=SCHEMA)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_key", String(64), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("case_id", UUID(as_uuid=True), nullable=True, index=True),
    Column("case_number", String(40), nullable=True),
    Column("channel", String(30), nullable=False),
    Column("recipient", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)

outbox, inbox = messaging_tables(metadata)
