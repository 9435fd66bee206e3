"""LGPD on the tables. Ana and Bruno share Torre A 101. Ana's export holds all of her data and none of Bruno's; her
erasure request removes her Telegram identity at once; the operator's anonymisation then leaves no trace of her name,
CPF, phone, e-mail or Telegram id in any column of any table (scanned from the metadata, so a table added later is
scanned too), keeps her atendimentos' numbers, statuses and dates, and deletes the files only she had sent."""
from __future__ import annotations

from domain.audit import AuditAction

from sqlalchemy import insert, select, update

from domain.messages import Attachment, AttachmentKind, MessageAuthor, TicketMessage
from domain.privacy import REMOVED
from domain.services.tickets import TicketService
from storage import tables as t
from storage.file_store import LocalFileStore
from storage.privacy import SqlPrivacy
from tests.support.builders import build_catalogue
from tests.support.delivery import cli_env, run_cli

ANA_TELEGRAM = 987_654_321_012
ANA_TRACES = ["Ana Souza", "12345678909", "123.456.789-09", "5511999990001", "99999-0001", "ana@example.com",
              str(ANA_TELEGRAM)]


async def ana_with_history(db, uow_factory, clock, store):
    cat = await build_catalogue(db)
    async with db.engine.begin() as c:
        await c.execute(insert(t.customer_units).values(customer_id=cat.bruno, unit_id=cat.torre_a_101))
        await c.execute(update(t.customers).where(t.customers.c.id == cat.ana)
                        .values(telegram_user_id=ANA_TELEGRAM, linked_at=clock.now()))
    tickets = TicketService(uow_factory, clock)
    number = (await tickets.open_ticket(cat.ana, cat.request())).ticket_number
    brunos = (await tickets.open_ticket(cat.bruno, cat.request(unit=cat.torre_a_101))).ticket_number
    only_ana = await store.put(b"photo of Ana's wall")
    shared = await store.put(b"the same photo Bruno also sent")
    async with uow_factory() as uow:
        ticket, bruno_ticket = await uow.tickets.get(number), await uow.tickets.get(brunos)
        await uow.ticket_messages.add(TicketMessage(
            ticket.id, MessageAuthor.CUSTOMER, clock.now(), "Meu telefone é (11) 99999-0001, Ana Souza.",
            [Attachment(AttachmentKind.PHOTO, "AgAC-ana", "AQAD-ana", 20, "parede-ana.jpg", "image/jpeg", only_ana),
             Attachment(AttachmentKind.PHOTO, "AgAC-shr", "AQAD-shr", 30, None, "image/jpeg", shared)],
        ), customer_id=cat.ana, opening=True)
        await uow.ticket_messages.add(TicketMessage(
            bruno_ticket.id, MessageAuthor.CUSTOMER, clock.now(), "Foto do Bruno",
            [Attachment(AttachmentKind.PHOTO, "AgAC-b", "AQAD-b", 30, None, "image/jpeg", shared)],
        ), customer_id=cat.bruno)
        await uow.ticket_messages.remember_sent(ANA_TELEGRAM, 77, ticket.id, clock.now())
        await uow.commit()
    await tickets.add_note(await _joao(uow_factory, cat), number, 1,
                           "Liguei para Ana Souza no 11999990001, CPF 123.456.789-09.")
    return cat, number, brunos, only_ana, shared


async def _joao(uow_factory, cat):
    async with uow_factory() as uow:
        return await uow.catalogue.staff_by_id(cat.staff["joao"])


async def test_the_export_holds_all_and_only_anas_data(db, uow_factory, clock, tmp_path):
    cat, number, _, _, _ = await ana_with_history(db, uow_factory, clock, LocalFileStore(tmp_path))
    async with uow_factory() as uow:
        export = await SqlPrivacy(uow.session).export(cat.ana, clock.now())
    assert export["cliente"]["nome"] == "Ana Souza" and export["cliente"]["cpf_cnpj"] == "12345678909"
    assert export["cliente"]["telefones"] == ["+5511999990001"]
    assert export["cliente"]["telegram"]["user_id"] == ANA_TELEGRAM
    assert [u["unidade"] for u in export["unidades"]] == ["Torre A - Apto 101", "Bloco B - Apto 12"]
    assert export["unidades"][0]["itens"] == ["Apartamento 101", "Vaga 12"]
    [ticket] = export["atendimentos"]
    assert ticket["numero"] == number and ticket["etapas"][0]["observacoes"][0]["quem"] == "João Silva"
    assert [a["nome"] for a in ticket["mensagens"][0]["anexos"]] == ["parede-ana.jpg", None]
    dumped = repr(export)
    assert "Bruno" not in dumped and "11144477735" not in dumped and "Foto do Bruno" not in dumped


async def everything_in_the_database(db) -> str:
    found = []
    async with db.engine.connect() as c:
        for table in t.metadata.sorted_tables:
            for row in (await c.execute(select(table))).all():
                found.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(found)


async def test_erasure_then_anonymisation_leaves_no_trace_of_ana(db, uow_factory, clock, tmp_path, database_url):
    store = LocalFileStore(tmp_path / "anexos")
    cat, number, brunos, only_ana, shared = await ana_with_history(db, uow_factory, clock, store)
    before = await everything_in_the_database(db)
    assert all(trace in before for trace in ANA_TRACES)

    async with uow_factory() as uow:  # /apagar_dados: the Telegram identity goes at once
        assert await SqlPrivacy(uow.session).erase_telegram_identity(cat.ana) == ANA_TELEGRAM
        await uow.commit()
    assert str(ANA_TELEGRAM) not in await everything_in_the_database(db)

    env = cli_env(None, database_url, attachments_dir=str(tmp_path / "anexos"))
    code, out, err = await run_cli("privacy", "anonymize", "123.456.789-09", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.strip() == ("Cliente 1 anonimizado: 1 atendimento(s) mantidos para estatística, 1 mensagem(ns) "
                           "removida(s), 1 arquivo(s) apagado(s).")
    after = await everything_in_the_database(db)
    leftovers = [line for line in after.splitlines() if any(trace in line for trace in ANA_TRACES)]
    assert leftovers == []
    # Numbers, statuses and dates stay for statistics; Bruno's data and his copy of the shared file stay.
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(number)
        assert (ticket.number, ticket.status, ticket.description) == (number, "Aberto", REMOVED)
        assert (await uow.tickets.get(brunos)).description != REMOVED
        [bruno_message] = await uow.ticket_messages.for_ticket((await uow.tickets.get(brunos)).id)
        assert bruno_message.text == "Foto do Bruno" and bruno_message.attachments[0].sha256 == shared
        [entry] = [e for e in await uow.audit.entries() if e.action is AuditAction.ANONYMIZE]
        assert entry.details == {"cliente": 1, "atendimentos": 1, "mensagens": 1, "arquivos": 1}
    assert not await store.exists(only_ana) and await store.exists(shared)
    assert "Bruno Lima" in after and "11144477735" in after

    code, out, _ = await run_cli("privacy", "anonymize", "123.456.789-09", env=env, cwd=tmp_path)
    assert (code, out.strip()) == (0, "Nenhum cliente com esse CPF/CNPJ (já anonimizado, ou nunca cadastrado). "
                                      "Nada foi alterado.")
    code, out, _ = await run_cli("privacy", "anonymize", "123", env=env, cwd=tmp_path)
    assert code == 2 and "inválido" in out
