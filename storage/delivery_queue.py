"""The outbox as delivery queues: claiming due rows, recording what became of them, per-chat pacing, and the shared
send budget.

Ordering: a row is claimable only when it is the head of its queue (no earlier row of the queue is pending or
claimed), so one queue — one chat — is in one worker's hands at a time, and its rows go out in creation order. The
worker that holds a head also takes the rows right after it that belong to the same atendimento, to fold them into
one message. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so workers never wait for one another; SQLite
serialises writers (BEGIN IMMEDIATE, see storage.database), which makes the same statements safe there.

A claim is a lease: a worker that dies leaves rows whose lease expires, and the next claim takes them again. Every
outcome is recorded only while the worker still holds the claim — owner and state are checked in the same UPDATE — so
a worker whose lease ran out (a stalled send) records nothing over the next worker's work, and learns that it must
stop (no further part of a long message goes out from it).

A long message goes out in parts; each part Telegram accepts is recorded (`parts_sent`) on every row of the batch, and
a retry sends only the parts not yet accepted. Such a batch is claimed again exactly as it was: the rows after its
head fold in only while they carry the head's `parts_sent` (rows recorded later carry 0), so the text — and so its
split into parts — is the same.
Pacing between two messages of one chat is stored per queue (`delivery_pacing`): the earliest time its next message
may go, so it holds whichever worker sends next and whenever the next row is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock
from domain.notifications import OPEN_STATES, Audience, OutboxState, Payload, parse_queue
from storage import tables as t
from storage.database import Database
from storage.notification_payloads import decode_payload
from storage.repositories.outbox import back_in_line

LEASE_CHECK_INTERVAL = timedelta(seconds=5)
PENDING, CLAIMED, DELIVERED, PARKED, SKIPPED = (OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.DELIVERED,
                                                OutboxState.PARKED, OutboxState.SKIPPED)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    audience: str
    kind: str
    queue: str
    recipient_id: int | None
    ticket_id: int | None
    payload: dict[str, Any]  # as stored: `notice()` reads it as its kind's dataclass
    attempts: int
    created_at: datetime
    parts_sent: int = 0

    def notice(self) -> Payload:
        """The typed payload (raises domain.notifications.PayloadError when it cannot be read)."""
        return decode_payload(self.kind, self.payload)


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

    @property
    def parts_sent(self) -> int:
        return self.head.parts_sent


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    claimed: int
    delivered: int
    parked: int
    skipped: int
    retrying: int  # pending rows that failed at least once (waiting for their next attempt)
    oldest_pending_at: datetime | None


def _row(r) -> OutboxRow:
    return OutboxRow(
        id=r.id, key=r.key, audience=r.audience, kind=r.kind, queue=r.queue, recipient_id=r.recipient_id,
        ticket_id=r.ticket_id, payload=r.payload or {}, attempts=r.attempts, created_at=r.created_at,
        parts_sent=r.parts_sent,
    )


def _held(ids: list[int], worker: str):
    """Rows still in this worker's hands: the condition of every UPDATE that records an outcome."""
    o = t.outbox
    return and_(o.c.id.in_(ids), o.c.state == CLAIMED, o.c.claimed_by == worker)


