"""Review items placed at their best candidate's household

A review item belongs to the region its warning names, or else (since 2026-12-07) to its best
candidate's household's: the county office sees and decides the items inside its county, and
a township filter finds them. Items queued before without a region take their best
candidate's household's region now; those with neither stay the county's (NULL).

Revision ID: 9c4e2a7b1d05
Revises: 5b1e0c7d9a42
Create Date: 2026-12-07 13:20:00
"""
from alembic import op


revision = '9c4e2a7b1d05'
down_revision = '5b1e0c7d9a42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE matching.reviews r SET region_code = h.region_code
        FROM matching.households h
        WHERE r.region_code IS NULL
          AND jsonb_typeof(r.candidates) = 'array' AND jsonb_array_length(r.candidates) > 0
          AND h.household_id = (r.candidates -> 0 ->> 'household_id')::uuid
        """
    )


def downgrade() -> None:
    pass  # the regions stay: an item without one was the county's, and is still inside it
