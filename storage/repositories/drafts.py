"""The /novo wizard's drafts (domain/wizard_draft.py), one row per chat and user, inside the unit of work."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.wizard_draft import WizardDraft
from storage import tables as t
from storage.upsert import upsert_statement

KEY = ("chat_id", "telegram_user_id")
# Every wizard step reads and writes its draft: the statements are built once (their SQL and cache key with them).
_THE_DRAFT = (t.wizard_drafts.c.chat_id == bindparam("chat_id")) & (
    t.wizard_drafts.c.telegram_user_id == bindparam("telegram_user_id")
)
_GET = select(t.wizard_drafts).where(_THE_DRAFT)
_DELETE = delete(t.wizard_drafts).where(_THE_DRAFT)


def draft_from_row(row) -> WizardDraft:
    return WizardDraft(**row._mapping)


class SqlWizardDraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _is(self, chat_id: int, telegram_user_id: int):
        return (t.wizard_drafts.c.chat_id == chat_id) & (t.wizard_drafts.c.telegram_user_id == telegram_user_id)

    async def get(self, chat_id: int, telegram_user_id: int) -> WizardDraft | None:
        row = (await self.session.execute(
            _GET, {"chat_id": chat_id, "telegram_user_id": telegram_user_id}
        )).one_or_none()
        return draft_from_row(row) if row is not None else None

    async def save(self, draft: WizardDraft) -> None:
        """Stores the draft as it is, replacing the chat and user's earlier one (a re-entered /novo starts over)."""
        values = asdict(draft)
        statement = upsert_statement(self.session.bind.dialect.name, t.wizard_drafts, tuple(values), KEY)
        await self.session.execute(statement, values)

    async def delete(self, chat_id: int, telegram_user_id: int) -> bool:
        result = await self.session.execute(_DELETE, {"chat_id": chat_id, "telegram_user_id": telegram_user_id})
        return result.rowcount > 0

    async def expired(self, now: datetime, limit: int = 100) -> list[WizardDraft]:
        """Drafts whose time has run out, the longest expired first (an index range on expires_at)."""
        rows = await self.session.execute(
            select(t.wizard_drafts)
            .where(t.wizard_drafts.c.expires_at <= now)
            .order_by(t.wizard_drafts.c.expires_at, t.wizard_drafts.c.chat_id, t.wizard_drafts.c.telegram_user_id)
            .limit(limit)
        )
        return [draft_from_row(row) for row in rows]
