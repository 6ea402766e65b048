"""media: source_url, where a remote image (federation) was fetched from

Revision ID: 21a0fed00001
Revises: 7e1a9c3b5d20
Create Date: 2026-12-10

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "21a0fed00001"
down_revision: str | None = "7e1a9c3b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("media", sa.Column("source_url", sa.String(length=2048), nullable=True))
    op.create_index(
        "ix_media_owner_id_source_url",
        "media",
        ["owner_id", "source_url"],
        unique=False,
        postgresql_where=sa.text("source_url IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_media_owner_id_source_url",
        table_name="media",
        postgresql_where=sa.text("source_url IS NOT NULL"),
    )
    op.drop_column("media", "source_url")
