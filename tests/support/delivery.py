"""For the delivery tests: customers and notifications written straight into the tables (as many as a test needs),
the delivery job run until the outbox settles, `atendimento` subprocesses (worker, outbox) against the fake Telegram
server, and the check "every notification exactly once, in order, in its chat".

Each seeded notification carries a mark ("aviso 17") that the message shows, so a test reads back from the fake
server which notifications a chat got, how many times, and in which order — folded into one message or not.
"""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.clock import SystemClock
from storage import tables as t
from storage.database import Database
from storage.delivery_queue import DeliveryQueue, OutboxStats

MARK = re.compile(r"\baviso (\d+)\b")
ATENDIMENTO = Path(sys.executable).with_name("atendimento")  # the console script of this virtualenv


# --- time ---------------------------------------------------------------------------------------------------------
class SkippingClock:
    """Real time plus an offset, where every wait adds to the offset at once instead of passing (domain.clock.Timer):
    delivery's pace — a second between two messages of a chat, three in a group, Telegram's "retry after" — is kept
    to the letter in this clock's time and costs no real time. Give the fake server the same time
    (`tg.flood.clock = clock.monotonic`) so it judges that pace by it."""

    IDLE_STEP = 0.25  # how far settle() moves time on when nothing is due yet

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)
        await asyncio.sleep(0)


def skipping_time(tg) -> SkippingClock:
    """A SkippingClock that the fake server's flood control follows too."""
    clock = SkippingClock()
    tg.flood.clock = clock.monotonic
    tg.flood.configure()
    return clock


# --- data ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeededCustomer:
    id: int
    telegram_user_id: int


async def seed_customers(db: Database, count: int, *, first_id: int = 1000,
                         first_telegram_id: int = 700_000) -> list[SeededCustomer]:
    """`count` customers already linked to a Telegram account (the fake server must know those accounts, see
    `people_for`)."""
    now = datetime.now(UTC)
    customers = [SeededCustomer(first_id + i, first_telegram_id + i) for i in range(count)]
    async with db.engine.begin() as connection:
        await connection.execute(insert(t.customers), [
            {"id": c.id, "name": f"Cliente {c.id}", "document": f"{c.id:011d}", "telegram_user_id": c.telegram_user_id,
             "linked_at": now}
            for c in customers
        ])
    return customers


def people_for(tg, customers: Iterable[SeededCustomer]) -> dict[int, Any]:
    """The fake Telegram accounts of seeded customers (they talked to the bot before: it may write to them)."""
    return {c.id: tg.user(f"Cliente {c.id}", user_id=c.telegram_user_id, started=True) for c in customers}


async def seed_notes(db: Database, customers: list[int], per_customer: int, *, first_mark: int = 1,
                     now: datetime | None = None) -> dict[int, list[int]]:
    """`per_customer` "new observation" notifications for each customer, recorded round-robin (the first of every
    customer, then the second…) as a busy day would, each about its own atendimento so none fold. Returns the marks
    each customer must receive, in order."""
    now = now or datetime.now(UTC)
    expected: dict[int, list[int]] = {customer: [] for customer in customers}
    rows = []
    mark = first_mark
    for _ in range(per_customer):
        for customer in customers:
            rows.append({
                "key": f"teste:aviso:{mark}", "audience": "customer", "kind": "note_added", "recipient_id": customer,
                "queue": f"c:{customer}", "ticket_id": 900_000 + mark, "state": "pending", "attempts": 0,
                "created_at": now, "available_at": now,
                "payload": {"ticket_number": 900_000 + mark, "stage_position": 1, "stage_description": "Vistoria",
                            "author": "Equipe", "text": f"aviso {mark}", "at": now.isoformat()},
            })
            expected[customer].append(mark)
            mark += 1
    async with db.engine.begin() as connection:
        for start in range(0, len(rows), 500):
            await connection.execute(insert(t.outbox), rows[start:start + 500])
    return expected


async def outbox_states(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        rows = await connection.execute(select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state))
        return dict(rows.all())


