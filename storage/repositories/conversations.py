"""The conversations (domain/conversation.py): one row per chat and user, inside the unit of work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversation import Conversation, ConversationState
from domain.wizard_draft import WizardDraft
from storage import tables as t
from storage.upsert import upsert_statement

_T = t.conversations
KEY = ("chat_id", "user_id")
COLUMNS = tuple(column.name for column in _T.columns)
_WIZARD = ("step", "type_id", "subject_id", "empreendimento_id", "unit_id", "description")
# Every update of a conversation reads and writes its row: the statements are built once (SQL and cache key).
_THE_ROW = (_T.c.chat_id == bindparam("chat_id")) & (_T.c.user_id == bindparam("user_id"))
_GET = select(_T).where(_THE_ROW)
_DELETE = delete(_T).where(_THE_ROW)


def conversation_from_row(row) -> Conversation:
    m = row._mapping
    state = ConversationState(m["state"])
    draft = None
    if state is ConversationState.WIZARD:
        draft = WizardDraft(
            customer_id=m["customer_id"], telegram_user_id=m["user_id"], chat_id=m["chat_id"], step=m["step"],
            created_at=m["created_at"], updated_at=m["updated_at"], expires_at=m["expires_at"],
            message_id=m["message_id"], **{name: m[name] for name in _WIZARD if name != "step"},
        )
    return Conversation(
        m["chat_id"], m["user_id"], state, m["created_at"], m["updated_at"], customer_id=m["customer_id"],
        ticket_number=m["ticket_number"], stage=m["stage"], message_id=m["message_id"], draft=draft,
    )


def row_of(conversation: Conversation) -> dict:
    draft = conversation.draft
    return {
        "chat_id": conversation.chat_id,
        "user_id": conversation.user_id,
        "state": conversation.state.value,
        "customer_id": draft.customer_id if draft else conversation.customer_id,
        "ticket_number": conversation.ticket_number,
        "stage": conversation.stage,
        "message_id": draft.message_id if draft else conversation.message_id,
        **{name: getattr(draft, name) if draft else None for name in _WIZARD},
        "created_at": draft.created_at if draft else conversation.created_at,
        "updated_at": draft.updated_at if draft else conversation.updated_at,
        "expires_at": draft.expires_at if draft else None,
    }


class SqlConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        row = (await self.session.execute(_GET, {"chat_id": chat_id, "user_id": user_id})).one_or_none()
        return conversation_from_row(row) if row is not None else None

    async def save(self, conversation: Conversation) -> None:
        statement = upsert_statement(self.session.bind.dialect.name, _T, COLUMNS, KEY)
        await self.session.execute(statement, row_of(conversation))

    async def delete(self, chat_id: int, user_id: int) -> bool:
        result = await self.session.execute(_DELETE, {"chat_id": chat_id, "user_id": user_id})
        return result.rowcount > 0

    async def expired(self, now: datetime, limit: int = 100) -> list[Conversation]:
        """Conversations whose time has run out, the longest expired first (an index range on expires_at)."""
        rows = await self.session.execute(
            select(_T).where(_T.c.expires_at <= now).order_by(_T.c.expires_at, _T.c.chat_id, _T.c.user_id).limit(limit)
        )
        return [conversation_from_row(row) for row in rows]
