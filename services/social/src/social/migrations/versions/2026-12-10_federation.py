"""federation: remote accounts as profiles, remote posts and replies as posts and comments,
image types for attachments, and the federation_event outbox

Revision ID: 21a0fed00001
Revises: 9b5d2e7f1a34
Create Date: 2026-12-10 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "21a0fed00001"
down_revision: str | Sequence[str] | None = "9b5d2e7f1a34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("profile", sa.Column("actor_uri", sa.Text(), nullable=True))
    op.create_unique_constraint(op.f("uq_profile_actor_uri"), "profile", ["actor_uri"])
    op.add_column("post", sa.Column("uri", sa.Text(), nullable=True))
    op.add_column("post", sa.Column("url", sa.Text(), nullable=True))
    op.create_unique_constraint(op.f("uq_post_uri"), "post", ["uri"])
    op.add_column("comment", sa.Column("uri", sa.Text(), nullable=True))
    op.create_unique_constraint(op.f("uq_comment_uri"), "comment", ["uri"])
    op.add_column("post_image", sa.Column("media_type", sa.String(length=64), nullable=True))
    op.create_table(
        "federation_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_event")),
    )
    op.create_index(
        "ix_federation_event_next_attempt_at",
        "federation_event",
        ["next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_federation_event_next_attempt_at", table_name="federation_event")
    op.drop_table("federation_event")
    op.drop_column("post_image", "media_type")
    op.drop_constraint(op.f("uq_comment_uri"), "comment", type_="unique")
    op.drop_column("comment", "uri")
    op.drop_constraint(op.f("uq_post_uri"), "post", type_="unique")
    op.drop_column("post", "url")
    op.drop_column("post", "uri")
    op.drop_constraint(op.f("uq_profile_actor_uri"), "profile", type_="unique")
    op.drop_column("profile", "actor_uri")
