from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.linking import Invitation, LinkAttempts
from storage import tables as t


class SqlLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_invitation(self, hashed: str, customer_id: int, created_at: datetime, expires_at: datetime) -> None:
        await self.session.execute(
            t.invitations.insert().values(
                code_hash=hashed, customer_id=customer_id, created_at=created_at, expires_at=expires_at
            )
        )

    async def invitation(self, hashed: str) -> Invitation | None:
        row = (
            await self.session.execute(select(t.invitations).where(t.invitations.c.code_hash == hashed))
        ).one_or_none()
        if row is None:
            return None
        return Invitation(row.customer_id, row.created_at, row.expires_at, row.used_at)

    async def use_invitation(self, hashed: str, telegram_user_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(t.invitations)
            .where(t.invitations.c.code_hash == hashed, t.invitations.c.used_at.is_(None))
            .values(used_at=now, used_by=telegram_user_id)
        )
        return result.rowcount == 1

    async def attempts(self, telegram_user_id: int) -> LinkAttempts | None:
        row = (
            await self.session.execute(
                select(t.link_attempts).where(t.link_attempts.c.telegram_user_id == telegram_user_id)
            )
        ).one_or_none()
        if row is None:
            return None
        return LinkAttempts(row.telegram_user_id, row.failures, row.window_started_at, row.blocked_until)

    async def save_attempts(self, attempts: LinkAttempts) -> None:
        insert = (postgresql if self.session.bind.dialect.name == "postgresql" else sqlite).insert(t.link_attempts)
        values = {
            "telegram_user_id": attempts.telegram_user_id,
            "failures": attempts.failures,
            "window_started_at": attempts.window_started_at,
            "blocked_until": attempts.blocked_until,
        }
        await self.session.execute(
            insert.values(**values).on_conflict_do_update(index_elements=["telegram_user_id"], set_=values)
        )

    async def clear_attempts(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(t.link_attempts).where(t.link_attempts.c.telegram_user_id == telegram_user_id)
        )
