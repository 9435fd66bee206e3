"""One bot process: the lease row held by `atendimento run` (storage/bot_lease.py).

Revision ID: 0008_bot_lease
Revises: 0006_catalogue_version
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_bot_lease"
down_revision = "0006_catalogue_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_namespace", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_bot_lease")),
    )


def downgrade() -> None:
    op.drop_table("bot_lease")
