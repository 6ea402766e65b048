"""media: alt text (description), blurhash, and signed_only (bytes on a signed link only)

Revision ID: 7e1a9c3b5d20
Revises: 00a488d62b78
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7e1a9c3b5d20"
down_revision: str | None = "00a488d62b78"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "media",
        sa.Column("description", sa.String(length=1500), server_default="", nullable=False),
    )
    op.add_column("media", sa.Column("blurhash", sa.String(length=64), nullable=True))
    op.add_column(
        "media",
        sa.Column("signed_only", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Media cannot tell which stored images a post shows (social knows): every attached one
    # is taken to be, so no post's image stays open to unsigned links. Every link social and
    # media hand out is signed, so an avatar or a plain upload still shows where linked.
    op.execute("UPDATE media SET signed_only = true WHERE NOT pending")
    op.create_index(
        "ix_media_id_no_blurhash",
        "media",
        ["id"],
        unique=False,
        postgresql_where=sa.text("blurhash IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_media_id_no_blurhash",
        table_name="media",
        postgresql_where=sa.text("blurhash IS NULL"),
    )
    op.drop_column("media", "signed_only")
    op.drop_column("media", "blurhash")
    op.drop_column("media", "description")
