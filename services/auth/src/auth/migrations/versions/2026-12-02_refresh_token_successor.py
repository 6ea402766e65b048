"""refresh_token keeps its spender and its sealed successor

Revision ID: 3f7b2c9d1e54
Revises: a725e4087aa0
Create Date: 2026-12-02 03:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3f7b2c9d1e54"
down_revision: str | Sequence[str] | None = "a725e4087aa0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("refresh_token", sa.Column("spent_by", sa.LargeBinary(length=32), nullable=True))
    op.add_column("refresh_token", sa.Column("successor_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("refresh_token", "successor_sealed")
    op.drop_column("refresh_token", "spent_by")
