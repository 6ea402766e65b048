"""account deletion

Revision ID: c2decb16c7ee
Revises: 3f7b2c9d1e54
Create Date: 2026-12-02 02:44:12.195052

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c2decb16c7ee"
down_revision: str | Sequence[str] | None = "3f7b2c9d1e54"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "account_deletion",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "service", name=op.f("pk_account_deletion")),
    )
    op.add_column("outbox_event", sa.Column("stream_id", sa.String(length=40), nullable=True))
    op.create_index(
        "ix_outbox_event_user_id",
        "outbox_event",
        [sa.literal_column("(payload ->> 'user_id')")],
        unique=False,
    )
    op.add_column("user", sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("user", "signed_in_at")
    op.drop_index("ix_outbox_event_user_id", table_name="outbox_event")
    op.drop_column("outbox_event", "stream_id")
    op.drop_table("account_deletion")
