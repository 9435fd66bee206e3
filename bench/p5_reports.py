"""P5 — `/relatorio` at scale: the report's data fetch (its aggregate queries) and the picture, for 30 and 365 days,
on P2's large database (1M atendimentos, 5M stages), with every query's plan printed.

P2's generator writes no pendências nor ratings: this adds them once (a pendência for every pending stage — 200k at
1M, all overdue — and a rating for every Encerrado atendimento — 400k), then ANALYZE. "Now" is the end of the
generated history (atendimento i is created at 2020-01-01 + i minutes), so 365 days hold 525,600 atendimentos.

Goal: fetch + render ≤ 2 s on PostgreSQL, ≤ 4 s on SQLite, for 365 days.
    python -m bench.p5_reports [--size 1000000] [--backends sqlite,postgresql] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from bench.common import each_backend
from bench.generate import BASE
from bench.generate import generate
from bench.p2_queries import DB_DIR, _reusable
from bot.reports.build import report_service
from bot.reports.chart import render_png
from domain.clock import FrozenClock
from storage.database import connect

GOALS = {"postgresql": 2.0, "sqlite": 4.0}
ROUNDS = 5
ZONE = ZoneInfo("America/Sao_Paulo")

ADD_PENDENCIAS = (
    "INSERT INTO pendencias (kind, staff_id, ticket_id, stage_id, created_at, due_at) "
    "SELECT 'etapa', responsible_id, ticket_id, id, created_at, due_at FROM stages WHERE status = 'Pendente'"
)
ADD_RATINGS = (
    "INSERT INTO ticket_ratings (ticket_id, rating, rated_at) "
    "SELECT id, (id % 5) + 1, closed_at FROM tickets WHERE status = 'Encerrado'"
)


async def prepare(backend: str, size: int, keep: bool) -> str:
    """P2's database (same generator, same size), under a name of its own: P2 may be running beside it."""
    from pathlib import Path

    from bench.common import pg_database_url

    if backend == "sqlite":
        DB_DIR.mkdir(parents=True, exist_ok=True)
        path = DB_DIR / f"p5_{size}.db"
        if keep and path.exists() and await _reusable(f"sqlite:///{path}"):
            return f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return await generate("sqlite", str(path), size)
    name = f"atd_bench_p5_{size}"
    if keep and await _reusable(pg_database_url(name)):
        return pg_database_url(name)
    return await generate("postgresql", name, size)


async def add_report_data(database) -> None:
    async with database.engine.begin() as connection:
        if not (await connection.execute(text("SELECT 1 FROM pendencias LIMIT 1"))).first():
            await connection.execute(text(ADD_PENDENCIAS))
        if not (await connection.execute(text("SELECT 1 FROM ticket_ratings LIMIT 1"))).first():
            await connection.execute(text(ADD_RATINGS))
    if database.dialect == "postgresql":
        # A database in service is vacuumed by autovacuum; a freshly loaded one is not: without its visibility map
        # every index-only scan still visits the table (Heap Fetches = rows).
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    else:
        async with database.engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


async def plans(database, operation) -> list[dict]:
    """Every SELECT the operation runs, with its plan: EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await operation()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    postgres = database.dialect == "postgresql"
    found = []
    async with database.engine.connect() as connection:
        for statement, parameters in captured:
            prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
            rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
            found.append({"sql": " ".join(statement.split())[:140], "plan": [r[0] if postgres else r[-1] for r in rows]})
    return found


async def measure(backend: str, size: int, keep: bool) -> dict:
    url = await prepare(backend, size, keep)
    database = connect(url)
    try:
        await add_report_data(database)
        now = BASE + timedelta(minutes=size + 1)
        service = report_service(database, FrozenClock(now), ZONE)
        rows, all_plans = [], {}
        for days in (30, 365):
            fetches, renders = [], []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                report = await service.last_days(days)
                fetched = time.perf_counter()
                render_png(report)
                fetches.append(fetched - started)
                renders.append(time.perf_counter() - fetched)
            fetch, render = statistics.median(fetches), statistics.median(renders)
            rows.append({"days": days, "opened": report.opened, "fetch_s": round(fetch, 3),
                         "render_s": round(render, 3), "total_s": round(fetch + render, 3),
                         "goal_s": GOALS[backend], "holds": fetch + render <= GOALS[backend]})
            all_plans[days] = await plans(database, lambda d=days: service.last_days(d))
    finally:
        await database.dispose()
    return {"backend": backend, "size": size, "rows": rows, "plans": all_plans}


def report(result: dict) -> str:
    lines = [f"P5 {result['backend']}: /relatorio on {result['size']:,} atendimentos (median of {ROUNDS})"]
    lines.append(f"  {'days':>4} {'opened':>8} {'fetch s':>8} {'render s':>9} {'total s':>8}  goal")
    for r in result["rows"]:
        lines.append(f"  {r['days']:>4} {r['opened']:>8,} {r['fetch_s']:>8.3f} {r['render_s']:>9.3f} "
                     f"{r['total_s']:>8.3f}  ≤ {r['goal_s']} s {'holds' if r['holds'] else 'FAILS'}")
    for days, found in result["plans"].items():
        lines.append(f"  plans, {days} days:")
        for item in found:
            lines.append(f"    {item['sql']}")
            lines.extend(f"      {step}" for step in item["plan"])
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--keep", action="store_true", help="reuse the database an earlier run (or P2) generated")
    args = parser.parse_args(argv)
    return await each_backend("p5_reports", "P5", args.backends,
                              lambda backend: measure(backend, args.size, args.keep), report)


if __name__ == "__main__":
    asyncio.run(main())
