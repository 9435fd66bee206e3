"""What every benchmark shares: databases to measure on, a query counter, and side-by-side timing."""
from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

RESULTS = Path(__file__).resolve().parent / "results"  # gitignored: raw results, work files, profiles
RESULTS.mkdir(parents=True, exist_ok=True)
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine() -> dict:
    import sqlite3

    import sqlalchemy
    import telegram

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": _memory_gb(),
        "machine": platform.machine(),
        "system": platform.platform(terse=True),
        "sqlite": sqlite3.sqlite_version,
        "python_telegram_bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


async def postgres_version() -> str | None:
    import asyncpg
    from sqlalchemy.engine import make_url

    try:
        dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncio.wait_for(asyncpg.connect(dsn), 5)
        try:
            return (await connection.fetchval("SHOW server_version")).split()[0]
        finally:
            await connection.close()
    except Exception:  # noqa: BLE001
        return None


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **result}, indent=2, ensure_ascii=False, default=str))
    return path


class QueryCounter:
    """Counts the SQL statements an engine runs (to show there is no N+1)."""

    def __init__(self, engine) -> None:
        self.count = 0
        self._engine = engine.sync_engine

        @event.listens_for(self._engine, "before_cursor_execute")
        def _count(*_args, **_kwargs) -> None:
            self.count += 1

        self._listener = _count

    @contextmanager
    def counting(self):
        start = self.count
        box = {"queries": 0}
        yield box
        box["queries"] = self.count - start


async def interleaved(
    runs: dict[str, Callable[[], Awaitable[object]]], *, rounds: int = 7, repeat: int = 20
) -> dict[str, float]:
    """Median seconds per call of each runner, measured in alternating rounds so that the machine's noise falls
    on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            for _ in range(repeat):
                await run()
            samples[name].append((time.perf_counter() - started) / repeat)
    return {name: statistics.median(values) for name, values in samples.items()}


def pg_database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_URL).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


async def pg_admin(*statements: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _drop(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'  # FORCE: a run that failed may have left connections


async def pg_drop(name: str) -> None:
    await pg_admin(_drop(name))


async def pg_recreate(name: str) -> str:
    """An empty PostgreSQL database `name` (whatever an earlier run left is dropped); returns its URL."""
    await pg_admin(_drop(name), f'CREATE DATABASE "{name}"')
    return pg_database_url(name)


async def migrate(url: str) -> str:
    """Brings the database at `url` to the newest schema; returns the URL, to chain after pg_recreate."""
    from storage.migrate import upgrade_url

    await upgrade_url(url)
    return url


async def pg_available() -> bool:
    try:
        await asyncio.wait_for(pg_admin("SELECT 1"), 5)
        return True
    except Exception:  # noqa: BLE001
        return False


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def each_backend(name: str, label: str, backends: str, measure: Callable[[str], Awaitable[dict]],
                       report: Callable[[dict], str]) -> dict:
    """A benchmark's command line: `measure` on each backend of "sqlite,postgresql" (PostgreSQL skipped when it is
    not reachable), each result printed, all saved as results/`name`.json."""
    results = []
    for backend in backends.split(","):
        if backend == "postgresql" and not await pg_available():
            print(f"{label} postgresql: PostgreSQL not reachable, skipped")
            continue
        result = await measure(backend)
        print(report(result), flush=True)
        results.append(result)
    save(name, {"results": results})
    return {"results": results}
