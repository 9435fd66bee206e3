"""The outbox as delivery queues: claiming due rows, recording what became of them, and the shared send budget.

Ordering: a row is claimable only when it is the head of its queue (no earlier row of the queue is pending or
claimed), so one queue — one chat — is in one worker's hands at a time, and its rows go out in creation order. The
worker that holds a head also takes the rows right after it that belong to the same atendimento, to fold them into
one message. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so workers never wait for one another; SQLite
serialises writers (BEGIN IMMEDIATE), which makes the same statements safe there.

A claim is a lease: a worker that dies leaves rows whose lease expires, and the next claim takes them again.
Pacing between two messages of one chat is stored in the rows themselves (the next row's `available_at`), so it
holds whichever worker sends next.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock
from storage import tables as t
from storage.database import Database

OPEN_STATES = ("pending", "claimed")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    audience: str
    kind: str
    queue: str
    recipient_id: int | None
    ticket_id: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedBatch:
    """The head of one queue and the rows right after it about the same atendimento."""

    queue: str
    rows: tuple[OutboxRow, ...]

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows]

    @property
    def head(self) -> OutboxRow:
        return self.rows[0]


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    claimed: int
    delivered: int
    parked: int
    skipped: int
    oldest_pending_at: datetime | None


def _row(r) -> OutboxRow:
    return OutboxRow(
        id=r.id, key=r.key, audience=r.audience, kind=r.kind, queue=r.queue, recipient_id=r.recipient_id,
        ticket_id=r.ticket_id, payload=r.payload or {}, attempts=r.attempts, created_at=r.created_at,
    )


class DeliveryQueue:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.postgres = database.dialect == "postgresql"

    # --- claiming -----------------------------------------------------------------------------------------------
    async def claim(
        self,
        worker: str,
        *,
        queues: int = 50,
        fold: int = 10,
        lease: timedelta = timedelta(seconds=60),
        audiences: tuple[str, ...] | None = None,
    ) -> list[ClaimedBatch]:
        now = self.clock.now()
        o = t.outbox
        earlier = t.outbox.alias("earlier")
        heads = (
            select(o.c.id, o.c.queue, o.c.ticket_id)
            .where(
                o.c.state == "pending",
                o.c.available_at <= now,
                ~exists().where(
                    earlier.c.queue == o.c.queue, earlier.c.id < o.c.id, earlier.c.state.in_(OPEN_STATES)
                ),
            )
            .order_by(o.c.id)
            .limit(queues)
        )
        if audiences is not None:
            heads = heads.where(o.c.audience.in_(audiences))
        if self.postgres:
            heads = heads.with_for_update(skip_locked=True, of=o)
        async with self.database.engine.begin() as connection:
            # Leases of workers that died: their rows are due again.
            await connection.execute(
                update(o)
                .where(o.c.state == "claimed", o.c.claim_expires_at < now)
                .values(state="pending", claimed_by=None, claim_expires_at=None)
            )
            head_rows = (await connection.execute(heads)).all()
            if not head_rows:
                return []
            ids: list[int] = []
            for head in head_rows:
                ids.append(head.id)
                if fold > 1 and head.ticket_id is not None:
                    ids.extend(await self._followers(connection, head, fold - 1, now))
            await connection.execute(
                update(o)
                .where(o.c.id.in_(ids))
                .values(state="claimed", claimed_by=worker, claim_expires_at=now + lease)
            )
            rows = (await connection.execute(select(o).where(o.c.id.in_(ids)).order_by(o.c.id))).all()
        by_queue: dict[str, list[OutboxRow]] = {}
        for r in rows:
            by_queue.setdefault(r.queue, []).append(_row(r))
        return [ClaimedBatch(queue, tuple(items)) for queue, items in by_queue.items()]

    async def _followers(self, connection: AsyncConnection, head, limit: int, now: datetime) -> list[int]:
        """The rows right after `head` in its queue while they are due and about the same atendimento."""
        o = t.outbox
        query = (
            select(o.c.id, o.c.ticket_id, o.c.available_at, o.c.state)
            .where(o.c.queue == head.queue, o.c.id > head.id, o.c.state.in_(OPEN_STATES))
            .order_by(o.c.id)
            .limit(limit)
        )
        if self.postgres:
            query = query.with_for_update(skip_locked=True, of=o)
        taken = []
        for r in await connection.execute(query):
            if r.state != "pending" or r.ticket_id != head.ticket_id or r.available_at > now:
                break
            taken.append(r.id)
        return taken

    # --- outcomes -----------------------------------------------------------------------------------------------
    async def delivered(
        self, batch: ClaimedBatch, worker: str, *, chat_id: int | None, spacing: timedelta
    ) -> None:
        """Marks the batch delivered and holds the queue's next row back by `spacing` (per-chat pacing)."""
        now = self.clock.now()
        o = t.outbox
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(o)
                .where(o.c.id.in_(batch.ids))
                .values(state="delivered", delivered_at=now, chat_id=chat_id, claimed_by=None,
                        claim_expires_at=None, last_error=None)
            )
            if spacing > timedelta(0):
                not_before = now + spacing
                await connection.execute(
                    update(o)
                    .where(o.c.queue == batch.queue, o.c.state == "pending", o.c.available_at < not_before)
                    .values(available_at=not_before)
                )

    async def retry_later(self, ids: list[int], at: datetime, error: str, *, count_attempt: bool = True) -> None:
        o = t.outbox
        values: dict[str, Any] = {
            "state": "pending", "available_at": at, "claimed_by": None, "claim_expires_at": None,
            "last_error": error[:1000],
        }
        if count_attempt:
            values["attempts"] = o.c.attempts + 1
        async with self.database.engine.begin() as connection:
            await connection.execute(update(o).where(o.c.id.in_(ids)).values(**values))

    async def park(self, ids: list[int], error: str, *, chat_id: int | None = None) -> None:
        """Stops trying: `atendimento outbox list|retry` shows and releases parked rows."""
        o = t.outbox
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(o)
                .where(o.c.id.in_(ids))
                .values(state="parked", claimed_by=None, claim_expires_at=None, last_error=error[:1000],
                        attempts=o.c.attempts + 1, chat_id=chat_id)
            )

    async def skip(self, ids: list[int], reason: str) -> None:
        o = t.outbox
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(o)
                .where(o.c.id.in_(ids))
                .values(state="skipped", claimed_by=None, claim_expires_at=None, last_error=reason[:1000])
            )

    async def release(self, worker: str) -> int:
        """Gives back every row this worker holds (a clean shutdown)."""
        o = t.outbox
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                update(o)
                .where(o.c.state == "claimed", o.c.claimed_by == worker)
                .values(state="pending", claimed_by=None, claim_expires_at=None)
            )
            return result.rowcount

    # --- the shared send budget ----------------------------------------------------------------------------------
    async def take_send_slot(self, slot: int, capacity: int) -> bool:
        """One message's place in time slot `slot`, if the slot (shared by every worker) still has room."""
        b = t.send_budget
        insert_ = (postgresql if self.postgres else sqlite).insert(b)
        async with self.database.engine.begin() as connection:
            await connection.execute(insert_.values(slot=slot, used=0).on_conflict_do_nothing(index_elements=["slot"]))
            result = await connection.execute(
                update(b).where(b.c.slot == slot, b.c.used < capacity).values(used=b.c.used + 1)
            )
            if slot % 50 == 0:
                await connection.execute(delete(b).where(b.c.slot < slot - 50))
            return result.rowcount == 1

    # --- for operators -----------------------------------------------------------------------------------------
    async def stats(self) -> OutboxStats:
        o = t.outbox
        async with self.database.engine.connect() as connection:
            counts = dict((await connection.execute(select(o.c.state, func.count()).group_by(o.c.state))).all())
            oldest = (
                await connection.execute(select(func.min(o.c.created_at)).where(o.c.state.in_(OPEN_STATES)))
            ).scalar()
        return OutboxStats(
            pending=counts.get("pending", 0), claimed=counts.get("claimed", 0), delivered=counts.get("delivered", 0),
            parked=counts.get("parked", 0), skipped=counts.get("skipped", 0), oldest_pending_at=oldest,
        )

    async def parked(self, limit: int = 50) -> list[tuple[OutboxRow, str | None]]:
        o = t.outbox
        async with self.database.engine.connect() as connection:
            rows = (
                await connection.execute(select(o).where(o.c.state == "parked").order_by(o.c.id).limit(limit))
            ).all()
        return [(_row(r), r.last_error) for r in rows]

    async def retry_parked(self, ids: list[int] | None = None) -> int:
        o = t.outbox
        condition = o.c.state == "parked"
        if ids:
            condition = and_(condition, o.c.id.in_(ids))
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                update(o).where(condition).values(state="pending", available_at=self.clock.now(), last_error=None)
            )
            return result.rowcount
