"""Per-chat pacing: the earliest time the next message of each delivery queue may go, whichever worker sends it and
whenever its row is recorded (a row recorded after the previous send must wait as well).

Revision ID: 0005_delivery
Revises: 0004
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_delivery"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_pacing",
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("queue", name=op.f("pk_delivery_pacing")),
    )


def downgrade() -> None:
    op.drop_table("delivery_pacing")