class DeliveryQueue:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.postgres = database.dialect == "postgresql"
        self._leases_checked_at: datetime | None = None

    def _insert(self, table):
        return (postgresql if self.postgres else sqlite).insert(table)

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
        await self._expire_leases(now)
        o = t.outbox
        earlier = t.outbox.alias("earlier")
        pacing = t.delivery_pacing
        heads = (
            select(o.c.id, o.c.queue, o.c.ticket_id, o.c.parts_sent)
            .where(
                o.c.state == PENDING,
                o.c.available_at <= now,
                ~exists().where(
                    earlier.c.queue == o.c.queue, earlier.c.id < o.c.id, earlier.c.state.in_(OPEN_STATES)
                ),
                ~exists().where(pacing.c.queue == o.c.queue, pacing.c.not_before > now),
            )
            .order_by(o.c.id)
            .limit(queues)
        )
        if audiences is not None:
            heads = heads.where(o.c.audience.in_(audiences))
        if self.postgres:
            heads = heads.with_for_update(skip_locked=True, of=o)
        async with self.database.engine.begin() as connection:
            head_rows = (await connection.execute(heads)).all()
            if not head_rows:
                return []
            ids = [head.id for head in head_rows]
            if fold > 1:
                ids += await self._followers(connection, [h for h in head_rows if h.ticket_id is not None], fold - 1,
                                             now)
            claimed = await connection.execute(
                update(o)
                .where(o.c.id.in_(ids))
                .values(state=CLAIMED, claimed_by=worker, claim_expires_at=now + lease)
                .returning(*o.c)
            )
            rows = sorted(claimed.all(), key=lambda r: r.id)
        by_queue: dict[str, list[OutboxRow]] = {}
        for r in rows:
            by_queue.setdefault(r.queue, []).append(_row(r))
        return [ClaimedBatch(queue, tuple(items)) for queue, items in by_queue.items()]

    async def _expire_leases(self, now: datetime) -> None:
        """Rows of workers that died are due again (looked for every few seconds, not at every claim). Its own short
        transaction; on PostgreSQL rows another worker is expiring at the same moment are skipped, never waited for
        (two workers cannot deadlock on them)."""
        if self._leases_checked_at is not None and now - self._leases_checked_at < LEASE_CHECK_INTERVAL:
            return
        self._leases_checked_at = now
        o = t.outbox
        condition = and_(o.c.state == CLAIMED, o.c.claim_expires_at < now)
        if self.postgres:
            condition = o.c.id.in_(select(o.c.id).where(condition).with_for_update(skip_locked=True))
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(o).where(condition).values(state=PENDING, claimed_by=None, claim_expires_at=None)
            )

    async def _followers(self, connection: AsyncConnection, heads: list, limit: int, now: datetime) -> list[int]:
        """For each head, the rows right after it in its queue while they are due and about the same atendimento —
        one statement for all heads. No other worker can claim them while we hold the head, so they are read
        without locks (a skipped lock would break the run of consecutive rows). A head some parts of which were
        sent takes exactly the rows it was sent with (they carry its `parts_sent`; later rows carry 0)."""
        if not heads:
            return []
        o = t.outbox
        parts = [
            select(o.c.id, o.c.queue, o.c.ticket_id, o.c.available_at, o.c.state, o.c.parts_sent)
            .where(o.c.queue == head.queue, o.c.id > head.id, o.c.state.in_(OPEN_STATES))
            .order_by(o.c.id)
            .limit(limit)
            .subquery()
            for head in heads
        ]
        query = union_all(*(select(*part.c) for part in parts)) if len(parts) > 1 else select(*parts[0].c)
        after: dict[str, list] = {}
        for r in await connection.execute(query):
            after.setdefault(r.queue, []).append(r)
        taken = []
        for head in heads:
            for r in sorted(after.get(head.queue, []), key=lambda r: r.id):
                if (r.state != PENDING or r.ticket_id != head.ticket_id or r.available_at > now
                        or r.parts_sent != head.parts_sent):
                    break
                taken.append(r.id)
        return taken

    # --- outcomes: each recorded only while the worker holds the claim (False: it no longer does) -------------------
    async def _record(self, ids: list[int], worker: str, values: dict[str, Any], *, pace: tuple[str, datetime] | None
                      = None) -> bool:
        async with self.database.engine.begin() as connection:
            result = await connection.execute(update(t.outbox).where(_held(ids, worker)).values(**values))
            if result.rowcount == 0:
                return False
            if pace is not None:
                await self._pace(connection, *pace)
            return True

    async def delivered(
        self, batch: ClaimedBatch, worker: str, *, chat_id: int | None, spacing: timedelta, parts: int = 1
    ) -> bool:
        """Marks the batch delivered (in `parts` messages) and holds the queue's next message back by `spacing`
        (per-chat pacing)."""
        now = self.clock.now()
        values = {"state": DELIVERED, "delivered_at": now, "chat_id": chat_id, "claimed_by": None,
                  "claim_expires_at": None, "last_error": None, "parts_sent": parts}
        pace = (batch.queue, now + spacing) if spacing > timedelta(0) else None
        return await self._record(batch.ids, worker, values, pace=pace)

    async def part_sent(self, batch: ClaimedBatch, worker: str, parts_sent: int, *, not_before: datetime,
                        lease: timedelta) -> bool:
        """Telegram accepted parts 1..`parts_sent` of the batch's message: recorded, the chat paced until
        `not_before`, and the claim renewed for the next part."""
        values = {"parts_sent": parts_sent, "claim_expires_at": self.clock.now() + lease}
        return await self._record(batch.ids, worker, values, pace=(batch.queue, not_before))

    async def renew(self, batch: ClaimedBatch, worker: str, lease: timedelta) -> bool:
        """A longer hold on a claim still held (one message of a long e-mail batch at a time)."""
        return await self._record(batch.ids, worker, {"claim_expires_at": self.clock.now() + lease})

    async def pace(self, queue: str, not_before: datetime) -> None:
        async with self.database.engine.begin() as connection:
            await self._pace(connection, queue, not_before)

    async def _pace(self, connection: AsyncConnection, queue: str, not_before: datetime) -> None:
        p = t.delivery_pacing
        statement = self._insert(p).values(queue=queue, not_before=not_before)
        statement = statement.on_conflict_do_update(
            index_elements=["queue"],
            set_={"not_before": statement.excluded.not_before},
            where=p.c.not_before < statement.excluded.not_before,
        )
        await connection.execute(statement)

    async def retry_later(self, ids: list[int], worker: str, at: datetime, error: str, *,
                          count_attempt: bool = True) -> bool:
        o = t.outbox
        values: dict[str, Any] = {
            "state": PENDING, "available_at": at, "claimed_by": None, "claim_expires_at": None,
            "last_error": error[:1000],
        }
        if count_attempt:
            values["attempts"] = o.c.attempts + 1
        return await self._record(ids, worker, values)

    async def park(self, ids: list[int], worker: str, error: str, *, chat_id: int | None = None,
                   refused: bool = False) -> bool:
        """Stops trying: `atendimento outbox list|retry` shows and releases parked rows. `refused`: Telegram refused
        the chat itself (403), so the queue's next rows are parked without trying."""
        o = t.outbox
        return await self._record(ids, worker, {
            "state": PARKED, "claimed_by": None, "claim_expires_at": None, "last_error": error[:1000],
            "attempts": o.c.attempts + 1, "chat_id": chat_id, "refused": refused,
        })

    async def skip(self, ids: list[int], worker: str, reason: str) -> bool:
        return await self._record(ids, worker, {
            "state": SKIPPED, "claimed_by": None, "claim_expires_at": None, "last_error": reason[:1000],
        })

    async def release(self, worker: str) -> int:
        """Gives back every row this worker holds (a clean shutdown)."""
        o = t.outbox
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                update(o)
                .where(o.c.state == CLAIMED, o.c.claimed_by == worker)
                .values(state=PENDING, claimed_by=None, claim_expires_at=None)
            )
            return result.rowcount

    async def refused_chat(self, queue: str, chat_id: int) -> bool:
        """Whether Telegram already refused this chat with a 403 (a row of the queue is parked for it): until
        `outbox retry`, the queue's next rows are parked without trying — no retry loop, one report."""
        o = t.outbox
        query = (
            select(o.c.id)
            .where(o.c.state == PARKED, o.c.queue == queue, o.c.chat_id == chat_id, o.c.refused)
            .limit(1)
        )
        async with self.database.engine.connect() as connection:
            return (await connection.execute(query)).first() is not None

    # --- the shared send budget ----------------------------------------------------------------------------------
    async def take_send_slot(self, slot: int, capacity: int) -> bool:
        """One message's place in time slot `slot`, if the slot (shared by every worker) still has room."""
        b = t.send_budget
        async with self.database.engine.begin() as connection:
            await connection.execute(
                self._insert(b).values(slot=slot, used=0).on_conflict_do_nothing(index_elements=["slot"])
            )
            result = await connection.execute(
                update(b).where(b.c.slot == slot, b.c.used < capacity).values(used=b.c.used + 1)
            )
            if slot % 50 == 0:
                await connection.execute(delete(b).where(b.c.slot < slot - 50))
            return result.rowcount == 1

    async def fill_send_slots(self, first: int, last: int, capacity: int) -> None:
        """Telegram said "retry after": slots `first`..`last` are taken whole, so no worker sends in them."""
        b = t.send_budget
        statement = self._insert(b).values([{"slot": slot, "used": capacity} for slot in range(first, last + 1)])
        statement = statement.on_conflict_do_update(index_elements=["slot"], set_={"used": capacity})
        async with self.database.engine.begin() as connection:
            await connection.execute(statement)

    # --- for operators -----------------------------------------------------------------------------------------
    async def stats(self) -> OutboxStats:
        o = t.outbox
        async with self.database.engine.connect() as connection:
            counts = dict((await connection.execute(select(o.c.state, func.count()).group_by(o.c.state))).all())
            retrying = (
                await connection.execute(
                    select(func.count()).select_from(o).where(o.c.state == PENDING, o.c.attempts > 0)
                )
            ).scalar_one()
            oldest = (
                await connection.execute(select(func.min(o.c.created_at)).where(o.c.state.in_(OPEN_STATES)))
            ).scalar()
        return OutboxStats(
            pending=counts.get(PENDING, 0), claimed=counts.get(CLAIMED, 0), delivered=counts.get(DELIVERED, 0),
            parked=counts.get(PARKED, 0), skipped=counts.get(SKIPPED, 0), retrying=retrying,
            oldest_pending_at=oldest,
        )

    async def parked(self, limit: int = 50) -> list[tuple[OutboxRow, str | None]]:
        o = t.outbox
        async with self.database.engine.connect() as connection:
            rows = (
                await connection.execute(select(o).where(o.c.state == PARKED).order_by(o.c.id).limit(limit))
            ).all()
        return [(_row(r), r.last_error) for r in rows]

    async def retry_parked(self, ids: list[int] | None = None) -> int:
        """Parked rows back to the queue (the operator says the cause is gone). A customer whose rows come back is
        no longer taken for unreachable: the next send finds out (and a new 403 marks them again)."""
        o = t.outbox
        condition = o.c.state == PARKED
        if ids:
            condition = and_(condition, o.c.id.in_(ids))
        async with self.database.engine.begin() as connection:
            queues = set(
                (await connection.execute(select(o.c.queue).where(condition).distinct())).scalars()
            )
            result = await connection.execute(
                update(o)
                .where(condition)
                .values(**back_in_line(self.clock.now()))
            )
            customers = [recipient for audience, recipient in filter(None, map(parse_queue, queues))
                         if audience is Audience.CUSTOMER]
            if customers:
                await connection.execute(
                    update(t.customers).where(t.customers.c.id.in_(customers)).values(unreachable_at=None)
                )
            return result.rowcount
