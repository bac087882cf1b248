"""monitored_households: the households included each month, for the agencies' list

Revision ID: c4e8a1f7b293
Revises: a7e3c9d2f410
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c4e8a1f7b293"
down_revision: str | None = "a7e3c9d2f410"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitored_households",
        sa.Column("case_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("household_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("household_number", sa.String(32), nullable=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("village_name", sa.Text(), nullable=False),
        sa.Column("township_name", sa.Text(), nullable=False),
        sa.Column("masked_name", sa.Text(), nullable=False),
        sa.Column("monitor_type", sa.Text(), nullable=True),
        sa.Column("included_at", sa.DateTime(timezone=True), nullable=False),
        schema="gateway",
    )
    op.create_index(
        "monitored_households_included_at",
        "monitored_households",
        ["included_at"],
        schema="gateway",
    )


def downgrade() -> None:
    op.drop_table("monitored_households", schema="gateway")
