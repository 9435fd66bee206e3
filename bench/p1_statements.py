"""P1's database work, step by step: the SQL statements and transactions our bot runs for each update of one
customer's journey (link, /novo to the end, /meus), counted on SQLite with the real Application in this process.
    python -m bench.p1_statements
"""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from sqlalchemy import event

from bench.common import migrate
from bench.wizard_world import catalogue, person, steps
from storage.database import connect
from storage.migrate import upgrade
from tests.support.bot_harness import running_bot
from sandbox.emulator import FakeTelegram


async def count_statements(customers: int = 5) -> list[dict]:
    with tempfile.TemporaryDirectory() as directory:
        url = await migrate(f"sqlite:///{Path(directory) / 'statements.db'}")
        async with FakeTelegram() as tg, running_bot(tg, url, catalogue=catalogue(customers)) as bot:
            statements: list[str] = []
            event.listen(bot.database.engine.sync_engine, "before_cursor_execute",
                         lambda _c, _cur, statement, *_a: statements.append(statement))
            warm = person(tg, 1)  # reads the catalogue into memory once, as a running bot has
            for step in steps(1):
                await _act(warm, step)
            someone = person(tg, 0)
            counted = []
            for step in steps(0):
                statements.clear()
                await _act(someone, step)
                await asyncio.sleep(0.05)  # the persistence's write at the end of the update
                begins = sum(1 for s in statements if s.lstrip().upper().startswith("BEGIN"))
                label = f"{step.action} {step.value}".strip()[:28]
                counted.append({"update": label, "statements": len(statements) - begins, "transactions": begins})
            return counted


async def _act(someone, step) -> None:
    if step.action == "send":
        await someone.send(step.value)
    elif step.action == "contact":
        await someone.share_contact()
    else:
        await someone.press(step.value)
    await someone.wait_for_reply(count=step.answers)


async def layer_costs(repeat: int = 1000) -> dict:
    """CPU µs of one unit of work with one SELECT by primary key, of each further SELECT in it (SQLAlchemy's asyncio
    layer, aiosqlite, our storage), and of the same SELECT straight on sqlite3: what the layers cost, not SQLite."""
    import sqlite3
    import time

    from sqlalchemy import select

    from storage import tables as t
    from storage.uow import SqlUnitOfWorkFactory

    query = select(t.service_config).where(t.service_config.c.id == 1)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "costs.db"
        database = connect(f"sqlite:///{path}")
        await upgrade(database)
        factory = SqlUnitOfWorkFactory(database)

        async def unit(selects: int) -> None:
            async with factory() as uow:
                for _ in range(selects):
                    (await uow.session.execute(query)).one_or_none()

        cost = {}
        for selects in (1, 5):
            for _ in range(50):
                await unit(selects)
            started = time.process_time()
            for _ in range(repeat):
                await unit(selects)
            cost[selects] = (time.process_time() - started) / repeat * 1e6
        await database.dispose()
        raw = sqlite3.connect(path)
        started = time.process_time()
        for _ in range(repeat * 10):
            raw.execute("SELECT * FROM service_config WHERE id = 1").fetchone()
        sqlite_us = (time.process_time() - started) / (repeat * 10) * 1e6
        raw.close()
    return {"unit_of_work_us": round(cost[1]), "statement_us": round((cost[5] - cost[1]) / 4),
            "sqlite_us": round(sqlite_us, 1)}


def report(rows: list[dict]) -> str:
    lines = ["P1 database work per update (SQLite; statements without BEGIN):"]
    lines += [f"  {r['update']:<28} {r['statements']:>3} statements in {r['transactions']} transactions" for r in rows]
    lines.append(f"  per journey: {sum(r['statements'] for r in rows)} statements, "
                 f"{sum(r['transactions'] for r in rows)} transactions for {len(rows)} updates")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(asyncio.run(count_statements())))
    print("  costs (CPU µs):", asyncio.run(layer_costs()))
