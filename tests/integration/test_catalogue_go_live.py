"""From the demo to production (issue 10, point 1), on SQLite and PostgreSQL.

The adopter's path: the demo is loaded; a stranger adds the bot to a group of their own and uses a staff command
there (demo mode makes them staff); a visitor links to a fictitious customer; conversations, drafts, notifications
and internal messages pile up. Then the operator imports the real catalogue, whose customer ids and eight historical
atendimento numbers are the demo's own. Afterwards every table of the schema — enumerated from the metadata, so a
table added later is checked too — holds exactly what importing the same file into an empty database gives: no demo
row anywhere; and the stranger has no right left.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select

from bot.texts import operator
from domain.errors import NotAuthorised
from domain.services.linking import LinkingService
from domain.services.staff_access import StaffAccess
from storage import tables as t
from storage.catalogue import CatalogueRefused
from storage.catalogue.go_live import DEMO_DATA, KEPT
from storage.catalogue_cache import VERSION_COUNTER
from storage.database import connect
from tests.support.catalogue import SPEC_EXAMPLE, TEST_SECRETS, load_catalogue, load_demo, snapshot

STRANGER, STRANGERS_GROUP, VISITOR = 777_000_111, -1005550001111, 888_000_222


def real_catalogue() -> dict:
    """SPEC.md's example with eight historical atendimentos numbered 1…8, like the demo's first eight."""
    data = yaml.safe_load(Path(SPEC_EXAMPLE).read_text(encoding="utf-8"))
    data["tickets"] = [
        {"number": n, "customer": 1, "type": 1, "subject": 10, "unit": 5000, "status": "Aberto",
         "description": f"Atendimento real número {n}.", "created_at": f"2025-03-{n:02d}T09:30:00-03:00",
         "stages": [{"description": "Vistoria técnica", "responsible": "joao", "status": "Pendente",
                     "created_at": f"2025-03-{n:02d}T09:30:00-03:00"}]}
        for n in range(1, 9)
    ]
    return data


async def play_with_the_demo(db, uow_factory, clock) -> None:
    await load_demo(db)
    access = StaffAccess(uow_factory, clock, demo_allowed=True)
    assert await access.adopt_demo_group(STRANGERS_GROUP)
    stranger = await access.authorise(STRANGER, STRANGERS_GROUP, private=False, name="Estranho")
    assert (await access.authorise(STRANGER, STRANGER, private=True)).id == stranger.id
    linked = await LinkingService(uow_factory, clock, demo_allowed=True).link_by_contact(
        VISITOR, VISITOR, "+5511912340000", "Visitante")
    assert linked.demo
    now = clock.now()
    async with db.engine.begin() as connection:  # what a few days of trying the bot leave behind
        await connection.execute(insert(t.outbox).values(
            key="demo:1", audience="customer", kind="stage_created", recipient_id=linked.customer.id,
            queue=f"tg:{VISITOR}", ticket_id=1, payload={}, created_at=now, available_at=now))
        await connection.execute(insert(t.internal_messages).values(
            kind="email_failed", to_staff_id=stranger.id, ticket_id=1, params={}, created_at=now))
        await connection.execute(insert(t.conversations).values(
            chat_id=VISITOR, user_id=VISITOR, state="wizard", customer_id=linked.customer.id, step="type",
            created_at=now, updated_at=now, expires_at=now + timedelta(minutes=30)))
        await connection.execute(insert(t.delivery_pacing).values(queue=f"tg:{VISITOR}", not_before=now))
        await connection.execute(insert(t.link_attempts).values(telegram_user_id=999, failures=1,
                                                                window_started_at=now))
        await connection.execute(insert(t.invitations).values(
            code_hash="x" * 64, customer_id=1, created_at=now, expires_at=now + timedelta(days=1)))


def without_version(state: dict) -> dict:
    """The catalogue version only moves forward (the bot's cache relies on it): the one value allowed to differ;
    sealed passwords are compared opened (each sealing has its own random IV)."""
    state = dict(state)
    state["counters"] = [row for row in state["counters"] if VERSION_COUNTER not in row[0]]
    at = list(t.staff_users.c.keys()).index("smtp_password")

    def opened(row: tuple) -> tuple:
        sealed = row[at].strip("'")
        return row[:at] + (TEST_SECRETS.open(sealed) if sealed != "None" else None,) + row[at + 1:]

    state["staff_users"] = sorted(map(opened, state["staff_users"]), key=repr)
    return state


@pytest.fixture
async def fresh_db(backend, request, tmp_path):
    """A second empty database of the same backend: what the real import gives without a demo before it."""
    if backend == "sqlite":
        directory = tmp_path / "fresh"
        directory.mkdir()
        database = connect(request.getfixturevalue("sqlite_template").fresh(directory))
        yield database
        await database.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    name, url = template.fresh()
    database = connect(url)
    yield database
    await database.dispose()
    template.drop(name)


def test_every_table_is_classified_for_going_live():
    """A table added later must say whether it holds demo data (emptied) or not (kept, and why)."""
    tables = set(t.metadata.tables)
    assert not DEMO_DATA & set(KEPT)
    assert tables - DEMO_DATA - set(KEPT) == set(), "classify the new table(s) in storage/catalogue/go_live.py"
    assert (DEMO_DATA | set(KEPT)) - tables == set(), "go_live.py names a table the schema no longer has"


async def test_importing_the_real_catalogue_removes_the_whole_demo(db, uow_factory, clock, fresh_db):
    await play_with_the_demo(db, uow_factory, clock)

    summary = await load_catalogue(db, real_catalogue())

    removed = summary.demo_removed
    assert summary.was_demo and removed is not None
    assert removed.count("staff_users") == 5 and removed.staff_from_group == 1
    assert removed.visitors == 1 and removed.count("tickets") == 30 and removed.staff_group == STRANGERS_GROUP
    assert (summary.tickets_inserted, summary.tickets_existing) == (8, 0)  # no demo number in the way
    said = operator.import_report(summary)[0]
    assert said.startswith("Demonstração removida antes da importação: 5 usuários (1 entrou pelo grupo de "
                           "demonstração), 17 clientes (1 visitante), ")
    assert "30 atendimentos" in said and "1 notificação" in said and "1 conversa em andamento" in said
    assert f"o grupo {STRANGERS_GROUP} deixou de ser o grupo da equipe" in said
    expected = await load_catalogue(fresh_db, real_catalogue())
    assert (expected.tickets_inserted, expected.staff, expected.customers) == (8, summary.staff, summary.customers)
    # Every table, enumerated from the metadata: exactly what the same import gives on an empty database.
    after, clean = without_version(await snapshot(db)), without_version(await snapshot(fresh_db))
    for table in t.metadata.sorted_tables:
        assert after[table.name] == clean[table.name], f"demo rows left in {table.name}"
    assert after == clean  # PostgreSQL's ticket numbering included
    async with uow_factory() as uow:
        assert (await uow.tickets.details(1)).description == "Atendimento real número 1."
        assert await uow.tickets.next_number() == 9
        config = await uow.catalogue.config()
    assert not config.demo_mode and config.staff_chat_id == -1001234567890


async def test_after_going_live_the_stranger_has_no_right_anywhere(db, uow_factory, clock):
    await play_with_the_demo(db, uow_factory, clock)

    await load_catalogue(db, real_catalogue())

    access = StaffAccess(uow_factory, clock, demo_allowed=True)  # DEMO_MODE=true, as by default
    for chat, private in ((STRANGER, True), (STRANGERS_GROUP, False), (-1001234567890, False)):
        with pytest.raises(NotAuthorised):
            await access.authorise(STRANGER, chat, private=private, name="Estranho")
    assert not await access.adopt_demo_group(-1007770001111)
    async with uow_factory() as uow:
        assert await uow.customers.by_telegram(VISITOR) is None
        assert await uow.catalogue.staff_by_telegram(STRANGER) is None


async def test_a_refused_real_catalogue_leaves_the_demo_as_it_was(db, uow_factory, clock):
    await play_with_the_demo(db, uow_factory, clock)
    before = await snapshot(db)
    broken = real_catalogue()
    broken["tickets"][0]["subject"] = 99  # no such assunto

    with pytest.raises(CatalogueRefused):
        await load_catalogue(db, broken)

    assert await snapshot(db) == before
    async with db.engine.connect() as connection:
        assert (await connection.execute(select(t.service_config.c.demo_mode))).scalar()
