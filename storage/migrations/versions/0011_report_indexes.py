"""The report's indexes (aggregates read from indexes, fast at millions of atendimentos), the customers' ratings the
report reads (the satisfaction survey writes them), the weekly report's schedule and its once-a-week mark.

Revision ID: 0011_report_indexes
Revises: 0006_catalogue_version
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import Id, UtcDateTime

revision = "0011_report_indexes"
down_revision = "0010_outbox_typed"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'Pendente'")
OPEN = sa.text("status IN ('Aberto', 'A Retornar')")


def upgrade() -> None:
    op.add_column("service_config", sa.Column("weekly_report", sa.String(20), nullable=True))
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_closed_report", "tickets", ["closed_at", "status", "subject_id", "created_at"])
    op.create_index("ix_tickets_status_subject", "tickets", ["status", "subject_id"])
    op.create_index("ix_tickets_open_id", "tickets", ["id"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_stages_pending_due", "stages", ["due_at", "responsible_id", "ticket_id", "id"],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_table(
        "ticket_ratings",
        sa.Column("ticket_id", Id, nullable=False, autoincrement=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("rated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_ticket_ratings_rating"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_ratings"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_ticket_ratings_ticket_id_tickets",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_ticket_ratings_rated_at", "ticket_ratings", ["rated_at", "rating"])
    op.create_table(
        "report_posts",
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=False),
        sa.Column("claim_expires_at", UtcDateTime, nullable=False),
        sa.Column("posted_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("period", name="pk_report_posts"),
    )


def downgrade() -> None:
    op.drop_table("report_posts")
    op.drop_index("ix_ticket_ratings_rated_at", table_name="ticket_ratings")
    op.drop_table("ticket_ratings")
    op.drop_index("ix_stages_pending_due", table_name="stages")
    op.drop_index("ix_tickets_open_id", table_name="tickets")
    op.drop_index("ix_tickets_status_subject", table_name="tickets")
    op.drop_index("ix_tickets_closed_report", table_name="tickets")
    op.drop_index("ix_tickets_created_at", table_name="tickets")
    with op.batch_alter_table("service_config") as batch:
        batch.drop_column("weekly_report")
