"""analysis keeps the request id of the POST that created it

Revision ID: 8d3e5b7a2c41
Revises: 7b2e4d1a9c10
Create Date: 2026-12-02 03:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8d3e5b7a2c41"
down_revision: str | Sequence[str] | None = "7b2e4d1a9c10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("analysis", sa.Column("request_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("analysis", "request_id")
