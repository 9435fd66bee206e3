"""One bot process per database (SPEC.md "One bot process"): a lease row that `atendimento run` (and
`atendimento sandbox`) holds while it consumes the bot's updates.

Telegram gives a bot's updates to one consumer: two pollers fight (409 Conflict) and each loses updates, a customer's
wizard step among them. So the process that consumes updates takes the row `bot_lease(name='bot')` before it starts,
renews it every RENEW_EVERY, and deletes it when it stops. A second process finds it held and refuses to start,
naming the holder's host, pid and start time. A crashed holder stops renewing: its lease expires after LEASE_TTL
(well within a minute); on the same host (and PID namespace) a holder whose pid no longer exists is taken over at once,
so a restart after a crash does not wait. Workers (`atendimento worker`) take no lease: any number may run.

A row, not a PostgreSQL advisory lock, on both databases: one mechanism to test, the holder's host, pid and start time
are there for the refusal to name, and it survives a connection pooler (PgBouncer in transaction mode breaks
session-level advisory locks). Every step is one atomic statement, so two processes starting at once cannot both win.
Times come from the injectable clock; hosts sharing one database should keep their clocks in sync (NTP).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from domain.clock import Clock, SystemClock
from storage import tables as t
from storage.database import Database

log = logging.getLogger(__name__)

LEASE_NAME = "bot"
LEASE_TTL = timedelta(seconds=45)  # a crashed holder's lease is gone within a minute
RENEW_EVERY = timedelta(seconds=15)  # two renewals may fail (a database restart) before the lease runs out


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    host: str
    pid: int
    pid_namespace: str
    started_at: datetime
    expires_at: datetime


class LeaseHeld(Exception):
    """Another live process holds the lease."""

    def __init__(self, holder: LeaseHolder) -> None:
        super().__init__(f"bot lease held by {holder.host} pid {holder.pid} since {holder.started_at.isoformat()}")
        self.holder = holder


class LeaseLost(Exception):
    """The lease ran out while this process held it (it could not renew in time) and another process took it."""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this process is, as the lease row records it."""

    host: str
    pid: int
    pid_namespace: str

    @classmethod
    def of_this_process(cls) -> Identity:
        return cls(socket.gethostname()[:255], os.getpid(), _pid_namespace()[:64])

    def sees_gone(self, holder: LeaseHolder) -> bool:
        """The holder ran on this very machine and PID namespace and its process no longer exists (it crashed)."""
        return (
            (holder.host, holder.pid_namespace) == (self.host, self.pid_namespace)
            and holder.pid != self.pid
            and not _pid_alive(holder.pid)
        )


class BotLease:
    def __init__(
        self,
        database: Database,
        clock: Clock | None = None,
        *,
        ttl: timedelta = LEASE_TTL,
        identity: Identity | None = None,
    ) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.ttl = ttl
        self.identity = identity or Identity.of_this_process()
        self.holder_id = secrets.token_hex(16)

    def _values(self, now: datetime) -> dict:
        return {
            "holder": self.holder_id,
            "host": self.identity.host,
            "pid": self.identity.pid,
            "pid_namespace": self.identity.pid_namespace,
            "started_at": now,
            "expires_at": now + self.ttl,
        }

    async def holder(self) -> LeaseHolder | None:
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(select(t.bot_lease).where(t.bot_lease.c.name == LEASE_NAME))).one_or_none()
        if row is None:
            return None
        return LeaseHolder(row.host, row.pid, row.pid_namespace, row.started_at, row.expires_at)

    async def acquire(self) -> None:
        """Takes the lease, or raises LeaseHeld naming the live process that holds it."""
        for _ in range(3):  # a holder may release (or a starter insert) between our statements: look again
            now = self.clock.now()
            if await self._take_if(t.bot_lease.c.expires_at <= now, now):
                log.warning("bot lease taken over: its holder stopped renewing it")
                return
            try:
                async with self.database.engine.begin() as connection:
                    await connection.execute(insert(t.bot_lease).values(name=LEASE_NAME, **self._values(now)))
                return
            except IntegrityError:
                pass
            holder = await self.holder()
            if holder is None:
                continue
            if self.identity.sees_gone(holder):
                # Only if the row is still that dead process's: two restarts at once cannot both take it.
                if await self._take_if(
                    (t.bot_lease.c.host == holder.host) & (t.bot_lease.c.pid == holder.pid)
                    & (t.bot_lease.c.started_at == holder.started_at),
                    now,
                ):
                    log.warning("bot lease taken over from pid %s on %s, which no longer runs", holder.pid, holder.host)
                    return
                continue
            if holder.expires_at > now:
                raise LeaseHeld(holder)
        holder = await self.holder()
        if holder is None:
            raise RuntimeError("bot lease: neither held nor taken after three tries")
        raise LeaseHeld(holder)

    async def _take_if(self, condition, now: datetime) -> bool:
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                update(t.bot_lease).where(t.bot_lease.c.name == LEASE_NAME, condition).values(**self._values(now))
            )
        return result.rowcount == 1

    async def renew(self) -> bool:
        """Moves the expiry on; False when the lease is no longer ours (it ran out and another process took it)."""
        now = self.clock.now()
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                update(t.bot_lease)
                .where(t.bot_lease.c.name == LEASE_NAME, t.bot_lease.c.holder == self.holder_id)
                .values(expires_at=now + self.ttl)
            )
        return result.rowcount == 1

    async def release(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(
                delete(t.bot_lease).where(t.bot_lease.c.name == LEASE_NAME, t.bot_lease.c.holder == self.holder_id)
            )

    async def keep(
        self,
        on_lost: Callable[[], None],
        *,
        every: timedelta = RENEW_EVERY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Renews the lease every `every` until cancelled; calls `on_lost` and returns if it was lost."""
        while True:
            await sleep(every.total_seconds())
            try:
                if not await self.renew():
                    log.error("bot lease lost: another process took it over")
                    on_lost()
                    return
            except Exception as exc:  # the database away for a moment: try again next time (never stop renewing)
                log.warning("bot lease not renewed: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def bot_lease(
    database: Database,
    *,
    on_lost: Callable[[], None],
    clock: Clock | None = None,
    every: timedelta = RENEW_EVERY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[BotLease]:
    """Holds the bot lease for the block: raises LeaseHeld if another live process has it; renews it in the
    background (`on_lost` is called if it is lost anyway); releases it when the block ends."""
    lease = BotLease(database, clock)
    await lease.acquire()
    keeper = asyncio.create_task(lease.keep(on_lost, every=every, sleep=sleep), name="bot-lease")
    try:
        yield lease
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await lease.release()
        except (SQLAlchemyError, OSError) as exc:  # it expires by itself
            log.warning("bot lease not released: %s", type(exc).__name__)
