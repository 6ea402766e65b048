"""mail outbox, email verification and reset tokens, session devices

Revision ID: 19a0ma110001
Revises: c2decb16c7ee
Create Date: 2026-12-06 04:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "19a0ma110001"
down_revision: str | Sequence[str] | None = "c2decb16c7ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("user", sa.Column("email_verified_at", sa.DateTime(timezone=True)))
    op.add_column(
        "user", sa.Column("language", sa.String(length=5), server_default="en", nullable=False)
    )
    op.add_column("refresh_token", sa.Column("user_agent", sa.String(length=400)))
    op.create_table(
        "email_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_email_token_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_token_token_hash")),
    )
    op.create_index(op.f("ix_email_token_user_id"), "email_token", ["user_id"])
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
    )
    op.create_index(
        "ix_mail_message_pending",
        "mail_message",
        ["id"],
        postgresql_where="failed_at IS NULL",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_mail_message_pending", table_name="mail_message")
    op.drop_table("mail_message")
    op.drop_index(op.f("ix_email_token_user_id"), table_name="email_token")
    op.drop_table("email_token")
    op.drop_column("refresh_token", "user_agent")
    op.drop_column("user", "language")
    op.drop_column("user", "email_verified_at")
