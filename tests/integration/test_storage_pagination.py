"""/meus pages: newest first, by keyset on (created_at, id), forwards and backwards, nothing missed or repeated."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.services.queries import CustomerQueries
from domain.services.tickets import TicketService
from domain.statuses import Visibility
from storage import tables as t
from tests.support.builders import build_catalogue, insert_ticket, set_config

# Minutes to move the clock before each of Ana's tickets: 0 means "in the same instant as the one before", so
# several pages start and end in the middle of a run of equal created_at (the id breaks the tie).
STEPS = [0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]


async def expected_order(db, customer_id: int, *, only_enabled: bool) -> list[int]:
    """The customer's ticket numbers as /meus must show them, straight from the table."""
    query = (
        select(t.tickets.c.number)
        .join(t.subjects, t.subjects.c.id == t.tickets.c.subject_id)
        .where(t.tickets.c.customer_id == customer_id)
        .order_by(t.tickets.c.created_at.desc(), t.tickets.c.id.desc())
    )
    if only_enabled:
        query = query.where(t.subjects.c.enabled.is_(True))
    async with db.engine.connect() as connection:
        return list((await connection.execute(query)).scalars())


async def walk(uow_factory, customer_id: int, page_size: int) -> list[list[int]]:
    """Every page from the first to the last by next_cursor, then back by prev_cursor; both walks must agree."""
    queries = CustomerQueries(uow_factory)
    page = await queries.my_tickets(customer_id, page_size=page_size)
    assert page.prev_cursor is None
    forward, pages = [], [page]
    while True:
        forward.append([item.number for item in page.items])
        assert page.page_number == len(forward)
        if page.next_cursor is None:
            break
        page = await queries.my_tickets(customer_id, page.next_cursor, page_size=page_size)
        pages.append(page)
    assert all(p.page_count == len(forward) and p.total == pages[0].total for p in pages)

    backward = [forward[-1]]
    while page.prev_cursor is not None:
        page = await queries.my_tickets(customer_id, page.prev_cursor, page_size=page_size)
        backward.append([item.number for item in page.items])
        assert page.page_number == len(forward) - len(backward) + 1
        assert page.page_count == len(forward)
    assert backward[::-1] == forward
    assert page.page_number == 1 and page.next_cursor is not None or len(forward) == 1
    return forward


async def open_anas_tickets(db, uow_factory, clock, cat) -> None:
    """Twelve through the bot (in runs of equal created_at), one each for Bruno and two at the counter for Ana:
    Financeiro (not enabled for the bot) among hers, and one registered late but dated in the middle of her list."""
    service = TicketService(uow_factory, clock)
    start = clock.now()
    for i, minutes in enumerate(STEPS):
        clock.advance(minutes=minutes)
        await service.open_ticket(cat.ana, cat.request(description=f"Problema número {i + 1} no apartamento."))
        if i == 5:
            await insert_ticket(db, number=500, customer_id=cat.ana, subject_id=cat.financeiro,
                                type_id=cat.solicitacao, created_at=clock.now())
            await service.open_ticket(cat.bruno, cat.request(unit=cat.torre_a_102))
    await insert_ticket(db, number=9000, customer_id=cat.ana, subject_id=cat.infiltracao, type_id=cat.assistencia,
                        created_at=start + timedelta(minutes=1))


async def test_walking_the_pages_misses_and_repeats_nothing(db, uow_factory, clock):
    cat = await build_catalogue(db, visibility=Visibility.WEB_SUBJECTS)
    await open_anas_tickets(db, uow_factory, clock, cat)
    visible = await expected_order(db, cat.ana, only_enabled=True)
    assert len(visible) == 13

    for page_size in (5, 3, 1, 13, 20):
        pages = await walk(uow_factory, cat.ana, page_size)
        assert [n for page in pages for n in page] == visible, page_size
        assert [len(page) for page in pages[:-1]] == [page_size] * (len(pages) - 1)

    await set_config(db, visibility=Visibility.ALL)
    everything = await expected_order(db, cat.ana, only_enabled=False)
    assert len(everything) == 14 and 500 in everything
    assert [n for page in await walk(uow_factory, cat.ana, 5) for n in page] == everything


async def test_pages_without_ties_exactly_full(db, uow_factory, clock):
    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    for _ in range(10):
        clock.advance(seconds=1)
        await service.open_ticket(cat.ana, cat.request())

    pages = await walk(uow_factory, cat.ana, 5)
    assert pages == [[10, 9, 8, 7, 6], [5, 4, 3, 2, 1]]
    one = await CustomerQueries(uow_factory).my_tickets(cat.ana, page_size=10)
    assert (one.page_number, one.page_count, one.total, one.next_cursor, one.prev_cursor) == (1, 1, 10, None, None)
    assert [item.number for item in one.items] == list(range(10, 0, -1))


async def test_no_tickets_is_one_empty_page(db, uow_factory, clock):
    cat = await build_catalogue(db)
    await TicketService(uow_factory, clock).open_ticket(cat.bruno, cat.request(unit=cat.torre_a_102))

    page = await CustomerQueries(uow_factory).my_tickets(cat.ana)
    assert (page.items, page.total, page.page_number, page.page_count) == ((), 0, 1, 1)
    assert page.next_cursor is None and page.prev_cursor is None
