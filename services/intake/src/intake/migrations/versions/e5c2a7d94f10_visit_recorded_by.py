"""Who recorded a cadre visit (the signed-in officer), for the responsibility trace

Revision ID: e5c2a7d94f10
Revises: b14cf28df47e
Create Date: 2026-12-07 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5c2a7d94f10'
down_revision = 'b14cf28df47e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "visits", sa.Column("recorded_by", sa.String(100), nullable=True), schema="intake"
    )


def downgrade() -> None:
    op.drop_column("visits", "recorded_by", schema="intake")
