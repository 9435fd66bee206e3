"""The shared send budget (bot/delivery/budget.py) on SQLite and PostgreSQL: a staff-group post, which its own pace
has held back already, takes the next place before the customers' messages waiting in line — and nobody loses a
place: every waiter gets one, in the order they came, the urgent one first."""
from __future__ import annotations

import asyncio

from bot.delivery.budget import SendBudget
from domain.clock import SystemClock
from storage.delivery_queue import DeliveryQueue


async def test_an_urgent_send_goes_before_the_line_and_everyone_gets_a_place(db):
    budget = SendBudget(DeliveryQueue(db, SystemClock()), per_second=5)  # one place every fifth of a second
    order: list[str] = []

    async def send(name: str, urgent: bool = False) -> None:
        await budget.acquire(urgent=urgent)
        order.append(name)

    line = [asyncio.create_task(send(f"cliente {n}")) for n in range(5)]
    while not order:  # the first customer has a place; the other four wait in line
        await asyncio.sleep(0.01)
    placed_before = len(order)  # usually 1; more when a slow machine lets the line move before the group comes
    group = asyncio.create_task(send("grupo", urgent=True))
    await asyncio.gather(group, *line)

    assert order[0] == "cliente 0"
    assert order.index("grupo") <= placed_before + 1  # the place being taken when it came, then its own
    assert [name for name in order if name != "grupo"] == [f"cliente {n}" for n in range(5)]
