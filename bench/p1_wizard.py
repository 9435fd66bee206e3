"""P1 — wizard throughput: N customers at once each link their phone, run the whole /novo wizard and /meus, through
the fake Bot API HTTP server, against our bot (the real Application, `bot.runner.run_bot`, long polling, SQLite) and
against a bare python-telegram-bot bot that answers every update with one constant sendMessage — the same updates,
side by side in alternating rounds.

Each bot runs in its own process; the fake server and the simulated customers in this one (its CPU use is printed,
to show it is not the bottleneck). Goal: our updates/s ≥ 0.6 × the bare bot's (python-telegram-bot's defaults:
one update at a time). Also measured: the bare bot with concurrent updates (64), as ours handles them — what
python-telegram-bot itself manages once updates overlap. When the goal fails, py-spy profiles both bots.

`--load 50` measures latency instead: updates offered at 50 a second, spread evenly over time (customer i's step k at
(i + k × customers) / 50 s, or as soon as its previous answer came), and the p50/p95 time from sending each step to
its last answer, per step, for each bot (goal: p95 ≤ 150 ms for ours), on `--backend sqlite|postgresql`.
    python -m bench.p1_wizard [--customers 200] [--rounds 2] [--profile] [--load 50 [--backend postgresql]]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, save
from bench.wizard_world import UPDATES_PER_JOURNEY, catalogue, journey, person, steps
from storage.database import connect
from storage.migrate import upgrade
from tests.support.catalogue import load_catalogue
from tests.support.delivery import cli_env
from sandbox.emulator import FakeTelegram

GOAL = 0.6
LATENCY_GOAL_MS = 150  # p95 of one step at the offered load
PROFILE_SECONDS = 8  # of the ~13 s our bot takes: the linking and the wizard
PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent


async def _prepare_database(path: Path, customers: int, backend: str | None = None) -> str:
    """A fresh database with the bench's catalogue: SQLite at `path`, or a PostgreSQL one (recreated)."""
    if backend == "postgresql":
        from bench.common import pg_recreate

        url = await pg_recreate("atd_bench_p1_load")
    else:
        url = f"sqlite:///{path}"
    database = connect(url)
    try:
        await upgrade(database)
        await load_catalogue(database, catalogue(customers))
    finally:
        await database.dispose()
    return url


def _thread_cpu(pid: int) -> dict:
    """CPU seconds of the bot's main thread and of all its other threads (the database drivers' threads)."""
    import psutil

    threads = psutil.Process(pid).threads()
    main = next((t for t in threads if t.id == pid), None)
    main_cpu = (main.user_time + main.system_time) if main else 0.0
    return {"main": round(main_cpu, 2), "main_system": round(main.system_time, 2) if main else 0.0,
            "others": round(sum(t.user_time + t.system_time for t in threads) - main_cpu, 2), "count": len(threads)}


def _cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


