"""create restriction and notification

Revision ID: 356c040b6db0
Revises: e174880b4d58
Create Date: 2026-12-02 02:29:51.003494

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "356c040b6db0"
down_revision: str | Sequence[str] | None = "e174880b4d58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "restriction",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("block", "mute", name="restriction_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("owner_id <> target_id", name=op.f("ck_restriction_not_self")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["profile.id"], name=op.f("fk_restriction_owner_id_profile")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["profile.id"], name=op.f("fk_restriction_target_id_profile")
        ),
        sa.PrimaryKeyConstraint("owner_id", "kind", "target_id", name=op.f("pk_restriction")),
        sa.UniqueConstraint("id", name=op.f("uq_restriction_id")),
    )
    op.create_index(
        "ix_restriction_owner_id_kind_id", "restriction", ["owner_id", "kind", "id"], unique=False
    )
    op.create_index(
        "ix_restriction_target_id_kind_owner_id",
        "restriction",
        ["target_id", "kind", "owner_id"],
        unique=False,
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "like", "comment", "follow", name="notification_kind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("actors_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("read", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_notification_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_notification_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["profile.id"],
            name=op.f("fk_notification_recipient_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_comment_id", "notification", ["comment_id"], unique=False)
    op.create_index("ix_notification_post_id", "notification", ["post_id"], unique=False)
    op.create_index(
        "ix_notification_recipient_id_id", "notification", ["recipient_id", "id"], unique=False
    )
    op.create_index(
        "ix_notification_recipient_id_unread",
        "notification",
        ["recipient_id"],
        unique=False,
        postgresql_where=sa.text("NOT read"),
    )
    op.create_table(
        "notification_actor",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["profile.id"],
            name=op.f("fk_notification_actor_actor_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_actor_notification_id_notification"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "actor_id", name=op.f("pk_notification_actor")),
    )
    op.create_index(
        "ix_notification_actor_actor_id", "notification_actor", ["actor_id"], unique=False
    )
    op.create_index(
        "ix_notification_actor_notification_id_created_at",
        "notification_actor",
        ["notification_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        "ix_notification_actor_notification_id_created_at", table_name="notification_actor"
    )
    op.drop_index("ix_notification_actor_actor_id", table_name="notification_actor")
    op.drop_table("notification_actor")
    op.drop_index(
        "ix_notification_recipient_id_unread",
        table_name="notification",
        postgresql_where=sa.text("NOT read"),
    )
    op.drop_index("ix_notification_recipient_id_id", table_name="notification")
    op.drop_index("ix_notification_post_id", table_name="notification")
    op.drop_index("ix_notification_comment_id", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_restriction_target_id_kind_owner_id", table_name="restriction")
    op.drop_index("ix_restriction_owner_id_kind_id", table_name="restriction")
    op.drop_table("restriction")
