"""notification sort_id: a join re-sorts a group without rewriting its actors

Revision ID: 2b8fc43bf752
Revises: 81b59df9a8e0
Create Date: 2026-12-02 03:28:42.248442

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2b8fc43bf752"
down_revision: str | Sequence[str] | None = "81b59df9a8e0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("notification", sa.Column("sort_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE notification SET sort_id = id")
    op.alter_column("notification", "sort_id", nullable=False)
    op.drop_index(op.f("ix_notification_recipient_id_id"), table_name="notification")
    op.create_index(
        "ix_notification_recipient_id_sort_id",
        "notification",
        ["recipient_id", "sort_id"],
        unique=False,
    )
    op.create_unique_constraint(op.f("uq_notification_sort_id"), "notification", ["sort_id"])
    op.drop_constraint(
        op.f("fk_notification_actor_notification_id_notification"),
        "notification_actor",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_notification_actor_notification_id_notification"),
        "notification_actor",
        "notification",
        ["notification_id"],
        ["id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint(
        op.f("fk_notification_actor_notification_id_notification"),
        "notification_actor",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_notification_actor_notification_id_notification"),
        "notification_actor",
        "notification",
        ["notification_id"],
        ["id"],
        onupdate="CASCADE",
        ondelete="CASCADE",
    )
    op.drop_constraint(op.f("uq_notification_sort_id"), "notification", type_="unique")
    op.drop_index("ix_notification_recipient_id_sort_id", table_name="notification")
    op.create_index(
        op.f("ix_notification_recipient_id_id"),
        "notification",
        ["recipient_id", "id"],
        unique=False,
    )
    op.drop_column("notification", "sort_id")
