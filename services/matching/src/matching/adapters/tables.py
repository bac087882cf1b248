"""Matching's tables in schema `matching`: its read model of the registry, its decisions, the
review queue (with its audit trail), household signals and eligibility flags.

ID numbers and phones in the read model are encrypted (kit FieldCipher); the in-memory index the
resolver uses is rebuilt from these rows, in order of `seq`, so every instance sees every change.
"""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

SCHEMA = "matching"
metadata = MetaData(schema=SCHEMA)
# Every write to `persons` takes the next value: readers catch up with `seq > last seen`.
person_seq = Sequence("person_seq", metadata=metadata)

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
    Column("id_hash", String(64), nullable=False, index=True),
    Column("id_enc", Text, nullable=True),
    Column("name", String(100), nullable=False),
    Column("gender", String(10), nullable=True),
    Column("birth_date", Date, nullable=True),
    Column("phone_enc", Text, nullable=True),
    Column("region_code", String(12), nullable=True),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Column("seq", BigInteger, person_seq, nullable=True, index=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("outcome", String(20), nullable=False),
    Column("reason_code", String(64), nullable=True),
    Column("household_id", UUID(as_uuid=True), nullable=True),
    Column("person_id", UUID(as_uuid=True), nullable=True),
    Column("score", Float, nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("state", String(20), nullable=False, index=True),  # open, confirmed, rejected
    Column("envelope", JSONB, nullable=False),  # the warning as received (to re-publish)
    Column("candidates", JSONB, nullable=False),
    Column("reason", Text, nullable=False),
    Column("region_code", String(12), nullable=True),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(100), nullable=True),
    Column("person_id", UUID(as_uuid=True), nullable=True),
)

# Warnings about someone the registry lacks (未在库), kept for the county office to see: a
# household the registry does not have yet, an agency's wrong row, a stranger. Decided by the
# linker or by county staff rejecting a review item (`reason_code` review_rejected).
unmatched = Table(
    "unmatched",
    metadata,
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(40), nullable=False),
    Column("signal_type", String(60), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("region_code", String(12), nullable=True),  # the warning's, if it named one
    Column("reason_code", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("warning", JSONB, nullable=False),  # as received
    Column("decided_at", DateTime(timezone=True), nullable=False, index=True),
)

# Append-only: who looked at or decided a review item, when, and why.
review_actions = Table(
    "review_actions",
    metadata,
    Column("action_id", BigInteger, Identity(), primary_key=True),
    Column("warning_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("action", String(20), nullable=False),  # confirm, choose, reject
    Column("actor", String(100), nullable=False),
    Column("person_id", UUID(as_uuid=True), nullable=True),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

household_signals = Table(
    "household_signals",
    metadata,
    Column("signal_id", UUID(as_uuid=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("household_id", "period", name="household_signals_one_per_period"),
)

signal_warnings = Table(
    "signal_warnings",
    metadata,
    Column("signal_id", UUID(as_uuid=True), nullable=False),
    Column("warning_id", UUID(as_uuid=True), primary_key=True),
    Column("agency_code", String(40), nullable=False),
    Column("signal_type", String(60), nullable=False),
    Column("source_record_id", String(100), nullable=True),
    Column("occurred_on", Date, nullable=False),
    # An exact repeat (same agency, same source record) in one household signal is a no-op
    # (rows without a source record never conflict: NULLs are distinct); the index also serves
    # the lookups by signal.
    Index(
        "signal_warnings_source_once",
        "signal_id",
        "agency_code",
        "source_record_id",
        unique=True,
    ),
)

eligibility_flags = Table(
    "eligibility_flags",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("check", String(40), primary_key=True),
    Column("agency_code", String(40), nullable=False),
    Column("found", Boolean, nullable=False),
    Column("detail", Text, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox = messaging_tables(metadata)
