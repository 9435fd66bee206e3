"""One row per conversation: the state of each (chat, user) and everything it waits on, in `conversations`.

Replaces python-telegram-bot's JSON rows (telegram_conversations, telegram_user_data, telegram_chat_data,
telegram_bot_data) and wizard_drafts. What was in progress is carried over: drafts become wizard rows, a cancellation
waiting for its reason (user_data "cancelando" of a conversation in that state) a cancel_reason row, and each staff
member's newest open question (chat_data "staff_prompts") a staff row.

Revision ID: 0009_conversation_row
Revises: 0006_catalogue_version
Create Date: 2026-12-05
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_conversation_row"
down_revision = "0008_bot_lease"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CANCEL_REASON_STATE = 2  # tickets.CANCEL_REASON of the handler named "cliente", before this revision
_STAFF_STATES = {"o": "staff_note", "r": "staff_resolution"}


def _conversations_table() -> sa.Table:
    return op.create_table(
        "conversations",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("ticket_number", sa.Integer(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("step", sa.String(length=30), nullable=True),
        sa.Column("type_id", ID, nullable=True),
        sa.Column("subject_id", ID, nullable=True),
        sa.Column("empreendimento_id", ID, nullable=True),
        sa.Column("unit_id", ID, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_conversations_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_conversations")),
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _carry_over(conversations: sa.Table) -> None:
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO conversations (chat_id, user_id, state, customer_id, message_id, step, type_id, subject_id, "
        "empreendimento_id, unit_id, description, created_at, updated_at, expires_at) "
        "SELECT chat_id, telegram_user_id, 'wizard', customer_id, message_id, step, type_id, subject_id, "
        "empreendimento_id, unit_id, description, created_at, updated_at, expires_at FROM wizard_drafts"
    ))
    now = datetime.now(UTC)
    taken = {tuple(row) for row in bind.execute(sa.text("SELECT chat_id, user_id FROM conversations"))}
    rows = []
    user_data = {row[0]: _json(row[1]) for row in bind.execute(sa.text("SELECT user_id, data FROM telegram_user_data"))}
    for key, state in bind.execute(sa.text("SELECT key, state FROM telegram_conversations WHERE name = 'cliente'")):
        chat_id, user_id = json.loads(key)
        number = (user_data.get(user_id) or {}).get("cancelando")
        if _json(state) == _CANCEL_REASON_STATE and isinstance(number, int) and (chat_id, user_id) not in taken:
            taken.add((chat_id, user_id))
            rows.append({"chat_id": chat_id, "user_id": user_id, "state": "cancel_reason", "ticket_number": number,
                         "created_at": now, "updated_at": now})
    for chat_id, data in bind.execute(sa.text("SELECT chat_id, data FROM telegram_chat_data")):
        prompts = (_json(data) or {}).get("staff_prompts") or {}
        for message_id in sorted(prompts, key=int, reverse=True):  # the newest question of each person
            prompt = prompts[message_id]
            key = (chat_id, prompt.get("user"))
            if key in taken or prompt.get("action") not in _STAFF_STATES:
                continue
            taken.add(key)
            rows.append({"chat_id": chat_id, "user_id": prompt["user"], "state": _STAFF_STATES[prompt["action"]],
                         "ticket_number": prompt["ticket"], "stage": prompt["stage"], "message_id": int(message_id),
                         "created_at": now, "updated_at": now})
    if rows:  # every row with every column: an executemany takes its columns from the first
        columns = ("ticket_number", "stage", "message_id")
        op.bulk_insert(conversations, [{**dict.fromkeys(columns), **row} for row in rows])


def upgrade() -> None:
    conversations = _conversations_table()
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index("ix_conversations_expires_at", ["expires_at"], unique=False)
    _carry_over(conversations)
    with op.batch_alter_table("wizard_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_wizard_drafts_expires_at")
    for table in ("wizard_drafts", "telegram_bot_data", "telegram_chat_data", "telegram_user_data",
                  "telegram_conversations"):
        op.drop_table(table)


def downgrade() -> None:
    """Back to the earlier tables; only wizard drafts are carried back (other waits start over)."""
    op.create_table("telegram_conversations",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_telegram_conversations")))
    op.create_table("telegram_user_data",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_telegram_user_data")))
    op.create_table("telegram_chat_data",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_chat_data")))
    op.create_table("telegram_bot_data",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_telegram_bot_data")))
    op.create_table("wizard_drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("type_id", ID, nullable=True),
        sa.Column("subject_id", ID, nullable=True),
        sa.Column("empreendimento_id", ID, nullable=True),
        sa.Column("unit_id", ID, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_wizard_drafts_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "telegram_user_id", name=op.f("pk_wizard_drafts")))
    with op.batch_alter_table("wizard_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_wizard_drafts_expires_at", ["expires_at"], unique=False)
    op.execute(
        "INSERT INTO wizard_drafts (chat_id, telegram_user_id, customer_id, step, type_id, subject_id, "
        "empreendimento_id, unit_id, description, message_id, created_at, updated_at, expires_at) "
        "SELECT chat_id, user_id, customer_id, step, type_id, subject_id, empreendimento_id, unit_id, description, "
        "message_id, created_at, updated_at, expires_at FROM conversations WHERE state = 'wizard'"
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_expires_at")
    op.drop_table("conversations")
