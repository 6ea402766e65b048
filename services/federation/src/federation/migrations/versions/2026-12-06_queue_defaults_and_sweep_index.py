"""the queues' next_attempt_at defaults to now; index inbound_activity.processed_at

Revision ID: 21f0ed000003
Revises: 21f0ed000002
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "21f0ed000003"
down_revision: str | None = "21f0ed000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The models leave next_attempt_at to the database ("due now"); without a default every
    # stored activity and every queued delivery failed the NOT NULL.
    for table in ("inbound_activity", "delivery"):
        op.alter_column(table, "next_attempt_at", server_default=sa.func.now())
    # The sweeper deletes processed rows by age; the due ones have their own partial index.
    op.create_index(
        "ix_inbound_activity_processed_at",
        "inbound_activity",
        ["processed_at"],
        postgresql_where=sa.text("processed_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_activity_processed_at", table_name="inbound_activity")
    for table in ("inbound_activity", "delivery"):
        op.alter_column(table, "next_attempt_at", server_default=None)
