"""Delivery queues: each outbox row names its queue (one per chat or mailbox) so a queue is delivered in order by
one worker at a time, and the global send budget shared by every worker.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = "state IN ('pending', 'claimed')"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(length=40), nullable=False, server_default=""))
    op.execute(
        """
        UPDATE outbox SET queue = CASE audience
            WHEN 'staff_group' THEN 'g'
            WHEN 'customer' THEN 'c:' || CAST(recipient_id AS VARCHAR)
            WHEN 'staff_user' THEN 'u:' || CAST(recipient_id AS VARCHAR)
            ELSE 'e:' || CAST(recipient_id AS VARCHAR) END
        """
    )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.alter_column("queue", server_default=None)
        batch_op.create_index(
            "ix_outbox_queue_open",
            ["queue", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
    op.create_table(
        "send_budget",
        sa.Column("slot", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_send_budget")),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_queue_open")
        batch_op.drop_column("queue")
