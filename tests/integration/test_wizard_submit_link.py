"""Submit checks the link (issue 10): a /novo draft is sent only by the account that began it, linked to its
customer all along. After an /sair (even followed by linking again), or when another account of the customer took
the link, "Enviar" saves nothing and the draft is dropped. On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.conversation import Conversation
from domain.errors import LinkChanged, NoDraft
from domain.services.linking import LinkingService
from domain.services.tickets import TicketService
from domain.services.wizard import CONFIRM, WizardService
from domain.wizard_draft import WizardDraft
from storage import tables as t
from tests.support.builders import build_catalogue

LIFETIME = timedelta(minutes=30)
ANA_PHONE = "+5511999990001"
ANA_PHONE_ACCOUNT = 7001  # the account Ana began the draft with
ANA_NEW_PHONE_ACCOUNT = 7002  # her new phone's account


@pytest.fixture
async def world(db, uow_factory, clock):
    cat = await build_catalogue(db)
    wizard = WizardService(uow_factory, clock, TicketService(uow_factory, clock), LIFETIME)
    linking = LinkingService(uow_factory, clock)
    return cat, wizard, linking


async def link(uow_factory, clock, customer_id: int, account: int) -> None:
    async with uow_factory() as uow:
        await uow.customers.link(customer_id, account, clock.now())
        await uow.commit()


async def ready_draft(uow_factory, clock, cat, account: int) -> None:
    """Ana's draft at the confirmation, as if she had chosen each step."""
    request = cat.request()
    draft = WizardDraft.start(customer_id=cat.ana, telegram_user_id=account, chat_id=account, step=CONFIRM,
                              now=clock.now(), lifetime=LIFETIME, message_id=40)
    draft = draft.advanced(clock.now(), LIFETIME, type_id=request.type_id, subject_id=request.subject_id,
                           empreendimento_id=request.empreendimento_id, unit_id=request.unit_id,
                           description=request.description)
    async with uow_factory() as uow:
        await uow.conversations.save(Conversation.of_wizard(draft))
        await uow.commit()


async def ticket_count(db) -> int:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(t.tickets))).scalar_one()


async def test_a_draft_of_an_account_linked_all_along_is_sent(world, db, uow_factory, clock):
    cat, wizard, _ = world
    await link(uow_factory, clock, cat.ana, ANA_PHONE_ACCOUNT)
    clock.advance(minutes=1)
    await ready_draft(uow_factory, clock, cat, ANA_PHONE_ACCOUNT)
    before = await ticket_count(db)
    outcome = await wizard.submit(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, 40)
    assert outcome.ticket_number and await ticket_count(db) == before + 1
    with pytest.raises(NoDraft):
        await wizard.submit(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, 40)  # consumed: a second press sends nothing


async def test_an_account_unlinked_since_its_draft_began_cannot_send_it(world, db, uow_factory, clock):
    cat, wizard, linking = world
    await link(uow_factory, clock, cat.ana, ANA_PHONE_ACCOUNT)
    clock.advance(minutes=1)
    await ready_draft(uow_factory, clock, cat, ANA_PHONE_ACCOUNT)
    before = await ticket_count(db)
    clock.advance(minutes=1)
    assert await linking.unlink(ANA_PHONE_ACCOUNT)  # /sair
    with pytest.raises(LinkChanged):
        await wizard.submit(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, 40)
    assert await ticket_count(db) == before
    async with uow_factory() as uow:
        assert await uow.conversations.get(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT) is None  # dropped, not waiting


async def test_linking_again_after_sair_does_not_revive_the_old_draft(world, db, uow_factory, clock):
    cat, wizard, linking = world
    await link(uow_factory, clock, cat.ana, ANA_PHONE_ACCOUNT)
    clock.advance(minutes=1)
    await ready_draft(uow_factory, clock, cat, ANA_PHONE_ACCOUNT)
    before = await ticket_count(db)
    clock.advance(minutes=1)
    await linking.unlink(ANA_PHONE_ACCOUNT)
    clock.advance(minutes=1)
    await linking.link_by_contact(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, ANA_PHONE)
    with pytest.raises(LinkChanged):
        await wizard.submit(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, 40)
    assert await ticket_count(db) == before


async def test_an_account_replaced_by_another_of_the_same_customer_cannot_send_its_draft(world, db, uow_factory,
                                                                                        clock):
    cat, wizard, linking = world
    await link(uow_factory, clock, cat.ana, ANA_PHONE_ACCOUNT)
    clock.advance(minutes=1)
    await ready_draft(uow_factory, clock, cat, ANA_PHONE_ACCOUNT)
    before = await ticket_count(db)
    clock.advance(minutes=1)
    await linking.link_by_contact(ANA_NEW_PHONE_ACCOUNT, ANA_NEW_PHONE_ACCOUNT, ANA_PHONE)  # her new phone
    with pytest.raises(LinkChanged):
        await wizard.submit(ANA_PHONE_ACCOUNT, ANA_PHONE_ACCOUNT, 40)
    assert await ticket_count(db) == before
    async with uow_factory() as uow:
        assert (await uow.customers.by_telegram(ANA_NEW_PHONE_ACCOUNT)).id == cat.ana  # the new link is untouched
