"""owner_id is a UserId (uuid); media uploaded for a post is pending until the post exists

Revision ID: 5c3d2e1f0a77
Revises: ab5b28d5a9c9
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c3d2e1f0a77"
down_revision: str | None = "ab5b28d5a9c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every owner id auth ever issued is a UUID's text: the casts cannot fail.
    for table in ("media", "media_usage"):
        op.alter_column(
            table,
            "owner_id",
            type_=sa.Uuid(),
            existing_type=sa.String(64),
            postgresql_using="owner_id::uuid",
        )
    op.add_column(
        "media", sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # The sweeper walks rows in the bucket's key order: media/{owner_id}/{id}/...
    op.create_index("ix_media_owner_id_id", "media", ["owner_id", "id"])
    op.create_index(
        "ix_media_pending_created_at",
        "media",
        ["created_at"],
        postgresql_where=sa.text("pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_media_pending_created_at", table_name="media")
    op.drop_index("ix_media_owner_id_id", table_name="media")
    op.drop_column("media", "pending")
    for table in ("media", "media_usage"):
        op.alter_column(
            table,
            "owner_id",
            type_=sa.String(64),
            existing_type=sa.Uuid(),
            postgresql_using="owner_id::text",
        )
