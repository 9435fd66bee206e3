"""The outbox as delivery queues, on SQLite and PostgreSQL: who may take which row, in which order, when, and what
becomes of it. No Telegram here (see tests/e2e/test_delivery_*.py): the clock is frozen and moved by hand."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import insert, select

from domain.notifications import Audience, NoteAddedNotice, Notification, PendenciaNotice
from storage import tables as t
from storage.delivery_queue import DeliveryQueue
from tests.support.delivery import seed_customers

LEASE = timedelta(seconds=60)


async def record(uow_factory, *notifications: Notification) -> None:
    async with uow_factory() as uow:
        for notification in notifications:
            await uow.outbox.add(notification)
        await uow.commit()


def note(n: int, customer: int = 1, ticket: int | None = 70) -> Notification:
    return Notification(f"c:note:{n}", Audience.CUSTOMER, NoteAddedNotice(ticket or 0, 1, "Vistoria", f"aviso {n}"),
                        customer, ticket)


def group_post(n: int, ticket: int = 70) -> Notification:
    return Notification(f"g:pendencia:{n}", Audience.STAFF_GROUP, PendenciaNotice(n, "etapa", ticket, 1, "Vistoria"),
                        None, ticket)


def keys(batches) -> list[list[str]]:
    return [[row.key for row in batch.rows] for batch in batches]


async def states(db) -> dict[str, str]:
    async with db.engine.connect() as connection:
        return dict((await connection.execute(select(t.outbox.c.key, t.outbox.c.state))).all())


async def test_a_queue_is_claimed_by_its_head_and_rows_about_one_atendimento_fold(db, uow_factory, clock):
    await record(uow_factory, note(1, ticket=70), note(2, ticket=70), note(3, ticket=71), note(4, ticket=70),
                 note(5, customer=2, ticket=80), group_post(6))
    queue = DeliveryQueue(db, clock)

    first = await queue.claim("w1", lease=LEASE)
    # Ana's queue: the head and the next row about the same atendimento; nº 71 breaks the run.
    assert keys(first) == [["c:note:1", "c:note:2"], ["c:note:5"], ["g:pendencia:6"]]
    assert await queue.claim("w2", lease=LEASE) == []  # every queue's head is in w1's hands

    ana = first[0]
    await queue.delivered(ana, "w1", chat_id=111, spacing=timedelta(0))
    assert keys(await queue.claim("w2", lease=LEASE)) == [["c:note:3"]]  # not nº 4: rows go out one run at a time


async def test_two_workers_claiming_at_once_never_share_a_queue(db, uow_factory, clock):
    customers = [c.id for c in await seed_customers(db, 30)]
    await record(uow_factory, *(note(n * 100 + i, customer=c, ticket=n * 100 + i)
                                for n, c in enumerate(customers) for i in range(3)))
    queue_a, queue_b = DeliveryQueue(db, clock), DeliveryQueue(db, clock)

    a, b = await asyncio.gather(queue_a.claim("a", queues=20, lease=LEASE), queue_b.claim("b", queues=20, lease=LEASE))

    taken = [batch.queue for batch in a + b]
    assert len(taken) == len(set(taken)) == 30  # one batch per queue, all 30 queues, nobody waited for the other
    for batch in a + b:
        assert [row.key for row in batch.rows] == [batch.head.key]
        assert int(batch.head.key.rsplit(":", 1)[1]) % 100 == 0  # each queue's first row


async def test_a_dead_workers_claim_expires_and_a_clean_stop_gives_rows_back(db, uow_factory, clock):
    await record(uow_factory, note(1), note(2, customer=2, ticket=80))
    queue = DeliveryQueue(db, clock)
    assert len(await queue.claim("dies", lease=LEASE, fold=1)) == 2

    clock.advance(seconds=59)
    assert await queue.claim("other", lease=LEASE) == []
    clock.advance(seconds=6)  # expired leases are looked for every few seconds
    assert sorted(b.head.key for b in await queue.claim("other", lease=LEASE)) == ["c:note:1", "c:note:2"]

    assert await queue.release("other") == 2
    assert set((await states(db)).values()) == {"pending"}


async def test_a_chat_is_paced_even_for_a_row_recorded_after_the_last_send(db, uow_factory, clock):
    await record(uow_factory, note(1))
    queue = DeliveryQueue(db, clock)
    [batch] = await queue.claim("w", lease=LEASE)
    await queue.delivered(batch, "w", chat_id=111, spacing=timedelta(seconds=1.05))

    await record(uow_factory, note(2, ticket=71))  # recorded after the send: must wait all the same
    assert await queue.claim("w", lease=LEASE) == []
    clock.advance(seconds=1)
    assert await queue.claim("w", lease=LEASE) == []
    clock.advance(seconds=0.1)
    assert keys(await queue.claim("w", lease=LEASE)) == [["c:note:2"]]


async def test_a_row_waiting_for_a_retry_holds_its_queue_back(db, uow_factory, clock):
    await record(uow_factory, note(1, ticket=70), note(2, ticket=71))
    queue = DeliveryQueue(db, clock)
    [batch] = await queue.claim("w", lease=LEASE)
    await queue.retry_later(batch.ids, "w", clock.now() + timedelta(seconds=8), "NetworkError: Bad Gateway")

    clock.advance(seconds=7)
    assert await queue.claim("w", lease=LEASE) == []  # nº 2 does not overtake nº 1
    clock.advance(seconds=2)
    [again] = await queue.claim("w", lease=LEASE)
    assert again.head.key == "c:note:1" and again.head.attempts == 1


async def test_parked_rows_are_listed_and_retried_in_order_and_the_customer_is_reachable_again(db, uow_factory, clock):
    [customer] = await seed_customers(db, 1)
    await record(uow_factory, *(note(n, customer=customer.id, ticket=70 + n) for n in (1, 2, 3)))
    queue = DeliveryQueue(db, clock)
    async with uow_factory() as uow:
        await uow.customers.mark_unreachable(customer.id, clock.now())
        await uow.commit()
    for _ in range(3):
        [batch] = await queue.claim("w", lease=LEASE)
        await queue.park(batch.ids, "w", "403 Forbidden: bot was blocked by the user",
                         chat_id=customer.telegram_user_id, refused=True)

    assert [row.key for row, _ in await queue.parked()] == ["c:note:1", "c:note:2", "c:note:3"]
    assert await queue.refused_chat(f"c:{customer.id}", customer.telegram_user_id)
    assert not await queue.refused_chat(f"c:{customer.id}", 42)
    stats = await queue.stats()
    assert (stats.parked, stats.pending, stats.oldest_pending_at) == (3, 0, None)

    assert await queue.retry_parked() == 3
    async with uow_factory() as uow:
        assert not (await uow.customers.get(customer.id)).unreachable
    assert keys(await queue.claim("w", lease=LEASE)) == [["c:note:1"]]
    assert await queue.retry_parked() == 0


async def test_retry_takes_only_the_rows_named(db, uow_factory, clock):
    await record(uow_factory, note(1), note(2, customer=2, ticket=80))
    queue = DeliveryQueue(db, clock)
    for batch in await queue.claim("w", lease=LEASE):
        await queue.park(batch.ids, "w", "400 Bad Request: can't parse entities")
    [first, second] = [row.id for row, _ in await queue.parked()]

    assert await queue.retry_parked([second]) == 1
    assert [row.id for row, _ in await queue.parked()] == [first]


async def test_the_send_budget_is_shared_by_every_worker(db, clock):
    a, b = DeliveryQueue(db, clock), DeliveryQueue(db, clock)
    taken = await asyncio.gather(*(q.take_send_slot(1000, 6) for q in [a, b] * 5))
    assert sum(taken) == 6
    assert await a.take_send_slot(1001, 6)  # the next fifth of a second has room again

    await b.fill_send_slots(1001, 1005, 6)  # a 429 asked everyone to wait a second
    assert not any(await asyncio.gather(*(a.take_send_slot(slot, 6) for slot in range(1001, 1006))))
    assert await a.take_send_slot(1006, 6)


async def test_stats_count_each_state_and_the_oldest_waiting(db, uow_factory, clock):
    start = clock.now()
    await record(uow_factory, note(1), note(2, customer=2, ticket=80))
    clock.advance(minutes=5)
    await record(uow_factory, note(3, customer=3, ticket=90))
    async with db.engine.begin() as connection:  # one skipped row, as a service records "already told"
        await connection.execute(insert(t.outbox).values(
            key="c:stage:9:new", audience="customer", kind="stage_created", recipient_id=1, queue="c:1",
            payload={}, state="skipped", created_at=start, available_at=start))
    queue = DeliveryQueue(db, clock)
    batches = await queue.claim("w", lease=LEASE)
    delivered = next(b for b in batches if b.head.key == "c:note:1")
    await queue.delivered(delivered, "w", chat_id=1, spacing=timedelta(0))
    failed = next(b for b in batches if b.head.key == "c:note:2")
    await queue.retry_later(failed.ids, "w", clock.now(), "TimedOut")

    stats = await queue.stats()
    assert (stats.pending, stats.claimed, stats.delivered, stats.parked, stats.skipped, stats.retrying) == \
        (1, 1, 1, 0, 1, 1)
    assert stats.oldest_pending_at == start


async def test_a_customer_who_writes_again_gets_what_was_held_back_first(db, uow_factory, clock):
    from domain.services.incidents import IncidentService

    [customer] = await seed_customers(db, 1)
    await record(uow_factory, *(note(n, customer=customer.id, ticket=70 + n) for n in (1, 2, 3)))
    queue = DeliveryQueue(db, clock)
    incidents = IncidentService(uow_factory, clock)
    [blocked] = await queue.claim("w", lease=LEASE, audiences=("customer",))
    await queue.park(blocked.ids, "w", "403 Forbidden: bot was blocked by the user", chat_id=customer.telegram_user_id,
                     refused=True)
    assert await incidents.customer_unreachable(customer.id)
    assert not await incidents.customer_unreachable(customer.id)  # the staff group is told once
    [held] = await queue.claim("w", lease=LEASE, audiences=("customer",))
    await queue.park(held.ids, "w", "403 (já recusado)", chat_id=customer.telegram_user_id, refused=True)
    [broken] = await queue.claim("w", lease=LEASE, audiences=("customer",))
    await queue.park(broken.ids, "w", "400 Bad Request: message is too long")

    assert await incidents.customer_back(customer.telegram_user_id) == customer.id
    assert await incidents.customer_back(customer.telegram_user_id) is None

    assert (await states(db))["c:note:3"] == "parked"  # refused by Telegram for itself: stays for the operator
    assert keys(await queue.claim("w", lease=LEASE, audiences=("customer",))) == [["c:note:1"]]
