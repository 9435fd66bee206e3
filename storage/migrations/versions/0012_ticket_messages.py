"""Messages and attachments inside an atendimento, and which bot message is about which atendimento.

Revision ID: 0012_ticket_messages
Revises: 0006_catalogue_version
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_ticket_messages"
down_revision = "0011_report_indexes"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ticket_messages",
        sa.Column("id", Id, primary_key=True),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("author", sa.String(length=10), nullable=False),
        sa.Column("customer_id", Id, nullable=True),
        sa.Column("staff_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("opening", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("author IN ('customer', 'staff')", name=op.f("ck_ticket_messages_author")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_ticket_messages_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_ticket_messages_customer_id_customers")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_ticket_messages_staff_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id", "id"])
    op.create_index("ix_ticket_messages_customer_created", "ticket_messages", ["customer_id", "created_at"])
    op.create_table(
        "ticket_attachments",
        sa.Column("id", Id, primary_key=True),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=100), nullable=True),
        sa.Column("size", Id, nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('photo', 'video', 'document', 'voice')", name=op.f("ck_ticket_attachments_kind")),
        sa.ForeignKeyConstraint(["message_id"], ["ticket_messages.id"], ondelete="CASCADE",
                                name=op.f("fk_ticket_attachments_message_id_ticket_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_attachments")),
        sa.UniqueConstraint("message_id", "position", name=op.f("uq_ticket_attachments_message_id_position")),
    )
    op.create_index("ix_ticket_attachments_sha256", "ticket_attachments", ["sha256"])
    op.create_table(
        "telegram_message_refs",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("ticket_message_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_telegram_message_refs_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["ticket_message_id"], ["ticket_messages.id"], ondelete="CASCADE",
                                name=op.f("fk_telegram_message_refs_ticket_message_id_ticket_messages")),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_telegram_message_refs")),
    )
    op.create_index("ix_telegram_message_refs_ticket_id", "telegram_message_refs", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("telegram_message_refs")
    op.drop_table("ticket_attachments")
    op.drop_table("ticket_messages")
