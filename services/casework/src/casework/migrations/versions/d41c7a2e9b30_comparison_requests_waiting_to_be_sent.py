"""Comparison requests waiting to be sent (信息比对: accepted cases whose members the agencies
are yet to be asked about)

Revision ID: d41c7a2e9b30
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-07 18:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd41c7a2e9b30'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'comparison_pending',
        sa.Column('case_id', sa.UUID(), sa.ForeignKey('casework.cases.case_id'), primary_key=True),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('last_error', sa.Text(), nullable=True),
        schema='casework',
    )


def downgrade() -> None:
    op.drop_table('comparison_pending', schema='casework')
