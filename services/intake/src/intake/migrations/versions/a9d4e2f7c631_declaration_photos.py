"""Photos sent with a self-declaration (re-encoded without metadata, encrypted)

Revision ID: a9d4e2f7c631
Revises: e5c2a7d94f10
Create Date: 2026-12-07 20:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'a9d4e2f7c631'
down_revision = 'e5c2a7d94f10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declaration_photos",
        sa.Column("declaration_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["intake.declarations.declaration_id"]),
        sa.PrimaryKeyConstraint("declaration_id", "position"),
        schema="intake",
    )


def downgrade() -> None:
    op.drop_table("declaration_photos", schema="intake")
