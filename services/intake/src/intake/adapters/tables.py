"""Intake's tables in schema `intake`: regions, the household registry (户) and its members (成员),
imports, self-declarations and cadre visits.

ID numbers, phones and health facts are stored encrypted (`*_enc`, kit FieldCipher) and looked up by
a keyed hash (`id_hash`); they never sit in a column in clear.
"""

from __future__ import annotations

from shouwang_kit.messaging import messaging_tables
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import UUID

SCHEMA = "intake"
metadata = MetaData(schema=SCHEMA)

regions = Table(
    "regions",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", Integer, nullable=False),  # 1 province … 4 township, 5 village
    Column("parent_code", String(12), nullable=True, index=True),
)

households = Table(
    "households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("household_number", String(32), nullable=False, unique=True),
    Column("region_code", String(12), nullable=False, index=True),
    Column("village_name", String(100), nullable=False),
    Column("township_name", String(100), nullable=False),
    Column("category", String(20), nullable=False),
    Column("monitor_type", String(20), nullable=True),
    Column("lifted_year", Integer, nullable=True),
    Column("declared_size", Integer, nullable=True),
    Column("income_per_head", Numeric(12, 2), nullable=True),
    Column("income_year", Integer, nullable=True),
    Column("status", String(20), nullable=True),
    Column("risk_type", String(100), nullable=True),
    Column("risk_reason", Text, nullable=True),
    Column("officer_name", String(100), nullable=True),
    Column("officer_phone_enc", Text, nullable=True),
    Column("content_hash", String(64), nullable=True),
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
    Column("id_enc", Text, nullable=False),
    Column("name", String(100), nullable=False),
    Column("gender", String(10), nullable=False),
    Column("birth_date", Date, nullable=True),
    Column("relation", String(20), nullable=False),
    Column("phone_enc", Text, nullable=True),
    Column("is_head", Boolean, nullable=False),
    Column("labour", String(50), nullable=True),
    Column("disability", String(50), nullable=True),
    Column("health_enc", Text, nullable=True),
    Column("schooling", String(50), nullable=True),
)

imports = Table(
    "imports",
    metadata,
    Column("import_id", UUID(as_uuid=True), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("state", String(20), nullable=False),  # running, done, failed
    Column("received", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("moved", Integer, nullable=False, default=0),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
)

import_errors = Table(
    "import_errors",
    metadata,
    Column("import_id", UUID(as_uuid=True), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("field", String(50), nullable=False),
    Column("code", String(60), nullable=False),
    Column("message", Text, nullable=False),
)

# Valid rows of a running import, grouped by household before they are applied (encrypted).
import_staging = Table(
    "import_staging",
    metadata,
    Column("import_id", UUID(as_uuid=True), nullable=False),
    Column("household_key", String(80), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("payload_enc", Text, nullable=False),
    Index("import_staging_key", "import_id", "household_key", "row_number"),
    prefixes=["UNLOGGED"],
)

declarations = Table(
    "declarations",
    metadata,
    Column("declaration_id", UUID(as_uuid=True), primary_key=True),
    Column("receipt_number", String(32), nullable=False, unique=True),
    Column("village_code", String(12), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("id_hash", String(64), nullable=False, index=True),
    Column("id_enc", Text, nullable=False),
    Column("phone_enc", Text, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("description", Text, nullable=False),
    Column("consent_version", String(20), nullable=False),
    Column("warning_id", UUID(as_uuid=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)

# Photos sent with a declaration (seeds/001: 上传照片), re-encoded without metadata and
# encrypted (`FieldCipher.encrypt_bytes`, field "photo").
declaration_photos = Table(
    "declaration_photos",
    metadata,
    Column(
        "declaration_id",
        UUID(as_uuid=True),
        ForeignKey("intake.declarations.declaration_id"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),  # 1, 2, 3 as the person chose them
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("data_enc", LargeBinary, nullable=False),
)

# One-time form challenges already answered (replays are refused).
used_challenges = Table(
    "used_challenges",
    metadata,
    Column("nonce", String(40), primary_key=True),
    Column("used_at", DateTime(timezone=True), nullable=False),
)

visits = Table(
    "visits",
    metadata,
    Column("visit_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "household_id",
        UUID(as_uuid=True),
        ForeignKey("intake.households.household_id"),
        nullable=False,
    ),
    Column("region_code", String(12), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM of the visit (一月一排查)
    Column("visit_date", Date, nullable=False),
    Column("visitor", String(100), nullable=False),
    Column("findings", Text, nullable=False),
    Column("risk_flag", Boolean, nullable=False),
    Column("warning_id", UUID(as_uuid=True), nullable=True),
    # The signed-in officer who recorded it (`visitor` is who went; NULL before 2026-12-07).
    Column("recorded_by", String(100), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("visits_region_month", "region_code", "month"),
    Index("visits_household_month", "household_id", "month"),
)

outbox, inbox = messaging_tables(metadata)
