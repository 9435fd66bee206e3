"""P4 — change detection: another system resolves 5 stages and adds 5 notes by SQL (10 changes); the cost of finding
them and recording the customers' notifications (the change feed run until the journal is empty, as the scheduled
job does) on a database with 10k stages and on one with 5M (1M atendimentos — more than the 1M stages asked), side by
side in alternating rounds, on SQLite and PostgreSQL. Goal: cost at scale ≤ 2 × cost at 10k stages.
    python -m bench.p4_changes [--small 2000] [--large 1000000] [--backends sqlite,postgresql] [--rounds 9] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.common import QueryCounter, each_backend
from bench.p2_queries import prepare
from domain.clock import SystemClock
from domain.services.change_feed import ChangeFeed
from storage.database import connect
from storage.uow import SqlUnitOfWorkFactory

GOAL = 2.0
FEED_BATCH = 500  # bot/jobs/work.py
STAGES_PER_ROUND = 5
NOTES_PER_ROUND = 5


class Target:
    def __init__(self, url: str) -> None:
        self.database = connect(url)
        self.feed = ChangeFeed(SqlUnitOfWorkFactory(self.database), SystemClock())
        self.counter = QueryCounter(self.database.engine)
        self.postgres = self.database.dialect == "postgresql"

    async def stage_count(self) -> int:
        async with self.database.engine.connect() as connection:
            return (await connection.execute(text("SELECT max(id) FROM stages"))).scalar_one()

    async def back_office_writes(self) -> None:
        """10 changes as an ERP would write them: 5 pending stages resolved, 5 notes on them — of atendimentos
        whose subject the customer sees (so each change calls for a notification)."""
        now = datetime.now(UTC)
        stamp = now if self.postgres else now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        async with self.database.engine.begin() as connection:
            stages = (await connection.execute(text(
                "SELECT s.id FROM stages s JOIN tickets t ON t.id = s.ticket_id "
                "WHERE s.status = 'Pendente' AND t.status = 'Aberto' AND t.subject_id <= 8 AND t.customer_id > 7 "
                "ORDER BY s.id LIMIT :n"), {"n": STAGES_PER_ROUND})).scalars().all()
            assert len(stages) == STAGES_PER_ROUND, "no pending stages left: generate the databases again"
            for stage in stages:
                await connection.execute(text(
                    "UPDATE stages SET status = 'Resolvida', completed_at = :at WHERE id = :id"), {"at": stamp, "id": stage})
                await connection.execute(text(
                    "INSERT INTO notes (stage_id, created_at, author, text) VALUES (:id, :at, 'Sistema ERP', "
                    "'Vistoria concluída pelo sistema de obras.')"), {"id": stage, "at": stamp})

    async def detect(self) -> tuple[int, int]:
        """The change feed until the journal is empty; returns (changes consumed, notifications recorded)."""
        consumed = recorded = 0
        while True:
            run = await self.feed.feed(FEED_BATCH)
            consumed += run.consumed
            recorded += run.recorded
            if run.consumed < FEED_BATCH:
                return consumed, recorded

    async def drain(self) -> None:
        await self.detect()


async def measure(backend: str, small: int, large: int, rounds: int, keep: bool, keep_large: bool | None = None) -> dict:
    """`keep_large`: reuse the large database (P2's, within `make bench`) even when the small one is made anew."""
    urls = {small: await prepare(backend, small, keep),
            large: await prepare(backend, large, keep if keep_large is None else keep_large)}
    targets = {size: Target(url) for size, url in urls.items()}
    for target in targets.values():
        await target.drain()  # whatever an earlier run left in the journal
    samples: dict[int, list[float]] = {size: [] for size in targets}
    outcome: dict[int, tuple[int, int, int]] = {}
    for _ in range(rounds):
        for size, target in targets.items():
            await target.back_office_writes()
            with target.counter.counting() as box:
                started = time.perf_counter()
                consumed, recorded = await target.detect()
                samples[size].append(time.perf_counter() - started)
            assert recorded == STAGES_PER_ROUND + NOTES_PER_ROUND, (size, consumed, recorded)
            outcome[size] = (consumed, recorded, box["queries"])
    stages = {size: await target.stage_count() for size, target in targets.items()}
    for target in targets.values():
        await target.database.dispose()
    medians = {size: statistics.median(values) for size, values in samples.items()}
    ratio = medians[large] / medians[small]
    return {
        "backend": backend, "small": small, "large": large, "stages_small": stages[small], "stages_large": stages[large],
        "changes": outcome[large][0], "notifications": outcome[large][1],
        "queries_small": outcome[small][2], "queries_large": outcome[large][2],
        "ms_small": round(medians[small] * 1000, 2), "ms_large": round(medians[large] * 1000, 2),
        "ratio": round(ratio, 2), "goal": GOAL, "holds": ratio <= GOAL, "rounds": rounds,
    }


def report(r: dict) -> str:
    return (f"P4 {r['backend']}: {r['changes']} changes by SQL → {r['notifications']} notifications, "
            f"{r['queries_small']}/{r['queries_large']} queries\n"
            f"  {r['stages_small']:,} stages {r['ms_small']:>8.2f} ms   {r['stages_large']:,} stages {r['ms_large']:>8.2f} ms"
            f"   ratio {r['ratio']:.2f}  goal ≤ {GOAL}  {'holds' if r['holds'] else 'FAILS'}")


async def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=2_000, help="atendimentos (5 stages each)")
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    return await each_backend("p4_changes", "P4", args.backends,
                              lambda backend: measure(backend, args.small, args.large, args.rounds, args.keep), report)


if __name__ == "__main__":
    asyncio.run(main())
