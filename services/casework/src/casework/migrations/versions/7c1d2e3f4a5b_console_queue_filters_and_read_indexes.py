"""console: case assignee (承办人) and indexes for the queue and the case page

Revision ID: 7c1d2e3f4a5b
Revises: bb937bf4b7ac
Create Date: 2026-11-30 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '7c1d2e3f4a5b'
down_revision = 'bb937bf4b7ac'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('assignee', sa.String(length=100), nullable=True), schema='casework')
    op.create_index('ix_cases_open_region', 'cases', ['region_code'], unique=False, schema='casework', postgresql_where=sa.text('is_open'), postgresql_ops={'region_code': 'varchar_pattern_ops'})
    op.create_index('ix_cases_assignee', 'cases', ['assignee'], unique=False, schema='casework', postgresql_where=sa.text('assignee IS NOT NULL'))
    op.create_index('ix_clocks_case_id', 'clocks', ['case_id'], unique=False, schema='casework')
    op.create_index('ix_clocks_live_due', 'clocks', ['due_at'], unique=False, schema='casework', postgresql_where=sa.text('stopped_at IS NULL'), postgresql_include=['case_id', 'state'])
    op.create_index('ix_signals_case_id', 'signals', ['case_id'], unique=False, schema='casework')
    op.create_index('ix_actions_case_id', 'actions', ['case_id', 'seq'], unique=False, schema='casework')


def downgrade() -> None:
    op.drop_index('ix_actions_case_id', table_name='actions', schema='casework')
    op.drop_index('ix_signals_case_id', table_name='signals', schema='casework')
    op.drop_index('ix_clocks_live_due', table_name='clocks', schema='casework')
    op.drop_index('ix_clocks_case_id', table_name='clocks', schema='casework')
    op.drop_index('ix_cases_assignee', table_name='cases', schema='casework')
    op.drop_index('ix_cases_open_region', table_name='cases', schema='casework')
    op.drop_column('cases', 'assignee', schema='casework')
