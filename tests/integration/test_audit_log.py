"""The audit trail an auditor reads: appended with the change, filtered by atendimento, staff and date, printed by
`atendimento audit`, and refused any UPDATE or DELETE by the database itself (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.audit import ActorKind, AuditAction, AuditEntry, customer_actor
from tests.support.delivery import cli_env, run_cli

MONDAY = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo


async def seed(uow_factory) -> None:
    async with uow_factory() as uow:
        for entry in [
            AuditEntry(MONDAY, ActorKind.OPERATOR, "operador", AuditAction.IMPORT, details={"arquivo": "real.yaml"}),
            AuditEntry(MONDAY + timedelta(hours=1), ActorKind.CUSTOMER, customer_actor(7), AuditAction.OPEN_TICKET,
                       chat_id=7007, ticket_number=12),
            AuditEntry(MONDAY + timedelta(days=1), ActorKind.STAFF, "joao", AuditAction.RESOLVE_STAGE,
                       chat_id=-100123, ticket_number=12, details={"etapa": 1}),
            AuditEntry(MONDAY + timedelta(days=2), ActorKind.STAFF, "maria", AuditAction.CLOSE,
                       chat_id=-100123, ticket_number=12),
            AuditEntry(MONDAY + timedelta(days=2), ActorKind.STAFF, "joao", AuditAction.ADD_NOTE,
                       chat_id=5001, ticket_number=13, details={"etapa": 2}),
        ]:
            await uow.audit.append(entry)
        await uow.commit()


async def test_who_changed_atendimento_12_and_when(db, uow_factory):
    await seed(uow_factory)
    async with uow_factory() as uow:
        on_12 = await uow.audit.entries(ticket_number=12)
        by_joao = await uow.audit.entries(actor="joao")
        since_tuesday = await uow.audit.entries(since=MONDAY + timedelta(days=1))
    assert [(e.actor, e.action) for e in on_12] == [
        ("cliente 7", AuditAction.OPEN_TICKET), ("joao", AuditAction.RESOLVE_STAGE), ("maria", AuditAction.CLOSE)
    ]
    assert [e.ticket_number for e in by_joao] == [12, 13]
    assert by_joao[0].details == {"etapa": 1} and by_joao[0].chat_id == -100123
    assert len(since_tuesday) == 3


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'ninguem'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE ticket_number = 12",
])
async def test_the_database_refuses_to_change_or_remove_an_entry(db, uow_factory, statement):
    await seed(uow_factory)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as connection:
            await connection.execute(text(statement))
    async with uow_factory() as uow:
        assert len(await uow.audit.entries()) == 5


@pytest.mark.backends("postgresql")
async def test_postgresql_refuses_truncate_too(db, uow_factory):
    await seed(uow_factory)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as connection:
            await connection.execute(text("TRUNCATE audit_log"))


async def test_the_operator_prints_the_trail_of_one_atendimento(db, uow_factory, database_url, tmp_path):
    await seed(uow_factory)
    code, out, err = await run_cli("audit", "--ticket", "12", env=cli_env(None, database_url), cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "quando\tquem\tchat\tação\tatendimento\tdetalhes"
    assert lines[1:] == [
        "30/11/2026 11:00\tcliente 7\t7007\tabrir\tnº 12\t—",
        "01/12/2026 10:00\tequipe joao\t-100123\tresolver\tnº 12\tetapa=1",
        "02/12/2026 10:00\tequipe maria\t-100123\tencerrar\tnº 12\t—",
    ]
    code, out, _ = await run_cli("audit", "--staff", "joao", "--since", "02/12/2026", env=cli_env(None, database_url),
                                 cwd=tmp_path)
    assert code == 0 and out.splitlines()[1:] == ["02/12/2026 10:00\tequipe joao\t5001\tobs\tnº 13\tetapa=2"]
    code, out, _ = await run_cli("audit", "--ticket", "99", env=cli_env(None, database_url), cwd=tmp_path)
    assert out.strip() == "Nenhum registro de auditoria com esses filtros."


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("args", [["--ticket", "abc"], ["--ticket", "0"], ["--since", "31/02/2026"],
                                  ["--ticket", "9" * 40]])
async def test_bad_filters_get_one_clear_line(database_url, tmp_path, args):
    code, out, err = await run_cli("audit", *args, env=cli_env(None, database_url), cwd=tmp_path)
    assert code == 2 and out == ""
    assert "Traceback" not in err and ("não é" in err)


async def test_each_staff_change_and_the_customers_own_are_recorded_with_the_change(db, uow_factory, clock):
    from domain.services.tickets import TicketService
    from tests.support.builders import build_catalogue

    cat = await build_catalogue(db)
    service = TicketService(uow_factory, clock)
    async with uow_factory() as uow:
        joao = await uow.catalogue.staff_by_login("joao")
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    await service.add_note(joao, number, 1, "Vistoria marcada.", chat_id=-1001234567890)
    await service.resolve_stage(joao, number, 1, chat_id=5001)
    await service.add_stage(joao, number, "Pintura", chat_id=5001)
    await service.cancel_stage(joao, number, 3, "Não será preciso", chat_id=5001)
    await service.resolve_stage(joao, number, 2, chat_id=5001)
    await service.close(joao, number, chat_id=-1001234567890)
    async with uow_factory() as uow:
        entries = await uow.audit.entries(ticket_number=number)
    assert [(e.actor, str(e.action), e.chat_id, dict(e.details)) for e in entries] == [
        ("cliente 1", "abrir", None, {}),
        ("joao", "obs", -1001234567890, {"etapa": 1}),
        ("joao", "resolver", 5001, {"etapa": 1}),
        ("joao", "etapa", 5001, {"etapa": 3}),
        ("joao", "cancelar_etapa", 5001, {"etapa": 3}),
        ("joao", "resolver", 5001, {"etapa": 2}),
        ("joao", "encerrar", -1001234567890, {}),
    ]
