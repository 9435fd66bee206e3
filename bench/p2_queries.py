"""P2 — /meus (first page and a deep page) and /detalhes at scale: the domain services behind them, on a database
with 10k atendimentos and one with 1M (5M stages, 5M notes, 200k customers), measured side by side.

Goal: cost at 1M ≤ 1.5 × cost at 10k, with a fixed number of queries per request (printed).
    python -m bench.p2_queries [--large 1000000] [--small 10000] [--backends sqlite,postgresql] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy import event, text

from bench.common import QueryCounter, each_backend, interleaved
from bench.generate import generate
from domain.services.queries import CustomerQueries
from domain.views import PageCursor
from storage.database import connect
from storage.uow import SqlUnitOfWorkFactory

DB_DIR = Path(__file__).resolve().parent / "results" / "db"
GOAL = 1.5
DEEP_PAGE = 30  # page 30 of the heavy customer's 200+ atendimentos


async def _reusable(url: str) -> bool:
    """A database an earlier run generated, at the newest schema (an older one is generated again)."""
    from storage.migrate import current_revision, head_revision

    try:
        database = connect(url)
        try:
            if await current_revision(database) != head_revision():
                return False
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1 FROM tickets LIMIT 1"))
            return True
        finally:
            await database.dispose()
    except Exception:  # noqa: BLE001 - not there (yet): generate it
        return False


async def prepare(backend: str, tickets: int, keep: bool) -> str:
    """The URL of a database with `tickets` atendimentos: generated now, or (keep) the one an earlier run left."""
    from bench.common import pg_database_url

    DB_DIR.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = DB_DIR / f"p2_{tickets}.db"
        if keep and path.exists() and await _reusable(f"sqlite:///{path}"):
            return f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return await generate("sqlite", str(path), tickets)
    name = f"atd_bench_p2_{tickets}"
    if keep and await _reusable(pg_database_url(name)):
        return pg_database_url(name)
    return await generate("postgresql", name, tickets)


class Target:
    def __init__(self, url: str) -> None:
        self.database = connect(url)
        self.counter = QueryCounter(self.database.engine)
        self.queries = CustomerQueries(SqlUnitOfWorkFactory(self.database))

    async def setup(self) -> None:
        async with self.database.engine.connect() as connection:
            # A deep page of the heavy customer (customer 1): the keyset position of its (DEEP_PAGE-1)*5-th newest.
            row = (
                await connection.execute(
                    text(
                        "SELECT created_at, id FROM tickets WHERE customer_id = 1 "
                        "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :o"
                    ),
                    {"o": (DEEP_PAGE - 1) * 5 - 1},
                )
            ).one()
            created = row.created_at
            if isinstance(created, str):
                from datetime import UTC, datetime

                created = datetime.fromisoformat(created).replace(tzinfo=UTC)
            elif created.tzinfo is None:
                from datetime import UTC

                created = created.replace(tzinfo=UTC)
            self.deep = PageCursor(created, row.id)
            self.normal_customer = 7
            self.normal_ticket = (
                await connection.execute(text("SELECT number FROM tickets WHERE customer_id = 7 ORDER BY id DESC LIMIT 1"))
            ).scalar_one()

    async def first_page(self):
        return await self.queries.my_tickets(self.normal_customer)

    async def deep_page(self):
        page = await self.queries.my_tickets(1, self.deep)
        assert page.page_number == DEEP_PAGE, page.page_number
        return page

    async def details(self):
        return await self.queries.ticket_details(self.normal_customer, self.normal_ticket)

    async def count(self, operation) -> int:
        with self.counter.counting() as box:
            await operation()
        return box["queries"]

    async def plans(self, operation) -> list[dict]:
        """The query plan of every statement the operation runs (its exact SQL and parameters, captured while it
        runs): EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
        captured: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                captured.append((statement, parameters))

        event.listen(self.database.engine.sync_engine, "before_cursor_execute", capture)
        try:
            await operation()
        finally:
            event.remove(self.database.engine.sync_engine, "before_cursor_execute", capture)
        postgres = self.database.dialect == "postgresql"
        found = []
        async with self.database.engine.connect() as connection:
            for statement, parameters in captured:
                prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
                rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
                plan = [r[0] for r in rows] if postgres else [r[-1] for r in rows]
                found.append({"sql": " ".join(statement.split())[:160], "plan": plan})
        return found


async def measure(backend: str, small: int, large: int, keep: bool, keep_large: bool | None = None) -> dict:
    """`keep_large`: reuse the large database (generated ahead, within `make bench`) even when the small one is made
    anew."""
    urls = {small: await prepare(backend, small, keep),
            large: await prepare(backend, large, keep if keep_large is None else keep_large)}
    targets = {size: Target(url) for size, url in urls.items()}
    for target in targets.values():
        await target.setup()
    operations = ("first_page", "deep_page", "details")
    rows = []
    for op in operations:
        timings = await interleaved({size: getattr(t, op) for size, t in targets.items()}, rounds=9, repeat=30)
        queries = {size: await t.count(getattr(t, op)) for size, t in targets.items()}
        ratio = timings[large] / timings[small]
        rows.append({
            "operation": op, "queries_small": queries[small], "queries_large": queries[large],
            "us_small": round(timings[small] * 1e6), "us_large": round(timings[large] * 1e6),
            "ratio": round(ratio, 2), "goal": GOAL, "holds": ratio <= GOAL,
        })
    plans = {op: await targets[large].plans(getattr(targets[large], op)) for op in operations}
    for target in targets.values():
        await target.database.dispose()
    return {"backend": backend, "small": small, "large": large, "rows": rows, "plans": plans}


def report(result: dict) -> str:
    lines = [f"P2 {result['backend']}: {result['small']:,} vs {result['large']:,} atendimentos"]
    lines.append(f"  {'operation':<11} {'queries':>9} {'10k µs':>9} {'1M µs':>9} {'ratio':>6}  goal ≤ {GOAL}")
    for r in result["rows"]:
        lines.append(
            f"  {r['operation']:<11} {r['queries_small']:>4}/{r['queries_large']:<4} {r['us_small']:>9} "
            f"{r['us_large']:>9} {r['ratio']:>6.2f}  {'holds' if r['holds'] else 'FAILS'}"
        )
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--keep", action="store_true", help="reuse databases generated by an earlier run")
    args = parser.parse_args(argv)
    return await each_backend("p2_queries", "P2", args.backends,
                              lambda backend: measure(backend, args.small, args.large, args.keep), report)


if __name__ == "__main__":
    asyncio.run(main())
