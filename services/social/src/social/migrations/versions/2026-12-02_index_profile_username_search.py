"""index profile username for people search

Revision ID: e174880b4d58
Revises: 5c1e9a7d3b20
Create Date: 2026-12-02 02:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e174880b4d58"
down_revision: str | Sequence[str] | None = "5c1e9a7d3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # The "C" collation makes a username prefix one btree range, in the search's own order.
    op.create_index(
        "ix_profile_username_search",
        "profile",
        [sa.text('lower(username) COLLATE "C"'), "id"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_profile_username_search", table_name="profile")
