"""Every button the bot can draw for the demo catalogue fits Telegram's 64 bytes and decodes back to itself: each
option of each step of /novo for every customer (every page of it), the summary and its corrections, /meus and
/detalhes of every atendimento, and the staff's buttons on every pendência — at the largest numbers the codec takes."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from bot import buttons as b
from bot import keyboards, staff_keyboards
from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.wizard import CHOICE_STEPS, CONFIRM, Option, WizardView, page_count
from domain.views import PageCursor
from domain.wizard_draft import WizardDraft
from storage import tables as t
from tests.support.catalogue import load_demo

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LARGEST = b.MAX_INT - 1


def drawn(markup) -> list[str]:
    return [button.callback_data for row in (markup.inline_keyboard if markup else ()) for button in row]


def view(step: str, options: list[Option]) -> WizardView:
    draft = WizardDraft.start(customer_id=1, telegram_user_id=1, chat_id=1, step=step, now=NOW, lifetime=NOW - NOW)
    return WizardView(draft, step, tuple(options), (), (), CHOICE_STEPS)


def wizard_pages(options: list[Option], step: str = "unidade") -> list[str]:
    shown = view(step, options)
    return [d for page in range(1, page_count(len(options)) + 1) for d in drawn(keyboards.wizard_step(shown, page))]


def wizard_keyboards(opts) -> list[str]:
    """Every keyboard of every step along every path the customer's options allow."""
    data: list[str] = []

    def step(name: str, options: list[Option]) -> None:
        data.extend(wizard_pages(options, name))

    types = opts.types_offered()
    step("tipo", [Option(x.id, x.name) for x in types])
    for type_ in types:
        subjects = opts.subjects_for(type_.id)
        step("assunto", [Option(s.id, s.name) for s in subjects])
        for subject in subjects:
            empreendimentos = opts.empreendimentos_for(type_.id, subject.id)
            step("empreendimento", [Option(e.id, e.name) for e in empreendimentos])
            for empreendimento in empreendimentos:
                step("unidade", [Option(u.id, u.label) for u in opts.units_for(type_.id, subject.id,
                                                                                 empreendimento.id)])
    summary = view(CONFIRM, [])
    data += drawn(keyboards.wizard_confirm()) + drawn(keyboards.wizard_correct(summary))
    return data


async def test_every_button_drawn_for_the_demo_fits_and_comes_back(db, uow_factory):
    await load_demo(db)
    async with db.engine.connect() as connection:
        customers = (await connection.execute(select(t.customers.c.id))).scalars().all()
        numbers = (await connection.execute(select(t.tickets.c.number))).scalars().all()
    customer_queries, staff_queries = CustomerQueries(uow_factory), StaffQueries(uow_factory)
    data: list[str] = []
    for customer in customers:
        data += wizard_keyboards(await customer_queries.options(customer))
        page = await customer_queries.my_tickets(customer)
        data += drawn(keyboards.ticket_list(page))
    for number in numbers:
        details = await staff_queries.ticket(number)
        data += drawn(keyboards.ticket_details(details)) + drawn(staff_keyboards.ticket_actions(details))
        data += [drawn(staff_keyboards.pendencia_actions(number, s.position)) for s in details.stages][0]
        # The same atendimento at the largest number and cursor the codec takes.
        largest = replace(details, number=LARGEST, status=details.status)
        data += drawn(keyboards.ticket_details(largest)) + drawn(staff_keyboards.pendencia_actions(LARGEST, LARGEST))
    # A step with pages of options (the demo's fit on one), at the largest ids.
    data += wizard_pages([Option(LARGEST - i, f"Unidade {i}") for i in range(3 * keyboards.OPTIONS_PER_PAGE)])
    far = PageCursor(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), LARGEST, backwards=True)
    data.append(b.TicketListPage.at(far).encode())

    assert {type(b.decode(d)) for d in data} == set(b.KINDS)
    for each in data:
        assert len(each.encode()) <= b.MAX_BYTES, each
        assert b.decode(each) is not None and b.decode(each).encode() == each, each
