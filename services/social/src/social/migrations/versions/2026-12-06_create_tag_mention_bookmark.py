"""post_tag, tag_follow, post_mention, bookmark: hashtags, mentions and bookmarks

Revision ID: 2ee3c3247c08
Revises: 2b8fc43bf752
Create Date: 2026-12-06 01:08:29.489070

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2ee3c3247c08"
down_revision: str | Sequence[str] | None = "2b8fc43bf752"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "tag_follow",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profile.id"],
            name=op.f("fk_tag_follow_user_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "tag", name=op.f("pk_tag_follow")),
    )
    op.create_table(
        "bookmark",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_bookmark_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profile.id"],
            name=op.f("fk_bookmark_user_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_bookmark")),
        sa.UniqueConstraint("id", name=op.f("uq_bookmark_id")),
    )
    op.create_index("ix_bookmark_post_id", "bookmark", ["post_id"], unique=False)
    op.create_index("ix_bookmark_user_id_id", "bookmark", ["user_id", "id"], unique=False)
    op.create_table(
        "post_mention",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_mention_post_id_post"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["profile.id"],
            name=op.f("fk_post_mention_user_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_post_mention")),
    )
    op.create_index("ix_post_mention_user_id", "post_mention", ["user_id"], unique=False)
    op.create_table(
        "post_tag",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_tag_post_id_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag", name=op.f("pk_post_tag")),
    )
    op.create_index("ix_post_tag_created_at_tag", "post_tag", ["created_at", "tag"], unique=False)
    op.create_index("ix_post_tag_tag_post_id", "post_tag", ["tag", "post_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_post_tag_tag_post_id", table_name="post_tag")
    op.drop_index("ix_post_tag_created_at_tag", table_name="post_tag")
    op.drop_table("post_tag")
    op.drop_index("ix_post_mention_user_id", table_name="post_mention")
    op.drop_table("post_mention")
    op.drop_index("ix_bookmark_user_id_id", table_name="bookmark")
    op.drop_index("ix_bookmark_post_id", table_name="bookmark")
    op.drop_table("bookmark")
    op.drop_table("tag_follow")