async def _wait_polling(tg: FakeTelegram, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 60
    while tg.count("getUpdates") == 0:
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start polling:\n{log.read_text(errors='replace')[-3000:]}")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # post_init's menus and the first long poll are under way


async def _py_spy(pid: int, seconds: float, output: Path) -> asyncio.subprocess.Process | None:
    spy = shutil.which("py-spy") or str(Path(PYTHON).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    return await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200", "--format", "raw",
        "--output", str(output), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def one_run(kind: str, customers: int, workdir: Path, *, profile_seconds: float = 0, label: str = "",
                  load: float | None = None, backend: str | None = None) -> dict:
    """One round: a fresh fake server, a fresh bot process (and database, for ours), N customers at once — or, with
    `load`, arriving at that many updates a second."""
    async with FakeTelegram(keep_requests=False) as tg:
        people = [person(tg, index) for index in range(customers)]
        env_settings = {"log_level": "WARNING"}
        args = ["-m", "bench.bot_process", "--report", str(workdir / f"{kind}{label}.json")]
        if kind.startswith("ours"):
            database_url = await _prepare_database(workdir / f"p1{label}_{kind}.db", customers, backend)
        else:
            database_url = f"sqlite:///{workdir / 'unused.db'}"
            args.append("--bare")
            if kind == "bare_concurrent":
                args += ["--concurrent", "64"]
        if kind == "ours_stock_aiosqlite":  # storage/sqlite_driver.py off: what it earns
            env_settings["atendimento_sqlite_one_trip"] = "0"
        if kind == "ours_httpx":  # python-telegram-bot's own httpx instead of bot/telegram_request.py's aiohttp
            env_settings["atendimento_http_client"] = "httpx"
        env = cli_env(tg, database_url, **env_settings)
        log = workdir / f"{kind}{label}.log"
        with open(log, "wb") as output:
            process = await asyncio.create_subprocess_exec(PYTHON, *args, env=env, cwd=ROOT, stdout=output,
                                                           stderr=output)
        try:
            await _wait_polling(tg, process, log)
            spy = None
            if profile_seconds:
                spy = await _py_spy(process.pid, profile_seconds, workdir / f"{kind}{label}.pyspy.txt")
            bot_cpu, own_cpu = _cpu(process.pid), time.process_time()
            started = time.monotonic()
            latencies: list[tuple[int, float]] = []
            schedules = [None] * customers
            if load:
                start = started + 0.1
                schedules = [[start + (i + k * customers) / load for k in range(UPDATES_PER_JOURNEY)]
                             for i in range(customers)]
            sent = await asyncio.gather(*(journey(tg, p, i, bare=not kind.startswith("ours"), offered_at=schedules[i],
                                                  latencies=latencies) for i, p in enumerate(people)))
            elapsed = time.monotonic() - started
            bot_cpu, own_cpu = _cpu(process.pid) - bot_cpu, time.process_time() - own_cpu
            threads = _thread_cpu(process.pid)
            if spy is not None:
                await spy.wait()
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), 60)
        report = json.loads((workdir / f"{kind}{label}.json").read_text())
        errors = [r for r in tg.errors if r.status != 429]
        return {
            "kind": kind, "customers": customers, "updates": sum(sent), "seconds": round(elapsed, 2),
            "updates_per_second": round(sum(sent) / elapsed, 1),
            "bot_cpu_share": round(bot_cpu / elapsed, 2),  # of one core
            "fake_server_cpu_share": round(own_cpu / elapsed, 2),
            "requests": tg.count(), "client_errors": len(errors), "peak_rss_mb": report["peak_rss_mb"],
            "thread_cpu_seconds": threads, "requests_by_method": dict(tg.log.counts),
            "latency_ms": latency_table(latencies),
        }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def latency_table(latencies: list[tuple[int, float]]) -> dict:
    """p50/p95 in ms per step (by its label) and over all steps."""
    labels = [f"{s.action} {s.value}".strip()[:24] for s in steps(0)]
    table = {}
    for number, label in enumerate(labels):
        values = [seconds * 1000 for n, seconds in latencies if n == number]
        if values:
            table[f"{number + 1:>2} {label}"] = (round(_percentile(values, 0.5)), round(_percentile(values, 0.95)))
    every = [seconds * 1000 for _, seconds in latencies]
    if every:
        table["all steps"] = (round(_percentile(every, 0.5)), round(_percentile(every, 0.95)))
    return table


async def measure_latency(customers: int, load: float, *, backend: str = "sqlite", rounds: int = 1,
                          kinds: tuple[str, ...] = ("bare", "ours")) -> dict:
    """The bots at the same offered load, alternating, `rounds` times."""
    workdir = Path(tempfile.mkdtemp(prefix="p1_load_", dir=RESULTS))
    runs = []
    try:
        for round_ in range(rounds):
            for kind in kinds:
                run = await one_run(kind, customers, workdir, label=f"_load{round_}", load=load, backend=backend)
                runs.append(run)
                p50, p95 = run["latency_ms"]["all steps"]
                print(f"  P1 at {load:g} updates/s, round {round_ + 1} {kind:<5} p50 {p50} ms, p95 {p95} ms "
                      f"(bot CPU {run['bot_cpu_share']:.0%})", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"customers": customers, "load": load, "database": backend, "runs": runs, "kinds": kinds}


