"""not_in_registry ranks after needs_review (a review can end in it)

Revision ID: a7e3c9d2f410
Revises: f328b67c3149
Create Date: 2026-12-07

"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7e3c9d2f410"
down_revision: str | None = "f328b67c3149"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE gateway.warnings SET outcome_rank = 2 WHERE outcome = 'not_in_registry'")


def downgrade() -> None:
    op.execute("UPDATE gateway.warnings SET outcome_rank = 1 WHERE outcome = 'not_in_registry'")
