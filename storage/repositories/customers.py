from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.brazil import cpf_with_check_digits
from domain.catalogue import Customer
from domain.linking import AccountLink
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


# Ids of demo-mode visitors: far above any catalogue id, one per Telegram account.
DEMO_VISITOR_IDS = 9_000_000_000_000


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

    async def link_of(self, telegram_user_id: int) -> AccountLink | None:
        # FOR UPDATE (PostgreSQL; SQLite's writers are serialised anyway): a concurrent link or unlink of this row
        # waits until the transaction that checked the link has committed what it checked it for.
        row = (
            await self.session.execute(
                select(t.customers.c.id, t.customers.c.linked_at)
                .where(t.customers.c.telegram_user_id == telegram_user_id)
                .with_for_update()
            )
        ).one_or_none()
        return AccountLink(row.id, telegram_user_id, row.linked_at) if row is not None else None

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

    async def demo_template(self) -> Customer | None:
        owned = (
            select(t.customer_units.c.customer_id, func.count().label("units"))
            .group_by(t.customer_units.c.customer_id)
            .subquery()
        )
        row = (
            await self.session.execute(
                select(t.customers)
                .join(owned, owned.c.customer_id == t.customers.c.id)
                .where(t.customers.c.id < DEMO_VISITOR_IDS)
                .order_by(owned.c.units.desc(), t.customers.c.id)
                .limit(1)
            )
        ).one_or_none()
        return customer_from_row(row) if row is not None else None

    async def create_demo_visitor(
        self, template_id: int, name: str, phone: str, telegram_user_id: int, now: datetime
    ) -> int:
        """A fictitious customer who owns the template's units, one per Telegram account.

        Its id comes from the account (DEMO_VISITOR_IDS + Telegram id), not from max(id)+1, so two visitors linking
        at the same moment never collide; a visitor who comes back after /sair gets their earlier record again.
        The CPF is fictitious but valid (check digits), the first free one from a base made from the account id.
        """
        await self.session.execute(
            update(t.customers)
            .where(t.customers.c.telegram_user_id == telegram_user_id)
            .values(telegram_user_id=None, linked_at=None)
        )
        visitor_id = DEMO_VISITOR_IDS + telegram_user_id
        exists = (await self.session.execute(select(t.customers.c.id).where(t.customers.c.id == visitor_id))).scalar()
        if exists is not None:
            await self.link(visitor_id, telegram_user_id, now)
            return visitor_id
        base = telegram_user_id % 100_000_000
        for step in range(1000):
            document = cpf_with_check_digits(f"{900_000_000 + (base + step) % 100_000_000:09d}")
            taken = (await self.session.execute(select(t.customers.c.id).where(t.customers.c.document == document))).scalar()
            if taken is None:
                break
        label = " ".join((name or "").split())[:60] or "Visitante"
        await self.session.execute(
            insert(t.customers).values(
                id=visitor_id,
                name=f"{label} (demonstração)",
                document=document,
                telegram_user_id=telegram_user_id,
                linked_at=now,
            )
        )
        await self.session.execute(insert(t.customer_phones).values(customer_id=visitor_id, phone=phone))
        unit_ids = (
            await self.session.execute(
                select(t.customer_units.c.unit_id).where(t.customer_units.c.customer_id == template_id)
            )
        ).scalars().all()
        if unit_ids:
            await self.session.execute(
                insert(t.customer_units), [{"customer_id": visitor_id, "unit_id": u} for u in unit_ids]
            )
        return visitor_id
