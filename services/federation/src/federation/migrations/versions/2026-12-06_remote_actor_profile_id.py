"""remote_actor.profile_id: social's profile of the actor, once made

Revision ID: 21f0ed000002
Revises: 21f0ed000001
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "21f0ed000002"
down_revision: str | None = "21f0ed000001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("remote_actor", sa.Column("profile_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("remote_actor", "profile_id")
