"""The region a delivery is about (its case's village, or the officer's for a digest), so that
officers see only their region's notifications

Revision ID: f3b8d1c6a2e4
Revises: c9ff315fdee2
Create Date: 2026-12-07 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3b8d1c6a2e4'
down_revision = 'c9ff315fdee2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deliveries", sa.Column("region_code", sa.String(12), nullable=True), schema="notifier"
    )


def downgrade() -> None:
    op.drop_column("deliveries", "region_code", schema="notifier")
