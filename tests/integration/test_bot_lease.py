"""One bot process (SPEC.md "One bot process"): the lease row on SQLite and PostgreSQL — a second process is refused
with the first one's host, pid and start time; renewal keeps it; a crashed holder's lease expires within a minute (or
at once, on its own machine, once its pid is gone); a clean stop releases it. Time is moved by hand, never slept."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.runner import StartupError, one_bot_process
from bot.settings import load_settings
from storage import tables as t
from storage.bot_lease import LEASE_TTL, RENEW_EVERY, BotLease, Identity, LeaseHeld, bot_lease

FIRST = Identity("servidor-a", 4101, "pid:[4026531836]")
SECOND = Identity("servidor-b", 4202, "pid:[4026531836]")


async def lease_rows(db) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(t.bot_lease))).scalar_one()


async def test_a_second_process_is_refused_with_the_first_ones_host_pid_and_start_time(db, clock):
    first = BotLease(db, clock, identity=FIRST)
    await first.acquire()
    started = clock.now()
    clock.advance(seconds=10)
    with pytest.raises(LeaseHeld) as refused:
        await BotLease(db, clock, identity=SECOND).acquire()
    holder = refused.value.holder
    assert (holder.host, holder.pid, holder.started_at) == ("servidor-a", 4101, started)
    assert await lease_rows(db) == 1


async def test_a_crashed_holders_lease_expires_within_a_minute(db, clock):
    crashed = BotLease(db, clock, identity=FIRST)
    await crashed.acquire()  # … and never renews: SIGKILL, power cut
    assert LEASE_TTL < timedelta(minutes=1)
    clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
    with pytest.raises(LeaseHeld):
        await BotLease(db, clock, identity=SECOND).acquire()
    clock.advance(seconds=1)
    successor = BotLease(db, clock, identity=SECOND)
    await successor.acquire()
    assert (await successor.holder()).host == "servidor-b"
    assert await crashed.renew() is False  # had it only been frozen, it learns it lost the lease
    assert await lease_rows(db) == 1


async def test_renewal_keeps_the_lease_past_its_first_expiry(db, clock):
    holder = BotLease(db, clock, identity=FIRST)
    await holder.acquire()
    for _ in range(4):  # a minute of renewals
        clock.advance(seconds=RENEW_EVERY.total_seconds())
        assert await holder.renew()
    clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
    with pytest.raises(LeaseHeld):
        await BotLease(db, clock, identity=SECOND).acquire()


async def test_the_keeper_renews_on_its_own_and_says_when_the_lease_was_lost(db, clock):
    holder = BotLease(db, clock, identity=FIRST)
    await holder.acquire()
    lost: list[bool] = []
    ticks = 0

    async def tick(seconds: float) -> None:  # the keeper's sleep: moves the clock instead of waiting
        nonlocal ticks
        ticks += 1
        if ticks == 5:
            clock.advance(seconds=LEASE_TTL.total_seconds() + 1)  # frozen too long (a suspended VM) …
            await BotLease(db, clock, identity=SECOND).acquire()  # … and another process took the bot
        clock.advance(seconds=seconds)

    await asyncio.wait_for(holder.keep(lambda: lost.append(True), sleep=tick), timeout=30)
    assert ticks == 5 and lost == [True]
    assert (await holder.holder()).host == "servidor-b"


async def test_a_clean_stop_releases_the_lease_at_once(db, clock):
    async with bot_lease(db, on_lost=lambda: None, clock=clock):
        assert await lease_rows(db) == 1
        with pytest.raises(LeaseHeld):
            await BotLease(db, clock, identity=SECOND).acquire()
    assert await lease_rows(db) == 0
    await BotLease(db, clock, identity=SECOND).acquire()


async def test_on_the_same_machine_a_holder_whose_process_is_gone_is_taken_over_at_once(db, clock):
    here = Identity.of_this_process()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True)
    dead = Identity(here.host, int(finished.stdout), here.pid_namespace)
    await BotLease(db, clock, identity=dead).acquire()
    await BotLease(db, clock).acquire()  # no minute to wait after a crash and a restart on the same machine
    assert (await BotLease(db, clock).holder()).pid == here.pid


async def test_on_the_same_machine_a_live_holder_is_not_taken_over(db, clock):
    here = Identity.of_this_process()
    import os

    alive = Identity(here.host, os.getppid(), here.pid_namespace)  # the test runner's parent: it runs
    await BotLease(db, clock, identity=alive).acquire()
    with pytest.raises(LeaseHeld):
        await BotLease(db, clock).acquire()


SETTINGS = load_settings(timezone="America/Sao_Paulo")


async def test_the_refusal_is_one_portuguese_sentence_for_the_operator(db, clock):
    await BotLease(db, clock, identity=FIRST).acquire()  # 27/11/2026 12:00 UTC = 09:00 in São Paulo
    with pytest.raises(StartupError) as refused:
        async with one_bot_process(db, SETTINGS, asyncio.Event(), clock=clock):
            pytest.fail("a second bot process started")
    sentence = str(refused.value)
    assert sentence.startswith("Outro processo do bot já está rodando com este banco de dados"), sentence
    assert "servidor-a" in sentence and "pid 4101" in sentence and "27/11/2026 09:00" in sentence, sentence
    assert sentence.count(". ") == 0 and sentence.endswith("."), sentence


async def test_a_bot_process_that_lost_its_lease_stops(db, clock):
    stop = asyncio.Event()

    async def tick(seconds: float) -> None:
        if not stop.is_set() and await BotLease(db, clock).holder() is not None:
            clock.advance(seconds=LEASE_TTL.total_seconds() + 1)  # frozen too long …
            await BotLease(db, clock, identity=SECOND).acquire()  # … and another process took the bot
        await asyncio.sleep(0)

    with pytest.raises(StartupError, match="outro processo assumiu o bot"):
        async with one_bot_process(db, SETTINGS, stop, clock=clock, sleep=tick):
            await asyncio.wait_for(stop.wait(), timeout=10)  # what run_bot waits on: it shuts down
    assert (await BotLease(db, clock).holder()).host == "servidor-b"  # the other's lease is left alone
