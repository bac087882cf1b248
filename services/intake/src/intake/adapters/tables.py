"""Intake's tables in schema `intake`: the household registry (户) and its members (成员)."""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import UUID

SCHEMA = "intake"
metadata = MetaData(schema=SCHEMA)

households = Table(
    "households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("household_number", String(32), nullable=False, unique=True),
    Column("region_code", String(12), nullable=False, index=True),
    Column("village_name", String(100), nullable=False),
    Column("township_name", String(100), nullable=False),
    Column("category", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "household_id",
        UUID(as_uuid=True),
        ForeignKey("intake.households.household_id"),
        nullable=False,
        index=True,
    ),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column("id_number", String(18), nullable=False),
    Column("name", String(100), nullable=False),
    Column("gender", String(10), nullable=False),
    Column("birth_date", Date, nullable=True),
    Column("relation", String(20), nullable=False),
    Column("phone", String(30), nullable=True),
    Column("is_head", Boolean, nullable=False),
)

outbox, inbox = messaging_tables(metadata)
