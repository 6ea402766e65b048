"""actor_key.retired_at: a deleted account's key, kept only until its Delete is delivered

Revision ID: 21f0ed000004
Revises: 21f0ed000003
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "21f0ed000004"
down_revision: str | None = "21f0ed000003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("actor_key", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("actor_key", "retired_at")
