"""`atendimento worker` processes against the fake Bot API (Telegram's limits on): one killed with SIGKILL in the
middle of a batch, and two delivering side by side on PostgreSQL. The database decides who sends what; nothing is
lost, nothing is sent twice — except, possibly, a send that was in flight when a worker died (Telegram has no
idempotency key), at most one per chat.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.support.delivery import (
    WorkerProcess,
    cli_env,
    marks_in,
    open_rows,
    outbox_states,
    people_for,
    received_once_in_order,
    seed_customers,
    seed_notes,
    wait_until,
)

LEASE_SECONDS = 3  # a dead worker's claims come back after this long (60 s in production)

# `atendimento worker` subprocesses keep real time (a clock cannot be injected across processes): each chat's pace is
# slept for real, one second between two messages of a customer.
pytestmark = pytest.mark.slow


async def test_a_worker_stopped_then_one_killed_mid_batch_lose_nothing_and_repeat_only_sends_in_flight(
    tg, db, database_url, tmp_path
):
    customers = await seed_customers(db, 8)
    people = people_for(tg, customers)
    marks = await seed_notes(db, [c.id for c in customers], 5)
    expected = {people[customer]: wanted for customer, wanted in marks.items()}
    tg.flood.enabled = True
    env = cli_env(tg, database_url, delivery_interval_seconds=0.2, delivery_lease_seconds=LEASE_SECONDS)
    workers: list[WorkerProcess] = []

    async def start(name: str) -> WorkerProcess:
        workers.append(await WorkerProcess.start(env, tmp_path, name))
        return workers[-1]

    try:
        # SIGTERM in the middle of the second round: sends under way finish, the rest goes back to the queue.
        stopped = await start("stopped")
        await wait_until(lambda: len(tg.sent) >= 10, timeout=30, what="the second round of messages")
        assert await stopped.terminate() == 0, stopped.log()
        assert "event=worker_stopped" in stopped.log()
        assert (await outbox_states(db)).get("claimed", 0) == 0  # nothing left claimed
        assert_prefixes_without_repeats(tg, expected)

        # SIGKILL with sends in flight: Telegram takes each message but the answer never comes back.
        killed = await start("killed")
        await wait_until(lambda: len(tg.sent) >= 20, timeout=30, what="more messages")
        stall = tg.faults.hang(hang_seconds=60, methods="sendMessage", after_processing=True)
        await wait_until(lambda: stall.hits >= 3, timeout=10, what="sends in flight")
        killed.kill()
        await killed.process.wait()
        stall.clear()
        in_flight = stall.hits

        # The next worker takes the dead one's rows once their claim expires, and finishes.
        last = await start("last")
        await wait_until(_settled(db), timeout=40, what="the last worker to deliver the rest")
        assert await last.terminate() == 0, last.log()
    finally:
        for worker in workers:
            await worker.ensure_stopped()

    repeats = received_once_in_order(tg, expected)  # 0 lost, in order
    assert all(count <= 1 for count in repeats.values()), repeats
    assert sum(repeats.values()) <= in_flight
    assert tg.count_429(injected=False) == 0


def assert_prefixes_without_repeats(tg, expected) -> None:
    for person, wanted in expected.items():
        got = marks_in(tg.messages_in(person))
        assert got == wanted[: len(got)], f"{person!r}: {got} is not the start of {wanted}"


@pytest.mark.backends("postgresql")
async def test_two_workers_deliver_two_thousand_notifications_once_each(tg, db, database_url, tmp_path):
    # Telegram's 30 messages a second would make this a 70-second test: the fake's global limit and our budget are
    # raised together (the budget is what is tested: shared by both processes, it must keep them under the fake's
    # limit). Per-chat limits stay Telegram's: ten messages to one customer take ten seconds whatever the workers.
    rate = 150
    customers = await seed_customers(db, 200)
    people = people_for(tg, customers)
    marks = await seed_notes(db, [c.id for c in customers], 10)
    expected = {people[customer]: wanted for customer, wanted in marks.items()}
    tg.flood.enabled = True
    tg.flood.configure(global_per_second=rate)
    env = cli_env(tg, database_url, delivery_interval_seconds=0.2, delivery_messages_per_second=rate)

    workers = await asyncio.gather(*(WorkerProcess.start(env, tmp_path, f"worker{n}") for n in (1, 2)))
    try:
        await wait_until(_settled(db), timeout=90, what="2,000 notifications to be delivered", interval=0.25)
        codes = await asyncio.gather(*(worker.terminate() for worker in workers))
        assert codes == [0, 0], [worker.log()[-2000:] for worker in workers]
    finally:
        for worker in workers:
            await worker.ensure_stopped()

    repeats = received_once_in_order(tg, expected)  # 0 lost, in order per chat
    assert sum(repeats.values()) == 0
    assert tg.count("sendMessage", status=200) == 2000
    assert tg.count_429() == 0
    shares = [worker.log().count("event=delivered") for worker in workers]
    assert sum(shares) == 2000 and min(shares) > 0, shares  # both worked, neither sent what the other did


def _settled(db):
    async def settled() -> bool:
        return await open_rows(db) == 0

    return settled