async def link_customer(db: Database, customer_id: int, person) -> None:
    """As if the customer had linked their Telegram account (the linking itself is tested elsewhere)."""
    async with db.engine.begin() as connection:
        await connection.execute(update(t.customers).where(t.customers.c.id == customer_id)
                                 .values(telegram_user_id=person.id, linked_at=datetime.now(UTC)))


# --- reading back what arrived --------------------------------------------------------------------------------------
def marks_in(messages) -> list[int]:
    return [int(m) for message in messages for m in MARK.findall(message.text)]


def received_once_in_order(tg, expected: dict[Any, list[int]]) -> dict[Any, int]:
    """Asserts that every chat (a person or a group) got exactly its expected marks, in order — a repeat allowed only
    right after the message it repeats (a send in flight at a crash, sent again) — and returns the repeats per chat.
    Messages without a mark (notices, reports) must not repeat either."""
    repeats: dict[Any, int] = {}
    for chat, want in expected.items():
        messages = tg.messages_in(chat)
        got = marks_in(messages)
        once = [mark for i, mark in enumerate(got) if i == 0 or got[i - 1] != mark]
        assert once == want, f"{chat!r}: expected {want}, the chat shows {got}"
        repeats[chat] = len(got) - len(once)
        unmarked = [m.text for m in messages if not MARK.search(m.text)]
        assert len(unmarked) == len(set(unmarked)), f"{chat!r} got a notice twice: {unmarked}"
    return repeats


# --- running the delivery job -----------------------------------------------------------------------------------------
async def settle(work, *, timeout: float = 30.0, changes: bool = True,
                 while_running: asyncio.Task | None = None) -> OutboxStats:
    """Runs the change feed and the delivery job (as the scheduler would, every few hundredths of a second) until no
    notification is pending or claimed — and `while_running` (say, a task recording more) is done; returns the
    outbox's final counts. With a SkippingClock, the time between two runs is skipped rather than waited."""
    queue = work.telegram.queue
    deadline = time.monotonic() + timeout
    while True:
        if changes:
            await work.feed_changes()
        await work.deliver()
        stats = await queue.stats()
        if stats.pending + stats.claimed == 0 and (while_running is None or while_running.done()):
            if while_running is not None:
                await while_running  # its exception, if any
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"the outbox did not settle in {timeout:g} s: {stats}")
        clock = work.services.clock
        if isinstance(clock, SkippingClock):
            clock.advance(seconds=SkippingClock.IDLE_STEP)
            await asyncio.sleep(0.005)
        else:
            await asyncio.sleep(0.05)


async def wait_until(condition: Callable[[], Awaitable[bool] | bool], *, timeout: float, what: str,
                     interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(interval)


async def open_rows(db: Database) -> int:
    """Notifications still to be sent (pending or claimed)."""
    stats = await DeliveryQueue(db, SystemClock()).stats()
    return stats.pending + stats.claimed


# --- the `atendimento` program as a subprocess ------------------------------------------------------------------------
def cli_env(tg, database_url: str, **settings: Any) -> dict[str, str]:
    """The environment of an `atendimento` process on the test database (and the fake server, when `tg` is given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DELIVERY_", "TELEGRAM_", "DATABASE_"))}
    if tg is not None:
        env.update({"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_BASE_URL": tg.base_url})
    env.update({
        "DATABASE_URL": database_url,
        "TIMEZONE": "America/Sao_Paulo",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


async def run_cli(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60.0) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(ATENDIMENTO), *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


class WorkerProcess:
    """`atendimento worker` in a subprocess; its log goes to a file (read it with `.log()`)."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path, name: str) -> "WorkerProcess":
        log_path = cwd / f"{name}.log"
        with open(log_path, "wb") as log:
            process = await asyncio.create_subprocess_exec(
                str(ATENDIMENTO), "worker", env=env, cwd=cwd, stdout=log, stderr=log,
            )
        return cls(process, log_path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_started(self, timeout: float = 20.0) -> None:
        await wait_until(lambda: "event=worker_started" in self.log() or self.process.returncode is not None,
                         timeout=timeout, what="the worker to start")
        assert self.process.returncode is None, f"the worker stopped at start-up:\n{self.log()}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def terminate(self, timeout: float = 30.0) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def ensure_stopped(self) -> None:
        if self.process.returncode is None:
            self.kill()
            await self.process.wait()
