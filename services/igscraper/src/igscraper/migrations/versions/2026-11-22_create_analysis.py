"""create analysis and analysis_user

Revision ID: 6a1f0c2d9e01
Revises:
Create Date: 2026-11-22

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6a1f0c2d9e01"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "analysis",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("viewer_ig_id", sa.String(32), nullable=False),
        sa.Column("target_ig_id", sa.String(32), nullable=True),
        sa.Column("target_username", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("followers_cursor", sa.Text(), nullable=True),
        sa.Column("following_cursor", sa.Text(), nullable=True),
        sa.Column("followers_total", sa.Integer(), nullable=True),
        sa.Column("following_total", sa.Integer(), nullable=True),
        sa.Column("followers_fetched", sa.Integer(), nullable=False),
        sa.Column("following_fetched", sa.Integer(), nullable=False),
        sa.Column("rate_limit_strikes", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("mutual_count", sa.Integer(), nullable=True),
        sa.Column("not_following_back_count", sa.Integer(), nullable=True),
        sa.Column("fans_count", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
    )
    op.create_index(
        "uq_analysis_active_target_ig_id",
        "analysis",
        ["target_ig_id"],
        unique=True,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "uq_analysis_active_target_username",
        "analysis",
        ["target_username"],
        unique=True,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_analysis_owner_id_id", "analysis", ["owner_id", "id"])
    op.create_index("ix_analysis_status_id", "analysis", ["status", "id"])
    op.create_index(
        "ix_analysis_owner_target_finished",
        "analysis",
        ["owner_id", "target_ig_id", "finished_at"],
        postgresql_where=sa.text("status = 'completed'"),
    )
    op.create_index("ix_analysis_finished_at", "analysis", ["finished_at"])

    op.create_table(
        "analysis_user",
        sa.Column("analysis_id", sa.Uuid(), nullable=False),
        sa.Column("ig_user_id", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("profile_pic_url", sa.Text(), nullable=True),
        sa.Column("follows_you", sa.Boolean(), nullable=False),
        sa.Column("you_follow", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analysis.id"],
            name=op.f("fk_analysis_user_analysis_id_analysis"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analysis_id", "ig_user_id", name=op.f("pk_analysis_user")),
    )
    op.create_index(
        "ix_analysis_user_group",
        "analysis_user",
        ["analysis_id", "follows_you", "you_follow", "username", "ig_user_id"],
    )


def downgrade() -> None:
    op.drop_table("analysis_user")
    op.drop_table("analysis")