def latency_report(result: dict) -> str:
    lines = [f"P1 latency at {result['load']:g} updates/s offered ({result['customers']} customers, "
             f"{result['database']}): p50 / p95 ms per step"]
    last = {run["kind"]: run for run in result["runs"]}
    labels = list(last["ours"]["latency_ms"])
    kinds = result.get("kinds", ("bare", "ours"))
    lines.append(f"  {'step':<28} " + " ".join(f"{k:>13}" for k in kinds))
    for label in labels:
        cells = [f"{last[k]['latency_ms'][label][0]:>5} / {last[k]['latency_ms'][label][1]:<5}"
                 if label in last[k]["latency_ms"] else "" for k in kinds]
        lines.append(f"  {label:<28} " + " ".join(f"{cell:>13}" for cell in cells))
    p95 = last["ours"]["latency_ms"]["all steps"][1]
    lines.append(f"  ours p95 {p95} ms  goal ≤ {LATENCY_GOAL_MS} ms  {'holds' if p95 <= LATENCY_GOAL_MS else 'FAILS'}")
    return "\n".join(lines)


CONVERSATION_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
                        "getUpdates")


def requests_per_update(run: dict) -> float:
    """HTTP requests to Telegram per update handled: the answers, plus the long polls that fetched the updates."""
    counts = run["requests_by_method"]
    return round(sum(counts.get(m, 0) for m in CONVERSATION_METHODS) / run["updates"], 2)


async def measure(customers: int, rounds: int, *, kinds=("bare", "bare_concurrent", "ours"),
                  once: tuple[str, ...] = (), profile: bool | None = None, workdir: Path | None = None) -> dict:
    """`profile`: py-spy profiles of one more run of each bot (None: only when the goal does not hold). `once`: kinds
    measured in the first round only (a reference, not the verdict)."""
    own = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="p1_", dir=RESULTS))
    runs: list[dict] = []
    profiles: dict = {}
    try:
        for round_ in range(rounds):
            for kind in kinds:
                if round_ and kind in once:
                    continue
                run = await one_run(kind, customers, workdir, label=f"_{round_}")
                run["requests_per_update"] = requests_per_update(run)
                print(f"  P1 round {round_ + 1} {kind:<15} {run['updates_per_second']:>7.1f} updates/s "
                      f"({run['updates']} in {run['seconds']} s; {run['requests_per_update']} requests/update; "
                      f"bot CPU {run['bot_cpu_share']:.0%}, fake server CPU {run['fake_server_cpu_share']:.0%})",
                      flush=True)
                runs.append(run)
        rates = {kind: statistics.median(r["updates_per_second"] for r in runs if r["kind"] == kind) for kind in kinds}
        ratio = rates["ours"] / rates["bare"]
        if profile or (profile is None and ratio < GOAL):
            for kind in ("bare", "ours"):
                await one_run(kind, customers, workdir, profile_seconds=PROFILE_SECONDS, label="_profile")
                path = workdir / f"{kind}_profile.pyspy.txt"
                if path.exists():
                    shutil.copy(path, RESULTS / f"p1_{kind}.pyspy.txt")
                    profiles[kind] = profile_categories(path)
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    ours = [r for r in runs if r["kind"] == "ours"]
    return {
        "customers": customers, "updates_per_customer": UPDATES_PER_JOURNEY, "rounds": rounds, "runs": runs,
        "rates": rates, "ratio": round(ratio, 2), "goal": GOAL, "holds": ratio >= GOAL,
        "ratio_to_concurrent": round(rates["ours"] / rates["bare_concurrent"], 2) if "bare_concurrent" in rates else None,
        "requests_per_update": {k: statistics.median(r["requests_per_update"] for r in runs if r["kind"] == k)
                                for k in kinds},
        "cpu_ms_per_update": {k: round(statistics.median(r["bot_cpu_share"] / r["updates_per_second"] * 1000
                                                         for r in runs if r["kind"] == k), 2) for k in kinds},
        "requests_by_method_ours": ours[-1]["requests_by_method"] if ours else {},
        "profiles": profiles,
    }


