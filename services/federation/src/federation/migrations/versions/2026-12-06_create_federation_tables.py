"""create the federation tables: keys, remote actors, inbox, deliveries, follows, blocks

Revision ID: 21f0ed000001
Revises:
Create Date: 2026-12-06

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "21f0ed000001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "actor_key",
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_actor_key")),
    )
    op.create_table(
        "remote_actor",
        sa.Column("actor_uri", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("inbox", sa.Text(), nullable=False),
        sa.Column("shared_inbox", sa.Text(), nullable=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor_uri", name=op.f("pk_remote_actor")),
    )
    op.create_index("ix_remote_actor_key_id", "remote_actor", ["key_id"])
    op.create_table(
        "inbound_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_uri", sa.Text(), nullable=True),
        sa.Column("actor_uri", sa.Text(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("activity", postgresql.JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_activity")),
        sa.UniqueConstraint("activity_uri", name=op.f("uq_inbound_activity_activity_uri")),
    )
    op.create_index(
        "ix_inbound_activity_due",
        "inbound_activity",
        ["next_attempt_at"],
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inbox_url", sa.Text(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("activity", postgresql.JSONB(), nullable=False),
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
    )
    op.create_index("ix_delivery_next_attempt_at", "delivery", ["next_attempt_at"])
    op.create_table(
        "domain_block",
        sa.Column("domain", sa.String(255), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_domain_block")),
    )
    op.create_table(
        "handled_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handled_event")),
    )
    op.create_index("ix_handled_event_created_at", "handled_event", ["created_at"])
    # A remote actor's Follow of a local user: its id is what our Accept/Reject names.
    op.create_table(
        "inbound_follow",
        sa.Column("actor_uri", sa.Text(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("activity_uri", sa.Text(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("actor_uri", "username", name=op.f("pk_inbound_follow")),
    )
    # A local user's Follow of a remote actor: its id is what their Accept/Reject names.
    op.create_table(
        "outbound_follow",
        sa.Column("activity_uri", sa.Text(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("actor_uri", sa.Text(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("activity_uri", name=op.f("pk_outbound_follow")),
        sa.UniqueConstraint(
            "username", "actor_uri", name=op.f("uq_outbound_follow_username_actor_uri")
        ),
    )


def downgrade() -> None:
    for table in (
        "outbound_follow",
        "inbound_follow",
        "handled_event",
        "domain_block",
        "delivery",
        "inbound_activity",
        "remote_actor",
        "actor_key",
    ):
        op.drop_table(table)
