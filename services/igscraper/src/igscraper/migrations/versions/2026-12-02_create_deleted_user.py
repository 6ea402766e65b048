"""create deleted_user

Revision ID: 8424849872fa
Revises: 8d3e5b7a2c41
Create Date: 2026-12-02 02:53:44.387366

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8424849872fa"
down_revision: str | Sequence[str] | None = "8d3e5b7a2c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "deleted_user",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("forget_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_deleted_user")),
    )
    op.create_index(op.f("ix_deleted_user_forget_at"), "deleted_user", ["forget_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_deleted_user_forget_at"), table_name="deleted_user")
    op.drop_table("deleted_user")
