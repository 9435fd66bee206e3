from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalogue import Customer
from storage import tables as t


def customer_from_row(row) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        document=row.document,
        email=row.email,
        telegram_user_id=row.telegram_user_id,
        unreachable=row.unreachable_at is not None,
    )


class SqlCustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, condition) -> Customer | None:
        row = (await self.session.execute(select(t.customers).where(condition))).one_or_none()
        return customer_from_row(row) if row is not None else None

    async def get(self, customer_id: int) -> Customer | None:
        return await self._one(t.customers.c.id == customer_id)

    async def by_telegram(self, telegram_user_id: int) -> Customer | None:
        return await self._one(t.customers.c.telegram_user_id == telegram_user_id)

    async def by_document(self, document: str) -> Customer | None:
        return await self._one(t.customers.c.document == document)

    async def ids_by_phone(self, phone: str) -> Sequence[int]:
        rows = await self.session.execute(
            select(t.customer_phones.c.customer_id)
            .where(t.customer_phones.c.phone == phone)
            .order_by(t.customer_phones.c.customer_id)
        )
        return list(rows.scalars())

    async def link(self, customer_id: int, telegram_user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(t.customers)
            .where(t.customers.c.telegram_user_id == telegram_user_id, t.customers.c.id != customer_id)
            .values(telegram_user_id=None, linked_at=None)
        )
        await self.session.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(telegram_user_id=telegram_user_id, linked_at=now, unreachable_at=None)
        )

    async def unlink(self, telegram_user_id: int) -> bool:
        result = await self.session.execute(
            update(t.customers)
            .where(t.customers.c.telegram_user_id == telegram_user_id)
            .values(telegram_user_id=None, linked_at=None)
        )
        return result.rowcount > 0

    async def mark_unreachable(self, customer_id: int, now: datetime) -> None:
        await self.session.execute(
            update(t.customers).where(t.customers.c.id == customer_id).values(unreachable_at=now)
        )

    async def mark_reachable(self, telegram_user_id: int) -> None:
        await self.session.execute(
            update(t.customers)
            .where(t.customers.c.telegram_user_id == telegram_user_id, t.customers.c.unreachable_at.is_not(None))
            .values(unreachable_at=None)
        )