# What the bot's main thread was doing, by the innermost frame that names a part (py-spy, blocking samples).
CATEGORIES = [
    ("waiting (event loop idle)", r"EpollSelector\.select"),
    ("HTTP client (httpx, httpcore, anyio)", r"\((httpx|httpcore|h11|anyio|sniffio)/"),
    ("python-telegram-bot: JSON → objects", r"de_json|de_list"),
    ("python-telegram-bot: building requests", r"\(telegram/request/|Bot\._post|Bot\._do_post|_insert_defaults"),
    ("SQLAlchemy: ORM", r"\(sqlalchemy/orm/"),
    ("SQLAlchemy: statements, compilation, results", r"\(sqlalchemy/(sql|engine)/"),
    ("SQLAlchemy asyncio layer + database driver", r"\(sqlalchemy/|greenlet|\((aiosqlite|asyncpg)/|storage/sqlite_driver"),
    ("our code (bot/, domain/, storage/)", r"\((bot|domain|storage)/"),
    ("python-telegram-bot: dispatch, handlers, conversation", r"\(telegram/"),
    ("asyncio machinery (tasks, callbacks, transports)", r"\(asyncio/|selectors\.py"),
]


def profile_categories(path: Path) -> dict:
    import re

    counts: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack.startswith("_run_module_as_main"):  # the main thread only
            continue
        total += int(count)
        frames = stack.split(";")
        name = next((name for frame in reversed(frames) for name, rx in CATEGORIES if re.search(rx, frame)),
                    "other")
        counts[name] = counts.get(name, 0) + int(count)
    return {"samples": total, "shares": {k: round(v / max(total, 1), 3)
                                         for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}}


def report(result: dict) -> str:
    rates = result["rates"]
    lines = [f"P1 wizard throughput: {result['customers']} customers × {result['updates_per_customer']} updates, "
             f"median of {result['rounds']} rounds"]
    for kind, rate in rates.items():
        lines.append(f"  {kind:<15} {rate:>7.1f} updates/s  {result['requests_per_update'][kind]:.2f} requests/update"
                     f"  {result['cpu_ms_per_update'][kind]:.2f} ms CPU/update")
    lines.append(f"  ratio ours/bare {result['ratio']:.2f}  goal ≥ {GOAL}  {'holds' if result['holds'] else 'FAILS'}")
    if result.get("ratio_to_concurrent") is not None:
        lines.append(f"  (ours/bare with concurrent updates: {result['ratio_to_concurrent']:.2f})")
    for kind, prof in result["profiles"].items():
        top = ", ".join(f"{name} {share:.0%}" for name, share in list(prof["shares"].items())[:6])
        lines.append(f"  profile {kind}: {top}")
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kinds", default="bare,bare_concurrent,ours")
    parser.add_argument("--profile", action="store_true", help="profile even when the goal holds")
    parser.add_argument("--load", type=float, help="offered updates a second: measure latency per step instead")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"), help="our bot's database")
    args = parser.parse_args(argv)
    if args.load:
        kinds = tuple(k for k in args.kinds.split(",") if k != "bare_concurrent")
        result = await measure_latency(args.customers, args.load, backend=args.backend, rounds=args.rounds,
                                       kinds=kinds)
        print(latency_report(result), flush=True)
        save(f"p1_latency_{result['database']}", result)
        return result
    result = await measure(args.customers, args.rounds, kinds=tuple(args.kinds.split(",")),
                           profile=True if args.profile else None)
    print(report(result), flush=True)
    save("p1_wizard", result)
    return result


if __name__ == "__main__":
    asyncio.run(main())
