"""The schema. Alembic migrations under storage/migrations create it; a test proves both agree.

Statuses are stored as the UI writes them ("A Retornar"), guarded by CHECK constraints so that another system
writing these tables directly cannot store a status the product does not know.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.types import Id, Json, TelegramId, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TICKET_STATUSES = ("Aberto", "A Retornar", "Encerrado", "Cancelado")
STAGE_STATUSES = ("Pendente", "Resolvida", "Cancelada")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# PostgreSQL numbers tickets from this sequence (gap-tolerant, no lock between concurrent creators);
# SQLite, which serialises writers anyway, from the `counters` table.
ticket_number_seq = Sequence("ticket_number_seq", metadata=metadata)

counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Id, nullable=False),
)

# --- catalogue ----------------------------------------------------------------------------------------------------
ticket_types = Table(
    "ticket_types",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(120), nullable=False),
)

empreendimentos = Table(
    "empreendimentos",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
)

obras = Table(
    "obras",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("empreendimento_id", Id, ForeignKey("empreendimentos.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("empreendimento_id", Id, ForeignKey("empreendimentos.id"), nullable=False, index=True),
    Column("obra_id", Id, ForeignKey("obras.id"), nullable=True),
    Column("label", String(200), nullable=False),
)

unit_items = Table(
    "unit_items",
    metadata,
    Column("unit_id", Id, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("login", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("telegram_user_id", TelegramId, nullable=True, unique=True),
    Column("email", String(254), nullable=True),
    Column("smtp_host", String(254), nullable=True),
    Column("smtp_port", Integer, nullable=True),
    Column("smtp_username", String(254), nullable=True),
    Column("smtp_password", String(500), nullable=True),
    Column("smtp_sender", String(254), nullable=True),
    Column("smtp_starttls", Boolean, nullable=False, server_default=text("true")),
    Column("smtp_implicit_tls", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("responsible_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("return_call", Boolean, nullable=False, server_default=text("false")),
)

subject_types = Table(
    "subject_types",
    metadata,
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
    Column("type_id", Id, ForeignKey("ticket_types.id"), primary_key=True),
)

subject_empreendimentos = Table(
    "subject_empreendimentos",
    metadata,
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
    Column("empreendimento_id", Id, ForeignKey("empreendimentos.id"), primary_key=True),
)

subject_stages = Table(
    "subject_stages",
    metadata,
    Column("subject_id", Id, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("responsible_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("due_days", Integer, nullable=True),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("document", String(14), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("telegram_user_id", TelegramId, nullable=True, unique=True),
    Column("linked_at", UtcDateTime, nullable=True),
    Column("unreachable_at", UtcDateTime, nullable=True),
)

customer_phones = Table(
    "customer_phones",
    metadata,
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("phone", String(20), primary_key=True),  # E.164, the nine-digit form of mobiles
    Index("ix_customer_phones_phone", "phone"),
)

customer_units = Table(
    "customer_units",
    metadata,
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Id, ForeignKey("units.id"), primary_key=True),
    Index("ix_customer_units_unit_id", "unit_id"),
)

service_config = Table(
    "service_config",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("visibility", String(20), nullable=False, server_default="web_subjects"),
    Column("mode", String(30), nullable=False, server_default="register_and_follow"),
    Column("responsible_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("config_user_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("send_external_email", Boolean, nullable=False, server_default=text("false")),
    Column("staff_chat_id", TelegramId, nullable=True),
    Column("staff_thread_id", TelegramId, nullable=True),
    Column("demo_mode", Boolean, nullable=False, server_default=text("false")),
    Column("weekly_report", String(20), nullable=True),  # "mon 08:00": when the weekly report goes to the staff group
    CheckConstraint("id = 1", name="single_row"),
    CheckConstraint("visibility IN ('web_subjects', 'all')", name="visibility"),
    CheckConstraint("mode IN ('register_and_follow', 'register_only')", name="mode"),
)

# --- atendimentos -------------------------------------------------------------------------------------------------
tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("number", Id, nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("type_id", Id, ForeignKey("ticket_types.id"), nullable=False),
    Column("subject_id", Id, ForeignKey("subjects.id"), nullable=False),
    Column("empreendimento_id", Id, ForeignKey("empreendimentos.id"), nullable=True),
    Column("obra_id", Id, ForeignKey("obras.id"), nullable=True),
    Column("unit_id", Id, ForeignKey("units.id"), nullable=True),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="Aberto"),
    Column("origin", String(20), nullable=False, server_default="bot"),
    Column("return_call", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
    # /meus: a customer's tickets newest first, by keyset.
    Index("ix_tickets_customer_created", "customer_id", "created_at", "id"),
    # The report (storage/repositories/reports.py): opened per week; closed per week and days to close by subject,
    # read from the index alone; open atendimentos by status and subject.
    Index("ix_tickets_created_at", "created_at"),
    Index("ix_tickets_closed_report", "closed_at", "status", "subject_id", "created_at"),
    Index("ix_tickets_status_subject", "status", "subject_id"),
    # The overdue pendências' "is its atendimento still open?", from the index alone.
    Index("ix_tickets_open_id", "id", postgresql_where=text("status IN ('Aberto', 'A Retornar')"),
          sqlite_where=text("status IN ('Aberto', 'A Retornar')")),
)

stages = Table(
    "stages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", String(200), nullable=False),
    Column("responsible_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("status", String(20), nullable=False, server_default="Pendente"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("due_at", UtcDateTime, nullable=True),
    Column("template_position", Integer, nullable=True),
    CheckConstraint(_in("status", STAGE_STATUSES), name="status"),
    UniqueConstraint("ticket_id", "position"),  # also the index that loads a ticket's stages
    # The report's overdue pendências by responsible: the pending stages past their due date only, read from the
    # index alone (the ticket and stage ids join it to the pendência and the ticket's status).
    Index(
        "ix_stages_pending_due",
        "due_at",
        "responsible_id",
        "ticket_id",
        "id",
        postgresql_where=text("status = 'Pendente'"),
        sqlite_where=text("status = 'Pendente'"),
    ),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("stage_id", Id, ForeignKey("stages.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("author", String(200), nullable=False),
    Column("author_staff_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("text", Text, nullable=False),
    Index("ix_notes_stage_id", "stage_id", "id"),
)

pendencias = Table(
    "pendencias",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("staff_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("stage_id", Id, ForeignKey("stages.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Index("ix_pendencias_staff_id", "staff_id"),
    Index("ix_pendencias_ticket_id", "ticket_id"),
)

internal_messages = Table(
    "internal_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("to_staff_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
    Column("params", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    Index("ix_internal_messages_to_staff_id", "to_staff_id", "created_at"),
)

# --- delivery -----------------------------------------------------------------------------------------------------
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("key", String(120), nullable=False, unique=True),  # one row per change and audience: repeats are no-ops
    Column("audience", String(20), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("recipient_id", Id, nullable=True),
    # One queue per chat or mailbox (domain.notifications.queue_of): a queue's rows are delivered strictly in order.
    Column("queue", String(40), nullable=False),
    Column("ticket_id", Id, nullable=True),
    Column("payload", Json, nullable=False),
    Column("state", String(12), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(80), nullable=True),
    Column("claim_expires_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("chat_id", TelegramId, nullable=True),  # where it went (or was to go), for the record
    Column("last_error", Text, nullable=True),
    # Telegram refused the chat (403: blocked, kicked, deactivated): the queue's next rows are parked without trying.
    Column("refused", Boolean, nullable=False, server_default=text("false")),
    # Parts of a long message Telegram already accepted: a retry sends only the rest (0 for a one-part message).
    Column("parts_sent", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("state IN ('pending', 'claimed', 'delivered', 'parked', 'skipped')", name="state"),
    # The delivery job's claim: due rows only; delivered rows stay out of the index's hot part.
    Index("ix_outbox_due", "state", "available_at", "id"),
    # "Is there an earlier undelivered row in this queue?" — asked for every row the claim looks at.
    Index(
        "ix_outbox_queue_open",
        "queue",
        "id",
        postgresql_where=text("state IN ('pending', 'claimed')"),
        sqlite_where=text("state IN ('pending', 'claimed')"),
    ),
)

# Telegram's global limit (30 messages a second per bot) shared by every delivery worker: each message takes a slot
# of the current fifth of a second; the database row makes the count exact across processes.
send_budget = Table(
    "send_budget",
    metadata,
    Column("slot", Id, primary_key=True, autoincrement=False),
    Column("used", Integer, nullable=False),
)

# Per-chat pacing (≤ 1 message a second in a private chat, ≤ 20 a minute in a group): the earliest time the next
# message of a delivery queue may go. Kept per queue rather than on the next row, so that a row recorded after the
# previous send waits as well; one row per chat ever written to.
delivery_pacing = Table(
    "delivery_pacing",
    metadata,
    Column("queue", String(40), primary_key=True),
    Column("not_before", UtcDateTime, nullable=False),
)

# Filled by triggers (see the migrations) on every stage insert or status change, note insert and ticket status
# change, whoever writes them; the change feed turns each row into the notification no outbox row covers yet, then
# deletes it. Its size is the number of changes not yet looked at, never the size of the tables.
change_log = Table(
    "change_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("entity", String(10), nullable=False),  # stage | note | ticket
    Column("row_id", Id, nullable=False),
    Column("ticket_id", Id, nullable=True),
    Column("change", String(10), nullable=False),  # insert | status
    Column("status", String(20), nullable=True),
    Column("created_at", UtcDateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
)

# --- conversations (domain/conversation.py, storage/repositories/conversations.py) --------------------------------
# What each chat waits for from each person: one row per (chat, user), holding the state and everything it waits on
# (the /novo wizard's choices, the atendimento whose reason or answer is awaited, the question a staff member answers).
# No foreign keys on the wizard's choices: a catalogue re-import must not trip over a draft, and the wizard re-checks
# every choice anyway.
conversations = Table(
    "conversations",
    metadata,
    Column("chat_id", TelegramId, primary_key=True, autoincrement=False),
    Column("user_id", TelegramId, primary_key=True, autoincrement=False),
    Column("state", String(30), nullable=False),  # domain.conversation.ConversationState
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=True),
    Column("ticket_number", Integer, nullable=True),
    Column("stage", Integer, nullable=True),
    Column("message_id", TelegramId, nullable=True),
    Column("step", String(30), nullable=True),  # the wizard's: step, choices, description
    Column("type_id", Id, nullable=True),
    Column("subject_id", Id, nullable=True),
    Column("empreendimento_id", Id, nullable=True),
    Column("unit_id", Id, nullable=True),
    Column("description", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Index("ix_conversations_expires_at", "expires_at"),  # the timeout job's scan of abandoned wizards
)

# --- linking ------------------------------------------------------------------------------------------------------
invitations = Table(
    "invitations",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # sha256 of the code; the code itself is never stored
    Column("customer_id", Id, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("used_by", TelegramId, nullable=True),
)

link_attempts = Table(
    "link_attempts",
    metadata,
    Column("telegram_user_id", TelegramId, primary_key=True, autoincrement=False),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=True),
)

# --- one bot process ----------------------------------------------------------------------------------------------
# The lease of the one process that consumes the bot's updates (storage/bot_lease.py): a second `atendimento run`
# reads who holds it and refuses to start; a crashed holder's lease expires.
bot_lease = Table(
    "bot_lease",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),  # a random id of the holding process
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("pid_namespace", String(64), nullable=False),  # tells two containers with one host name apart
    Column("started_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# --- reports (bot/reports, storage/repositories/reports.py) ---------------------------------------------------------
# The customer's rating of a closed atendimento (the satisfaction survey writes it; the report reads it).
ticket_ratings = Table(
    "ticket_ratings",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=True),
    Column("rated_at", UtcDateTime, nullable=False),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    Index("ix_ticket_ratings_rated_at", "rated_at", "rating"),  # the report's distribution, from the index alone
)

# One row per scheduled report (the weekly one: "weekly:<its local date and time>"): the first worker to insert it
# posts it; a claim that expired without `posted_at` (the worker died) may be taken again.
report_posts = Table(
    "report_posts",
    metadata,
    Column("period", String(40), primary_key=True),
    Column("claimed_by", String(80), nullable=False),
    Column("claim_expires_at", UtcDateTime, nullable=False),
    Column("posted_at", UtcDateTime, nullable=True),
)

# --- messages and attachments inside an atendimento (domain/messages.py) -------------------------------------------
ticket_messages = Table(
    "ticket_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(10), nullable=False),  # customer | staff
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("staff_id", Id, ForeignKey("staff_users.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=True),
    Column("opening", Boolean, nullable=False, server_default=text("false")),  # the attachments sent with /novo
    CheckConstraint("author IN ('customer', 'staff')", name="author"),
    Index("ix_ticket_messages_ticket_id", "ticket_id", "id"),
    # "How many messages did this customer send in the last minute?"
    Index("ix_ticket_messages_customer_created", "customer_id", "created_at"),
)

ticket_attachments = Table(
    "ticket_attachments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", Id, ForeignKey("ticket_messages.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("file_id", String(255), nullable=False),  # to re-send without re-uploading
    Column("file_unique_id", String(100), nullable=False),
    Column("file_name", String(255), nullable=True),  # as sent: shown, never used as a path
    Column("mime_type", String(100), nullable=True),
    Column("size", Id, nullable=True),
    Column("sha256", String(64), nullable=True),  # the bytes in the file store, once downloaded
    CheckConstraint("kind IN ('photo', 'video', 'document', 'voice')", name="kind"),
    UniqueConstraint("message_id", "position"),
    Index("ix_ticket_attachments_sha256", "sha256"),
)

# Which atendimento each message the bot sent (or copied) is about, so that a Telegram reply to it — a customer's in
# private, a staff member's in the group — lands on that atendimento (and, for a copy of a customer's message, on it).
telegram_message_refs = Table(
    "telegram_message_refs",
    metadata,
    Column("chat_id", TelegramId, primary_key=True, autoincrement=False),
    Column("message_id", TelegramId, primary_key=True, autoincrement=False),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("ticket_message_id", Id, ForeignKey("ticket_messages.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_telegram_message_refs_ticket_id", "ticket_id"),
)

# --- audit (domain/audit.py) ---------------------------------------------------------------------------------------
# Append-only: triggers on both backends refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), whoever tries.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(10), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(30), nullable=False),
    Column("chat_id", TelegramId, nullable=True),
    Column("ticket_number", Id, nullable=True),
    Column("details", Json, nullable=False),
    CheckConstraint("actor_kind IN ('staff', 'customer', 'operator', 'system')", name="actor_kind"),
    Index("ix_audit_log_ticket_number", "ticket_number", "id"),
    Index("ix_audit_log_actor", "actor", "id"),
    Index("ix_audit_log_at", "at"),
)
