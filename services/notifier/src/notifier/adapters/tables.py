"""Notifier's tables in schema `notifier`: one row per (event, recipient, channel).

Status: pending → sending (claimed by a dispatcher) → sent → delivered, or failed (for good,
with the provider's code), or unknown (a dispatcher died mid-send: not resent automatically,
so nothing arrives twice; an operator can replay it).
"""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID

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
    # Personal alerts: the officer, the channels to try in order (failover) and where.
    Column("officer_id", String(64), nullable=True),
    Column("plan", JSONB, nullable=True),  # [{"channel": ..., "recipient": ...}, ...]
    Column("plan_index", Integer, nullable=False, server_default="0"),
    Column("template", String(40), nullable=True),
    Column("params", JSONB, nullable=True),
    Column("urgent", Boolean, nullable=False, server_default="false"),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("provider_code", String(80), nullable=True),
    Column("provider_id", String(80), nullable=True, index=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    # The region it is about: the case's village, a digest's officer's region (who may see it;
    # NULL before 2026-12-07: the county office's only).
    Column("region_code", String(12), nullable=True),
)

outbox, inbox = messaging_tables(metadata)
