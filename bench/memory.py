"""Memory — peak RSS of the bot process (the product's `atendimento run --no-jobs`, bench/bot_process.py) on the
SQLite database with 1M atendimentos, with 10k conversations in progress: 10k linked customers each half-way through
/novo (one conversation row each), of whom 500 then finish it and ask /meus while the
peak is watched. Beside it, in the same run, the same bot idle on an empty database (the process's own floor).
    python -m bench.memory [--large 1000000] [--conversations 10000] [--active 500] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, text, update

from bench.common import RESULTS, migrate, save
from bench.generate import EMPREENDIMENTOS
from bench.p2_queries import prepare
from storage import tables as t
from storage.database import connect
from tests.support.delivery import cli_env
from sandbox.emulator import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
FIRST_TELEGRAM_ID = 9_000_000
FIRST_CUSTOMER = 100  # customers 1 (the heavy one) and 7 (P2's) are left alone
SUBJECT, TYPE = 3, 1  # bench/generate.py: subject s is of type (s % 3) + 1, enabled for the bot when s ≤ 8
ANSWER_TIMEOUT = 120.0


async def seed_conversations(url: str, count: int) -> None:
    """`count` customers linked to Telegram, each at the description step of /novo (its conversation row)."""
    database = connect(url)
    now = datetime.now(UTC)
    try:
        await unseed(database, count)
        async with database.engine.begin() as connection:
            for start in range(0, count, 2000):
                batch = range(start, min(count, start + 2000))
                for i in batch:
                    await connection.execute(update(t.customers).where(t.customers.c.id == FIRST_CUSTOMER + i)
                                             .values(telegram_user_id=FIRST_TELEGRAM_ID + i, linked_at=now))
                await connection.execute(insert(t.conversations), [{
                    "chat_id": FIRST_TELEGRAM_ID + i, "user_id": FIRST_TELEGRAM_ID + i, "state": "wizard",
                    "customer_id": FIRST_CUSTOMER + i, "step": "descricao", "type_id": TYPE, "subject_id": SUBJECT,
                    "empreendimento_id": ((FIRST_CUSTOMER + i) % EMPREENDIMENTOS) + 1, "unit_id": FIRST_CUSTOMER + i,
                    "description": None, "message_id": None, "created_at": now, "updated_at": now,
                    "expires_at": now + timedelta(hours=6),
                } for i in batch])
    finally:
        await database.dispose()


async def unseed(database, count: int) -> None:
    """Leaves the shared 1M database as P2 and P4 expect it (the tickets the active customers opened stay)."""
    ids = (FIRST_TELEGRAM_ID, FIRST_TELEGRAM_ID + count)
    async with database.engine.begin() as connection:
        await connection.execute(delete(t.conversations).where(t.conversations.c.user_id.between(*ids)))
        await connection.execute(update(t.customers).where(t.customers.c.telegram_user_id.between(*ids))
                                 .values(telegram_user_id=None, linked_at=None))


async def _run_bot(tg: FakeTelegram, url: str, workdir: Path, name: str, drive) -> dict:
    report_path = workdir / f"{name}.json"
    log = workdir / f"{name}.log"
    env = cli_env(tg, url, log_level="WARNING")
    with open(log, "wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bot_process", "--report", str(report_path), env=env, cwd=ROOT,
            stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 120
        while tg.count("getUpdates") == 0:
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start:\n{log.read_text(errors='replace')[-3000:]}")
            await asyncio.sleep(0.05)
        started_rss = _rss_mb(process.pid)
        await drive()
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 120)
    report = json.loads(report_path.read_text())
    report["rss_after_start_mb"] = started_rss
    return report


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def measure(large: int, conversations: int, active: int, keep: bool) -> dict:
    url = await prepare("sqlite", large, keep)
    await seed_conversations(url, conversations)
    with tempfile.TemporaryDirectory(prefix="memory_", dir=RESULTS) as workdir:
        workdir = Path(workdir)
        # The floor: the same process, idle, on an empty database.
        empty = await migrate(f"sqlite:///{workdir / 'empty.db'}")
        async with FakeTelegram(keep_requests=False) as tg:
            someone = tg.user("Ana", user_id=8_999_999)

            async def hello():
                await someone.send("/start")
                await someone.wait_for_reply(timeout=30)

            floor = await _run_bot(tg, empty, workdir, "floor", hello)

        async with FakeTelegram(keep_requests=False) as tg:
            people = [tg.user(f"Cliente{i}", user_id=FIRST_TELEGRAM_ID + i, started=True) for i in range(conversations)]
            updates = 0

            async def finish(person, i: int) -> None:
                nonlocal updates
                await person.send(f"Infiltração na parede do quarto da unidade {FIRST_CUSTOMER + i}, desde ontem")
                [summary] = await person.wait_for_reply(timeout=ANSWER_TIMEOUT)
                assert "Confira" in summary.text, summary.text
                await person.press("n:ok")
                answers = await person.wait_for_reply(timeout=ANSWER_TIMEOUT, count=2)
                assert "registrado" in answers[-1].text, answers[-1].text
                await person.send("/meus")
                [listing] = await person.wait_for_reply(timeout=ANSWER_TIMEOUT)
                assert "Nº" in listing.text, listing.text
                updates += 3

            async def drive():
                await asyncio.gather(*(finish(people[i], i) for i in range(active)))

            loaded = await _run_bot(tg, url, workdir, "loaded", drive)
    database = connect(url)
    try:
        async with database.engine.connect() as connection:
            tickets = (await connection.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
        await unseed(database, conversations)
    finally:
        await database.dispose()
    return {
        "tickets": tickets, "conversations": conversations, "active": active, "updates": updates,
        "peak_rss_mb": loaded["peak_rss_mb"], "rss_after_start_mb": loaded["rss_after_start_mb"],
        "floor_peak_rss_mb": floor["peak_rss_mb"], "floor_rss_after_start_mb": floor["rss_after_start_mb"],
    }


def report(r: dict) -> str:
    return (f"Memory: bot process on {r['tickets']:,} atendimentos with {r['conversations']:,} conversations in progress "
            f"({r['active']} finishing them, {r['updates']} updates): peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(after start-up {r['rss_after_start_mb']:.0f} MB); the same bot idle on an empty database: peak "
            f"{r['floor_peak_rss_mb']:.0f} MB")


async def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=500)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    result = await measure(args.large, args.conversations, args.active, args.keep)
    print(report(result), flush=True)
    save("memory", result)
    return result


if __name__ == "__main__":
    asyncio.run(main())
