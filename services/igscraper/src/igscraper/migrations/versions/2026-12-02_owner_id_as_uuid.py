"""owner_id is a UserId (uuid), as in every service

Revision ID: 7b2e4d1a9c10
Revises: 6a1f0c2d9e01
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b2e4d1a9c10"
down_revision: str | None = "6a1f0c2d9e01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every owner id auth ever issued is a UUID's text: the cast cannot fail.
    op.alter_column(
        "analysis",
        "owner_id",
        type_=sa.Uuid(),
        existing_type=sa.String(64),
        postgresql_using="owner_id::uuid",
    )


def downgrade() -> None:
    op.alter_column(
        "analysis",
        "owner_id",
        type_=sa.String(64),
        existing_type=sa.Uuid(),
        postgresql_using="owner_id::text",
    )
