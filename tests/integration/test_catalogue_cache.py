"""The catalogue kept in memory (storage/catalogue_cache.py): read once, then one tiny query per unit of work — and
whatever writes a catalogue table (the import, an operator's own SQL), the next unit of work sees it at once."""
from __future__ import annotations

from sqlalchemy import delete, event, insert, update

from domain.services.tickets import customer_options
from storage import tables as t
from tests.support.catalogue import load_catalogue, load_spec_example

CATALOGUE_TABLES = {"ticket_types", "subjects", "subject_types", "subject_empreendimentos", "subject_stages",
                    "empreendimentos", "obras", "units", "unit_items", "customer_units"}


class Statements:
    def __init__(self, db) -> None:
        self.seen: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(" ".join(statement.split()).lower())

    def reading_the_catalogue(self) -> list[str]:
        return [s for s in self.seen if s.startswith("select") and any(f"from {name}" in s for name in CATALOGUE_TABLES)]


async def options_of_ana(uow_factory):
    async with uow_factory() as uow:
        return await customer_options(uow, 1)


async def test_an_unchanged_catalogue_is_read_once(db, uow_factory):
    await load_spec_example(db)
    first = await options_of_ana(uow_factory)
    statements = Statements(db)

    again = await options_of_ana(uow_factory)

    assert again == first
    assert statements.reading_the_catalogue() == []  # only the version was asked
    assert any("from counters" in s for s in statements.seen)


async def test_what_an_operator_writes_by_sql_is_seen_by_the_next_unit_of_work(db, uow_factory):
    await load_spec_example(db)
    assert [s.id for s in (await options_of_ana(uow_factory)).subjects] == [10]

    async with db.engine.begin() as connection:  # straight into the tables, as another system would
        await connection.execute(update(t.subjects).where(t.subjects.c.id == 10).values(enabled=False))
    assert (await options_of_ana(uow_factory)).subjects == ()

    async with db.engine.begin() as connection:
        await connection.execute(insert(t.units).values(id=5001, empreendimento_id=100, obra_id=1001, label="Loja 1"))
        await connection.execute(insert(t.customer_units).values(customer_id=1, unit_id=5001))
    assert [u.id for u in (await options_of_ana(uow_factory)).units] == [5001, 5000]  # by label: Loja, Torre

    async with db.engine.begin() as connection:
        await connection.execute(delete(t.customer_units).where(t.customer_units.c.unit_id == 5001))
    assert [u.id for u in (await options_of_ana(uow_factory)).units] == [5000]


async def test_a_reimport_is_seen_at_once(db, uow_factory):
    await load_spec_example(db)
    await options_of_ana(uow_factory)

    await load_catalogue(db, {"ticket_types": [{"id": 1, "name": "Assistência técnica"},
                                               {"id": 2, "name": "Reclamação"}]})

    async with uow_factory() as uow:
        assert [x.name for x in await uow.catalogue.ticket_types()] == ["Assistência técnica", "Reclamação"]
