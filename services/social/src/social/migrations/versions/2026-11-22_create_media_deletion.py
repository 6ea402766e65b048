"""create media_deletion

Revision ID: 5c1e9a7d3b20
Revises: 07a4782638e4
Create Date: 2026-11-22 12:50:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5c1e9a7d3b20"
down_revision: str | Sequence[str] | None = "07a4782638e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "media_deletion",
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_media_deletion")),
    )
    op.create_index(
        "ix_media_deletion_next_attempt_at", "media_deletion", ["next_attempt_at"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_media_deletion_next_attempt_at", table_name="media_deletion")
    op.drop_table("media_deletion")
