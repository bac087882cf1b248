"""Unmatched warnings kept for the county office (库外人员)

Warnings about someone the registry lacks were only published (`warning.unmatched`); the
county could see how many a list had, not who. From now on matching keeps them. Those decided
before this revision were not stored and are not recovered here.

Revision ID: e5b7d3a90c21
Revises: 9c4e2a7b1d05
Create Date: 2026-12-07 15:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'e5b7d3a90c21'
down_revision = '9c4e2a7b1d05'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unmatched',
        sa.Column('warning_id', sa.UUID(), nullable=False),
        sa.Column('agency_code', sa.String(length=40), nullable=False),
        sa.Column('signal_type', sa.String(length=60), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=True),
        sa.Column('reason_code', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('warning', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('warning_id'),
        schema='matching',
    )
    op.create_index(
        op.f('ix_matching_unmatched_decided_at'), 'unmatched', ['decided_at'], unique=False,
        schema='matching',
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_matching_unmatched_decided_at'), table_name='unmatched', schema='matching')
    op.drop_table('unmatched', schema='matching')
