"""The catalogue import (SPEC.md, "Catalogue file"): what goes in comes back out through the domain's repositories,
on SQLite and PostgreSQL; a re-import updates by id, replaces association sets, and never deletes or rewrites."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.catalogue import Empreendimento, Obra, StageTemplate, TicketType, Unit
from domain.statuses import ServiceMode, Visibility
from storage import tables as t
from storage.catalogue import CatalogueRefused, Count
from tests.support.catalogue import (
    FIXTURES,
    TEST_SECRETS,
    load_catalogue,
    load_demo,
    load_spec_example,
    snapshot,
)


async def read_back(uow_factory) -> dict:
    async with uow_factory() as uow:
        joao = await uow.catalogue.staff_by_login("joao")
        admin = await uow.catalogue.staff_by_login("admin")
        return {
            "config": await uow.catalogue.config(),
            "types": list(await uow.catalogue.ticket_types()),
            "subjects": list(await uow.catalogue.subjects()),
            "empreendimentos": list(await uow.catalogue.empreendimentos()),
            "units_of_ana": list(await uow.catalogue.units_of_customer(1)),
            "staff": list(await uow.catalogue.all_staff()),
            "ana": await uow.customers.get(1),
            "by_phone": list(await uow.customers.ids_by_phone("+5511999990001")),
            "by_document": await uow.customers.by_document("12345678909"),
            "joao": joao,
            "admin": admin,
        }


async def test_the_spec_example_imports_and_reads_back(db, uow_factory):
    summary = await load_spec_example(db)

    assert summary.staff == Count(inserted=2)
    assert summary.customers == Count(inserted=1)
    assert (summary.tickets_inserted, summary.tickets_existing) == (0, 0)
    got = await read_back(uow_factory)
    joao, admin = got["joao"], got["admin"]
    assert joao.name == "João Silva" and joao.telegram_user_id == 5001 and joao.email == "joao@construtora.example"
    assert (joao.smtp.host, joao.smtp.port, joao.smtp.username, TEST_SECRETS.open(joao.smtp.password),
            joao.smtp.sender, joao.smtp.starttls, joao.smtp.implicit_tls) == (
        "smtp.construtora.example", 587, "joao", "…", "joao@construtora.example", True, False)
    assert joao.smtp.password != "…"  # stored sealed
    assert admin.smtp is None and admin.telegram_user_id is None
    config = got["config"]
    assert (config.visibility, config.mode, config.responsible_id, config.config_user_id, config.send_external_email,
            config.staff_chat_id, config.demo_mode) == (
        Visibility.WEB_SUBJECTS, ServiceMode.REGISTER_AND_FOLLOW, joao.id, admin.id, True, -1001234567890, False)
    assert got["types"] == [TicketType(1, "Assistência técnica"), TicketType(2, "Solicitação")]
    [subject] = got["subjects"]
    assert (subject.id, subject.name, subject.enabled, subject.responsible_id, subject.return_call,
            subject.type_ids, subject.empreendimento_ids) == (10, "Infiltração", True, joao.id, True, {1}, {100})
    assert subject.stages == (StageTemplate(1, "Vistoria técnica", joao.id, 3), StageTemplate(2, "Reparo", None, 7))
    assert got["empreendimentos"] == [Empreendimento(100, "Residencial Jardins", (Obra(1001, 100, "Torre A"),))]
    assert got["units_of_ana"] == [Unit(5000, 100, 1001, "Torre A - Apto 101", ("Apartamento 101", "Vaga 12"))]
    ana = got["ana"]
    assert (ana.name, ana.document, ana.email, ana.telegram_user_id) == ("Ana Souza", "12345678909",
                                                                         "ana@example.com", None)
    assert got["by_phone"] == [1]
    assert got["by_document"] == ana


async def test_the_json_variant_holds_the_same_catalogue(db, uow_factory):
    await load_catalogue(db, FIXTURES / "spec_example.json")
    from_json = await read_back(uow_factory)

    again = await load_spec_example(db)

    assert again.staff == Count(unchanged=2) and again.customers == Count(unchanged=1)
    assert again.subjects == Count(unchanged=1) and again.units == Count(unchanged=1)
    assert not again.config_changed
    assert await read_back(uow_factory) == from_json


async def test_a_reimport_changes_nothing_and_keeps_history_and_telegram_links(db, uow_factory, clock):
    await load_demo(db)
    async with uow_factory() as uow:
        await uow.customers.link(1, 424242, clock.now())
        await uow.commit()
    before = await snapshot(db)

    summary = await load_demo(db, now=datetime(2027, 3, 1, tzinfo=UTC))  # another moment: the history is not moved

    for section in ("staff", "ticket_types", "subjects", "empreendimentos", "obras", "units", "customers"):
        count = getattr(summary, section)
        assert count.inserted == count.updated == 0 and count.unchanged > 0, section
    assert (summary.tickets_inserted, summary.tickets_existing) == (0, 30)
    assert await snapshot(db) == before
    async with uow_factory() as uow:
        assert (await uow.customers.get(1)).telegram_user_id == 424242


async def test_association_sets_are_replaced_and_nothing_is_deleted(db, uow_factory, clock):
    await load_spec_example(db)
    async with uow_factory() as uow:
        await uow.customers.link(1, 777, clock.now())
        await uow.commit()
    change = {
        "subjects": [{"id": 10, "name": "Infiltração", "types": [2], "empreendimentos": [], "enabled": False,
                      "stages": [{"description": "Reparo direto", "responsible": "admin", "due_days": 0}]}],
        "units": [{"id": 5000, "empreendimento": 100, "obra": 1001, "label": "Torre A - Apto 101",
                   "items": ["Apartamento 101", "Depósito 4"]},
                  {"id": 5001, "empreendimento": 100, "label": "Torre A - Apto 102", "items": ["Apartamento 102"]}],
        "customers": [{"id": 1, "name": "Ana Souza Lima", "cpf": "12345678909",
                       "phones": ["(11) 98888-0002", "11 3333-4444"], "units": [5001]},
                      {"id": 2, "name": "Beatriz Souza", "cpf": "529.982.247-25", "units": [5000]}],
    }

    summary = await load_catalogue(db, change)

    assert summary.subjects == Count(updated=1)
    assert summary.units == Count(inserted=1, updated=1)
    assert summary.customers == Count(inserted=1, updated=1)
    async with uow_factory() as uow:
        subject = await uow.catalogue.subject(10)
        admin = await uow.catalogue.staff_by_login("admin")
        assert (subject.enabled, subject.type_ids, subject.empreendimento_ids) == (False, {2}, frozenset())
        assert subject.stages == (StageTemplate(1, "Reparo direto", admin.id, 0),)
        ana = await uow.customers.get(1)
        assert (ana.name, ana.telegram_user_id) == ("Ana Souza Lima", 777)  # the link survives a re-import
        assert [u.id for u in await uow.catalogue.units_of_customer(1)] == [5001]
        assert list(await uow.customers.ids_by_phone("+5511988880002")) == [1]
        assert list(await uow.customers.ids_by_phone("+551133334444")) == [1]
        assert list(await uow.customers.ids_by_phone("+5511999990001")) == []
        beatriz_units = await uow.catalogue.units_of_customer(2)
        assert [(u.id, u.items) for u in beatriz_units] == [(5000, ("Apartamento 101", "Depósito 4"))]
        # What the file left out is still there: staff, types, the empreendimento, the configuration.
        assert [s.login for s in await uow.catalogue.all_staff()] == ["joao", "admin"]
        assert len(await uow.catalogue.ticket_types()) == 2
        assert (await uow.catalogue.config()).staff_chat_id == -1001234567890


async def test_a_file_may_refer_to_rows_imported_before(db, uow_factory):
    await load_spec_example(db)

    await load_catalogue(db, {"customers": [{"id": 7, "name": "Carlos Lima", "cpf": "111.444.777-35",
                                             "phones": ["+55 11 90000-0007"], "units": [5000]}],
                              "config": {"mode": "register_only"}})

    async with uow_factory() as uow:
        assert [u.id for u in await uow.catalogue.units_of_customer(7)] == [5000]
        config = await uow.catalogue.config()
        # Only the settings the file names change.
        assert (config.mode, config.visibility, config.send_external_email) == (
            ServiceMode.REGISTER_ONLY, Visibility.WEB_SUBJECTS, True)


async def test_customers_may_trade_documents_and_staff_telegram_ids(db, uow_factory):
    await load_spec_example(db)
    await load_catalogue(db, {
        "staff": [{"login": "admin", "name": "Administrador", "telegram_user_id": 6001}],
        "customers": [{"id": 2, "name": "Bia", "cpf": "529.982.247-25"}],
    })

    await load_catalogue(db, {
        "staff": [{"login": "joao", "name": "João Silva", "telegram_user_id": 6001},
                  {"login": "admin", "name": "Administrador", "telegram_user_id": 5001}],
        "customers": [{"id": 1, "name": "Ana Souza", "cpf": "529.982.247-25"},
                      {"id": 2, "name": "Bia", "cpf": "123.456.789-09"}],
    })

    async with uow_factory() as uow:
        assert (await uow.customers.by_document("52998224725")).id == 1
        assert (await uow.customers.by_document("12345678909")).id == 2
        assert (await uow.catalogue.staff_by_telegram(6001)).login == "joao"
        assert (await uow.catalogue.staff_by_telegram(5001)).login == "admin"


HISTORY = {
    "tickets": [
        {"number": 120, "customer": 1, "type": 1, "subject": 10, "unit": 5000, "status": "Aberto", "origin": "telefone",
         "description": "Mancha de umidade no teto do banheiro.", "created_at": "2025-03-14T09:30:00-03:00",
         "stages": [
             {"description": "Vistoria técnica", "responsible": "joao", "status": "Resolvida",
              "created_at": "2025-03-14T09:30:00-03:00", "completed_at": "2025-03-16T10:00:00-03:00",
              "template_position": 1,
              "notes": [{"created_at": "2025-03-16T09:55:00-03:00", "author": "João Silva",
                         "text": "Infiltração vinda da laje."}]},
             {"description": "Reparo", "status": "Pendente", "created_at": "2025-03-16T10:00:00-03:00",
              "due_at": "2025-03-23T10:00:00-03:00", "template_position": 2},
         ]},
        {"number": 7, "customer": 1, "type": 2, "subject": 10, "status": "Cancelado",
         "description": "Pedido em duplicidade.", "created_at": "2025-01-02T08:00:00Z",
         "closed_at": "2025-01-02T09:00:00Z", "cancel_reason": "Duplicado."},
    ]
}


async def test_history_is_inserted_once_silently_and_numbering_moves_past_it(db, uow_factory):
    await load_spec_example(db)

    summary = await load_catalogue(db, HISTORY)

    assert (summary.tickets_inserted, summary.tickets_existing) == (2, 0)
    async with uow_factory() as uow:
        details = await uow.tickets.details(120)
        assert (details.status.value, details.origin, details.unit_label, details.obra_name) == (
            "Aberto", "telefone", "Torre A - Apto 101", "Torre A")
        assert details.created_at == datetime(2025, 3, 14, 12, 30, tzinfo=UTC)
        assert [(s.position, s.status.value, s.responsible_name) for s in details.stages] == [
            (1, "Resolvida", "João Silva"), (2, "Pendente", None)]
        assert [n.text for n in details.stages[0].notes] == ["Infiltração vinda da laje."]
        cancelled = await uow.tickets.details(7)
        assert (cancelled.status.value, cancelled.cancel_reason, cancelled.origin) == (
            "Cancelado", "Duplicado.", "importacao")
        assert [p.ticket_number for p in await uow.pendencias.open()] == [120]
        assert await uow.tickets.next_number() == 121
    async with db.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(t.change_log))).scalar() == 0

    # Imported again (even with other words), existing tickets are left exactly as they are.
    before = await snapshot(db)
    changed = {"tickets": [dict(HISTORY["tickets"][1], description="Outro texto qualquer.")]}
    again = await load_catalogue(db, changed)
    assert (again.tickets_inserted, again.tickets_existing) == (0, 1)
    assert await snapshot(db) == before


async def test_dates_keep_their_moment_whatever_the_offset(db, uow_factory):
    await load_spec_example(db)
    await load_catalogue(db, HISTORY)
    async with uow_factory() as uow:
        details = await uow.tickets.details(7)
    assert details.closed_at - details.created_at == timedelta(hours=1)
    assert details.created_at.tzinfo is not None


def _without(mapping: dict, *keys: str) -> dict:
    return {k: v for k, v in mapping.items() if k not in keys}


@pytest.mark.parametrize(("ticket", "codes"), [
    (_without(HISTORY["tickets"][1], "closed_at"), {"closed_at_required"}),
    (dict(HISTORY["tickets"][1], status="Aberto"), {"closed_at_forbidden", "cancel_reason_forbidden"}),
], ids=["cancelled-without-closed_at", "open-with-closed_at"])
async def test_history_that_breaks_the_status_rules_is_refused(db, ticket, codes):
    await load_spec_example(db)
    before = await snapshot(db)

    with pytest.raises(CatalogueRefused) as refused:
        await load_catalogue(db, {"tickets": [ticket]})

    assert {p.code for p in refused.value.problems} == codes
    assert all(p.loc[:2] == ("tickets", 0) for p in refused.value.problems)
    assert await snapshot(db) == before


async def test_import_leaves_demo_mode(db, uow_factory):
    await load_demo(db)

    summary = await load_spec_example(db)

    assert summary.was_demo
    async with uow_factory() as uow:
        assert not (await uow.catalogue.config()).demo_mode
