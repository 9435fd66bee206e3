"""The in-memory ports behave like a database where the services can tell: transactions, ids, keys, concurrency."""
from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import ConcurrentChange
from domain.notifications import Audience, Kind, Notification
from domain.pendencias import Pendencia, PendenciaKind
from domain.statuses import TicketStatus
from domain.tickets import Ticket
from tests.unit import sample_catalogue as c
from tests.unit.fakes import FakeIntegrityError


def new_ticket(number: int, clock, customer_id: int = c.ANA.id) -> Ticket:
    ticket = Ticket(number, customer_id, c.ASSISTENCIA.id, c.INFILTRACAO.id, "Mancha no teto do quarto", clock.now(),
                    unit_id=c.TORRE_A_101.id, empreendimento_id=100, obra_id=1001)
    ticket.add_stage("Vistoria técnica", c.JOAO.id, clock.now())
    return ticket


def notice(key: str) -> Notification:
    return Notification(key=key, audience=Audience.STAFF_GROUP, kind=Kind.PENDENCIA)


async def test_what_is_not_committed_is_gone(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.outbox.add(notice("g:x"))
        await uow.flush()
        assert (await uow.tickets.get(1)) is not None  # visible inside its own transaction
    assert fake_db.ticket(1) is None and fake_db.outbox_keys() == set()


async def test_rollback_discards_and_the_work_goes_on(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.rollback()
        assert await uow.tickets.get(1) is None
        uow.tickets.add(new_ticket(2, clock))
        await uow.commit()
    assert fake_db.ticket(1) is None and fake_db.ticket(2) is not None


async def test_a_change_to_a_loaded_ticket_is_discarded_unless_committed(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.commit()
    async with fake_uow_factory() as uow:
        ticket = await uow.tickets.get(1)
        ticket.add_note(1, "Nunca salva", "João", clock.now())
        ticket.cancel("Cliente desistiu", clock.now())
        await uow.flush()
    committed = fake_db.ticket(1)
    assert committed.current_status is TicketStatus.ABERTO and committed.closed_at is None
    assert committed.stages[0].completed_at is None and committed.stages[0].notes == []


async def test_committed_state_is_not_shared_with_the_objects_handed_out(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        ticket = new_ticket(1, clock)
        uow.tickets.add(ticket)
        await uow.commit()
    ticket.description = "mudado depois do commit"
    fake_db.ticket(1).description = "mudado numa cópia"
    assert fake_db.ticket(1).description == "Mancha no teto do quarto"


async def test_one_unit_of_work_sees_the_same_object_and_its_events_start_empty(fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.commit()
    async with fake_uow_factory() as uow:
        first = await uow.tickets.get(1)
        assert first is await uow.tickets.get(1) is await uow.tickets.get_by_id(first.id)
        assert first.events == []


async def test_flush_gives_ids_and_a_rollback_does_not_give_them_back(fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        ticket = new_ticket(1, clock)
        uow.tickets.add(ticket)
        assert ticket.id is None
        await uow.flush()
        first_ids = (ticket.id, ticket.stages[0].id)
        assert None not in first_ids
    async with fake_uow_factory() as uow:
        again = new_ticket(1, clock)
        uow.tickets.add(again)
        await uow.flush()
        assert again.id > first_ids[0] and again.stages[0].id > first_ids[1]
        note = again.add_note(1, "Observação", "João", clock.now())
        await uow.flush()
        assert note.id is not None


async def test_ticket_numbers_are_never_handed_out_twice(fake_uow_factory):
    async with fake_uow_factory() as uow:
        first = await uow.tickets.next_number()
    async with fake_uow_factory() as uow:
        assert await uow.tickets.next_number() == first + 1  # a gap, as with a PostgreSQL sequence


async def test_the_outbox_keeps_one_row_per_key(fake_db, fake_uow_factory):
    async with fake_uow_factory() as uow:
        assert await uow.outbox.add(notice("g:pendencia:1"))
        assert not await uow.outbox.add(notice("g:pendencia:1"))
        assert await uow.outbox.add(replace(notice("c:stage:1:new"), skip_reason="register_only"))
        await uow.commit()
    async with fake_uow_factory() as uow:
        assert not await uow.outbox.add(notice("g:pendencia:1"))
        await uow.commit()
    assert {r.key: r.state for r in fake_db.outbox_rows()} == {"g:pendencia:1": "pending", "c:stage:1:new": "skipped"}


async def test_a_key_recorded_meanwhile_by_another_transaction_is_kept_once(fake_db, fake_uow_factory):
    async with fake_uow_factory() as slow, fake_uow_factory() as fast:
        assert await slow.outbox.add(notice("g:pendencia:1"))
        assert await fast.outbox.add(notice("g:pendencia:1"))
        await fast.commit()
        await slow.commit()
    assert len(fake_db.outbox_rows()) == 1


async def test_two_writers_of_the_same_ticket_cannot_both_commit(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.commit()
    with pytest.raises(ConcurrentChange):
        async with fake_uow_factory() as first, fake_uow_factory() as second:
            (await first.tickets.get(1)).add_note(1, "Primeira", "João", clock.now())
            (await second.tickets.get(1)).add_note(1, "Segunda", "Maria", clock.now())
            await first.commit()
            await second.commit()
    assert [n.text for n in fake_db.ticket(1).stages[0].notes] == ["Primeira"]


async def test_writers_of_different_tickets_both_commit(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        uow.tickets.add(new_ticket(2, clock))
        await uow.commit()
    async with fake_uow_factory() as first, fake_uow_factory() as second:
        (await first.tickets.get(1)).add_note(1, "No primeiro", "João", clock.now())
        (await second.tickets.get(2)).add_note(1, "No segundo", "Maria", clock.now())
        await first.commit()
        await second.commit()
    assert [n.text for n in fake_db.ticket(1).stages[0].notes] == ["No primeiro"]
    assert [n.text for n in fake_db.ticket(2).stages[0].notes] == ["No segundo"]


async def test_a_reader_does_not_block_a_writer(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        await uow.commit()
    async with fake_uow_factory() as reader, fake_uow_factory() as writer:
        await reader.tickets.get(1)
        (await writer.tickets.get(1)).add_note(1, "Escrita", "João", clock.now())
        await writer.commit()
        await reader.commit()
    assert len(fake_db.ticket(1).stages[0].notes) == 1


async def test_the_keys_of_the_tables_are_enforced(fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock))
        uow.tickets.add(new_ticket(1, clock))
        with pytest.raises(FakeIntegrityError, match="duplicate number"):
            await uow.flush()
    async with fake_uow_factory() as uow:
        uow.tickets.add(new_ticket(1, clock, customer_id=999))
        with pytest.raises(FakeIntegrityError, match="customer"):
            await uow.flush()
    async with fake_uow_factory() as uow:
        ticket = new_ticket(1, clock)
        uow.tickets.add(ticket)
        await uow.flush()
        for _ in range(2):
            uow.pendencias.add(Pendencia(PendenciaKind.NEW_TICKET, None, ticket.id, ticket.stages[0].id,
                                         clock.now(), None))
        with pytest.raises(FakeIntegrityError, match="second pendência"):
            await uow.flush()


async def test_naive_datetimes_are_refused_like_storage_does(fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        ticket = new_ticket(1, clock)
        ticket.created_at = ticket.created_at.replace(tzinfo=None)
        uow.tickets.add(ticket)
        with pytest.raises(FakeIntegrityError, match="naive"):
            await uow.flush()


async def test_a_unit_of_work_is_used_only_inside_its_block(fake_uow_factory):
    uow = fake_uow_factory()
    async with uow:
        pass
    with pytest.raises(RuntimeError):
        await uow.tickets.get(1)
    with pytest.raises(RuntimeError):
        await uow.catalogue.config()


async def test_linking_a_telegram_account_moves_it_and_is_transactional(fake_db, fake_uow_factory, clock):
    async with fake_uow_factory() as uow:
        await uow.customers.link(c.BRUNO.id, c.ANA.telegram_user_id, clock.now())
        assert (await uow.customers.by_telegram(c.ANA.telegram_user_id)).id == c.BRUNO.id
        assert (await uow.customers.get(c.ANA.id)).telegram_user_id is None
    assert fake_db.committed.customers[c.ANA.id].telegram_user_id == c.ANA.telegram_user_id  # not committed
    async with fake_uow_factory() as uow:
        assert await uow.customers.unlink(c.ANA.telegram_user_id)
        assert not await uow.customers.unlink(123)
        assert await uow.customers.ids_by_phone("+5511999990001") == [c.ANA.id]
        assert (await uow.customers.by_document("11222333000181")).id == c.BRUNO.id
        await uow.commit()
    assert fake_db.committed.customers[c.ANA.id].telegram_user_id is None


async def test_the_catalogue_reads_like_storage(fake_uow_factory):
    async with fake_uow_factory() as uow:
        assert [t.id for t in await uow.catalogue.ticket_types()] == [1, 2, 3]
        assert [s.id for s in await uow.catalogue.subjects()] == [10, 11, 12, 13, 14]
        assert (await uow.catalogue.subject(10)).stages == c.INFILTRACAO.stages
        assert await uow.catalogue.subject(99) is None
        assert [e.id for e in await uow.catalogue.empreendimentos([200, 100, 999])] == [100, 200]
        assert await uow.catalogue.empreendimentos([]) == []
        assert [u.id for u in await uow.catalogue.units_of_customer(c.ANA.id)] == [5000, 5001, 6000]
        assert (await uow.catalogue.staff_by_login("joao")) == c.JOAO
        assert (await uow.catalogue.staff_by_telegram(5002)) == c.MARIA
        assert (await uow.catalogue.staff_by_id(3)) == c.ADMIN
        assert (await uow.catalogue.config()) == c.CONFIG


def test_seeding_refuses_a_catalogue_storage_would_refuse(fake_db):
    from domain.catalogue import Customer, Subject, Unit

    with pytest.raises(FakeIntegrityError):
        fake_db.add_units(Unit(1, 999, None, "Sem empreendimento"))
    with pytest.raises(FakeIntegrityError):
        fake_db.add_subjects(Subject(1, "Sem tipo", True, None, False, type_ids=frozenset({999})))
    with pytest.raises(FakeIntegrityError):
        fake_db.add_customer(Customer(9, "Cópia", c.ANA.document))


# --- the change journal, as the triggers write it ------------------------------------------------------------------
async def test_the_journal_records_what_the_triggers_record_and_only_when_committed(fake_db, fake_uow_factory, clock):
    from domain.services.change_feed import ChangeFeed
    from domain.services.tickets import NewTicketRequest, TicketService

    service = TicketService(fake_uow_factory, clock)
    request = NewTicketRequest(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.TORRE_A_101.id,
                               "Mancha de umidade no teto")
    await service.open_ticket(c.ANA.id, request)
    await service.resolve_stage(c.JOAO, 1, 1, "Laje impermeabilizada")
    ticket = fake_db.ticket(1)
    s1, s2 = ticket.ordered_stages()
    changes = sorted(fake_db.committed.change_log.values(), key=lambda ch: ch.id)
    assert [(ch.entity, ch.row_id, ch.change, ch.status) for ch in changes] == [
        ("stage", s1.id, "insert", "Pendente"),
        ("stage", s1.id, "status", "Resolvida"),
        ("stage", s2.id, "insert", "Pendente"),
        ("note", s1.notes[0].id, "insert", None),
    ]
    assert all(ch.ticket_id == ticket.id for ch in changes)
    # Every change was told by the service already: the change feed only consumes the journal.
    assert await ChangeFeed(fake_uow_factory, clock).run_once() == 0
    assert fake_db.committed.change_log == {}

    with pytest.raises(RuntimeError, match="rolled back"):
        async with fake_uow_factory() as uow:
            (await uow.tickets.get(1)).add_note(2, "Nunca salva", "João", clock.now())
            await uow.flush()
            assert len(await uow.changes.claim(10)) == 1  # journalled inside the transaction…
            raise RuntimeError("rolled back")
    assert fake_db.committed.change_log == {}  # …and gone with it


async def test_a_change_written_by_another_system_is_told_once_by_the_change_feed(fake_db, fake_uow_factory, clock):
    from domain.services.change_feed import ChangeFeed

    written = fake_db.write_ticket(new_ticket(1, clock))  # inserted elsewhere: its stage insert is journalled
    written.resolve_stage(1, clock.now(), c.INFILTRACAO, None)
    fake_db.write_ticket(written)  # and updated elsewhere
    assert {k for ch in fake_db.committed.change_log.values() for k in ch.customer_keys()} == {
        f"c:stage:{written.stages[0].id}:new", f"c:stage:{written.stages[0].id}:resolvida",
        f"c:ticket:{written.id}:encerrado"}
    feed = ChangeFeed(fake_uow_factory, clock)
    assert await feed.run_once() == 3
    assert await feed.run_once() == 0
    assert {r.key for r in fake_db.outbox_rows()} == {
        f"c:stage:{written.stages[0].id}:new", f"c:stage:{written.stages[0].id}:resolvida",
        f"c:ticket:{written.id}:encerrado"}


# --- linking, conversations, demo visitors ------------------------------------------------------------------------------------
async def test_an_invitation_is_used_once(fake_db, fake_uow_factory, clock):
    later = clock.now().replace(year=2027)
    async with fake_uow_factory() as uow:
        await uow.links.add_invitation("h1", c.ANA.id, clock.now(), later)
        with pytest.raises(FakeIntegrityError):
            await uow.links.add_invitation("h1", c.ANA.id, clock.now(), later)
    async with fake_uow_factory() as uow:
        assert await uow.links.invitation("h1") is None  # never committed
        await uow.links.add_invitation("h1", c.ANA.id, clock.now(), later)
        await uow.commit()
    async with fake_uow_factory() as first, fake_uow_factory() as second:
        assert await first.links.use_invitation("h1", 9001, clock.now())
        await first.commit()
        assert (await first.links.invitation("h1")).used_at == clock.now()
        assert not await second.links.use_invitation("h1", 9002, clock.now())  # of two redemptions, one wins


async def test_failed_link_attempts_are_kept_per_account(fake_uow_factory, clock):
    from domain.linking import LinkAttempts

    async with fake_uow_factory() as uow:
        await uow.links.save_attempts(LinkAttempts.first(77, clock.now()))
        await uow.links.save_attempts(LinkAttempts(77, 3, clock.now(), None))
        await uow.commit()
    async with fake_uow_factory() as uow:
        assert (await uow.links.attempts(77)).failures == 3
        await uow.links.clear_attempts(77)
        await uow.commit()
    async with fake_uow_factory() as uow:
        assert await uow.links.attempts(77) is None


async def test_conversations_are_one_per_chat_and_user_and_wizards_expire_oldest_first(fake_uow_factory, clock):
    from datetime import timedelta

    from domain.conversation import Conversation
    from domain.wizard_draft import WizardDraft

    def wizard(chat: int, minutes: int, **changes) -> Conversation:
        return Conversation.of_wizard(replace(WizardDraft.start(
            customer_id=c.ANA.id, telegram_user_id=9001, chat_id=chat, step="tipo", now=clock.now(),
            lifetime=timedelta(minutes=minutes)), **changes))

    async with fake_uow_factory() as uow:
        await uow.conversations.save(wizard(1, 30))
        await uow.conversations.save(wizard(2, 10))
        await uow.conversations.save(wizard(1, 5, step="assunto"))  # replaces chat 1's
        await uow.commit()
    async with fake_uow_factory() as uow:
        assert (await uow.conversations.get(1, 9001)).draft.step == "assunto"
        assert [d.chat_id for d in await uow.conversations.expired(clock.now() + timedelta(minutes=20), 10)] == [1, 2]
        assert [d.chat_id for d in await uow.conversations.expired(clock.now() + timedelta(minutes=7), 10)] == [1]
        assert await uow.conversations.delete(1, 9001)
        assert not await uow.conversations.delete(1, 9001)
        with pytest.raises(FakeIntegrityError):
            await uow.conversations.save(wizard(3, 5, customer_id=999))


async def test_a_demo_visitor_owns_the_units_of_the_customer_with_most(fake_db, fake_uow_factory, clock):
    from domain.brazil import is_valid_cpf

    async with fake_uow_factory() as uow:
        template = await uow.customers.demo_template()
        assert template.id == c.ANA.id  # three units
        new_id = await uow.customers.create_demo_visitor(template.id, "  Carla   Dias ", "+5511988880000",
                                                         c.BRUNO.telegram_user_id, clock.now())
        visitor = await uow.customers.get(new_id)
        assert visitor.name == "Carla Dias (demonstração)" and is_valid_cpf(visitor.document)
        assert (await uow.customers.by_telegram(c.BRUNO.telegram_user_id)).id == new_id
        assert [u.id for u in await uow.catalogue.units_of_customer(new_id)] == [5000, 5001, 6000]
        await uow.catalogue.set_staff_chat(-100999, 7)
        assert (await uow.catalogue.config()).staff_chat_id == -100999
        await uow.commit()
    assert fake_db.committed.config.staff_thread_id == 7


def test_every_port_has_a_fake_with_its_methods():
    import inspect

    import domain.ports as ports
    from domain.conversation import ConversationRepository
    from tests.unit import fakes

    fakes_of = {
        ports.TicketRepository: fakes.FakeTicketRepository,
        ports.CatalogueRepository: fakes.FakeCatalogueRepository,
        ports.CustomerRepository: fakes.FakeCustomerRepository,
        ports.LinkRepository: fakes.FakeLinkRepository,
        ports.PendenciaRepository: fakes.FakePendenciaRepository,
        ports.MessageRepository: fakes.FakeMessageRepository,
        ports.Outbox: fakes.FakeOutbox,
        ports.ChangeJournal: fakes.FakeChangeJournal,
        ConversationRepository: fakes.FakeConversationRepository,
        ports.UnitOfWork: fakes.FakeUnitOfWork,
        ports.UnitOfWorkFactory: fakes.FakeUnitOfWorkFactory,
    }
    protocols = {c for c in vars(ports).values() if inspect.isclass(c) and getattr(c, "_is_protocol", False)
                 and c.__module__ == "domain.ports"}
    assert protocols <= set(fakes_of), "a new port needs its fake in tests/unit/fakes.py"
    for port, fake in fakes_of.items():
        for name, member in vars(port).items():
            if callable(member) and (not name.startswith("_") or name in ("__aenter__", "__aexit__", "__call__")):
                wanted = list(inspect.signature(member).parameters)
                assert list(inspect.signature(getattr(fake, name)).parameters)[: len(wanted)] == wanted, (port, name)
    repositories = {name for name in ports.UnitOfWork.__annotations__}
    assert repositories == {"tickets", "catalogue", "customers", "pendencias", "messages", "outbox", "links",
                            "conversations", "changes"}


async def test_the_linking_service_runs_on_the_fakes(fake_db, fake_uow_factory, clock):
    from datetime import timedelta

    from domain.errors import LinkRefused
    from domain.services.linking import LinkingService

    linking = LinkingService(fake_uow_factory, clock)
    assert (await linking.link_by_contact(4242, 4242, "(11) 9999-0001")).customer.id == c.ANA.id
    with pytest.raises(LinkRefused):
        await linking.link_by_contact(4343, 4343, "(11) 3333-0000")
    assert fake_db.committed.link_attempts[4343].failures == 1
    issued = await linking.issue_invitation("11.222.333/0001-81", timedelta(days=2))
    assert (await linking.redeem_invitation(4444, issued.code)).customer.id == c.BRUNO.id
    with pytest.raises(LinkRefused):
        await linking.redeem_invitation(4545, issued.code)  # used already
