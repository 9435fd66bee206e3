"""Outbox rows know by a column whether Telegram refused their chat (it was the prefix "403" of `last_error`), and
how many parts of a long message Telegram already accepted (so a retry sends only the rest).

Revision ID: 0010_outbox_typed
Revises: 0006_catalogue_version
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox_typed"
down_revision = "0009_conversation_row"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("refused", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("parts_sent", sa.Integer(), server_default=sa.text("0"), nullable=False))
    # Rows parked for a 403 before this column existed.
    op.execute("UPDATE outbox SET refused = true WHERE state = 'parked' AND last_error LIKE '403%'")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_sent")
        batch.drop_column("refused")
