"""Albums (post_image, existing posts' images moved in), content warnings and edits on post,
private accounts (profile.is_private, follow_request)

Revision ID: 4d7f0b2a9e61
Revises: 2ee3c3247c08
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d7f0b2a9e61"
down_revision: str | None = "2ee3c3247c08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "post", sa.Column("sensitive", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column(
        "post",
        sa.Column("spoiler_text", sa.String(length=500), server_default="", nullable=False),
    )
    op.add_column("post", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "profile", sa.Column("is_private", sa.Boolean(), server_default="false", nullable=False)
    )
    op.create_table(
        "post_image",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("alt", sa.String(length=1500), server_default="", nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("blurhash", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "position >= 0 AND position < 10", name=op.f("ck_post_image_position_range")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["post.id"], name=op.f("fk_post_image_post_id_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "position", name=op.f("pk_post_image")),
    )
    op.create_index("ix_post_image_media_id", "post_image", ["media_id"], unique=False)
    # Every existing post had one image: it becomes the first of its album. Size and
    # blurhash live in media; social's image sync asks for them after the deploy.
    op.execute(
        "INSERT INTO post_image (post_id, position, media_id) SELECT id, 0, media_id FROM post"
    )
    op.create_table(
        "follow_request",
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("requester_id <> target_id", name=op.f("ck_follow_request_not_self")),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["profile.id"],
            name=op.f("fk_follow_request_requester_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["profile.id"],
            name=op.f("fk_follow_request_target_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("requester_id", "target_id", name=op.f("pk_follow_request")),
        sa.UniqueConstraint("id", name=op.f("uq_follow_request_id")),
    )
    op.create_index(
        "ix_follow_request_target_id_id", "follow_request", ["target_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_follow_request_target_id_id", table_name="follow_request")
    op.drop_table("follow_request")
    op.drop_index("ix_post_image_media_id", table_name="post_image")
    op.drop_table("post_image")
    op.drop_column("profile", "is_private")
    op.drop_column("post", "edited_at")
    op.drop_column("post", "spoiler_text")
    op.drop_column("post", "sensitive")
