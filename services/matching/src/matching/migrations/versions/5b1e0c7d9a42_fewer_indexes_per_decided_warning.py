"""fewer indexes per decided warning

Every warning writes a decision and, when matched, a signal_warnings row; each index on them is
one more entry written per warning. decisions.household_id was indexed but never searched on;
signal_warnings had an index on signal_id beside a partial unique index on (signal_id, agency,
source record). The unique index now covers every row (NULL source records stay distinct, so
they never conflict, as before) and serves the lookups by signal_id too.

Revision ID: 5b1e0c7d9a42
Revises: d119cbbf52b0
Create Date: 2026-12-02 21:00:00
"""
from alembic import op


revision = '5b1e0c7d9a42'
down_revision = 'd119cbbf52b0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_matching_decisions_household_id', table_name='decisions', schema='matching')
    op.drop_index('signal_warnings_signal', table_name='signal_warnings', schema='matching')
    op.drop_index('signal_warnings_source_once', table_name='signal_warnings', schema='matching')
    op.create_index('signal_warnings_source_once', 'signal_warnings', ['signal_id', 'agency_code', 'source_record_id'], unique=True, schema='matching')


def downgrade() -> None:
    op.drop_index('signal_warnings_source_once', table_name='signal_warnings', schema='matching')
    op.create_index('signal_warnings_source_once', 'signal_warnings', ['signal_id', 'agency_code', 'source_record_id'], unique=True, schema='matching', postgresql_where='source_record_id IS NOT NULL')
    op.create_index('signal_warnings_signal', 'signal_warnings', ['signal_id'], unique=False, schema='matching')
    op.create_index('ix_matching_decisions_household_id', 'decisions', ['household_id'], unique=False, schema='matching')
