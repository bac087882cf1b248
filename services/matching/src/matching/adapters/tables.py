"""Matching's tables in schema `matching`: its read model of the registry and its decisions."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import Boolean, Column, DateTime, Float, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB, UUID

SCHEMA = "matching"
metadata = MetaData(schema=SCHEMA)

households = Table(
    "households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("household_number", String(32), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("village_name", String(100), nullable=False),
    Column("township_name", String(100), nullable=False),
    Column("category", String(20), nullable=False),
    Column("removed", Boolean, nullable=False, default=False),
)

persons = Table(
    "persons",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("outcome", String(20), nullable=False),
    Column("reason_code", String(64), nullable=True),
    Column("household_id", UUID(as_uuid=True), nullable=True, index=True),
    Column("person_id", UUID(as_uuid=True), nullable=True),
    Column("score", Float, nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox = messaging_tables(metadata)
