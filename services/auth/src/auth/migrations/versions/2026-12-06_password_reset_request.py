"""password reset requests, answered off the request path

Revision ID: 22a0rst00001
Revises: 20a0app00001
Create Date: 2026-12-06 05:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "22a0rst00001"
down_revision: str | Sequence[str] | None = "20a0app00001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "password_reset_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_request")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("password_reset_request")
