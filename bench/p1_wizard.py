"""P1 — wizard throughput: N customers at once each link their phone, run the whole /novo wizard and /meus, through
the fake Bot API HTTP server, against our bot (the real Application, `bot.runner.run_bot`, long polling, SQLite) and
against a bare python-telegram-bot bot that answers every update with one constant sendMessage — the same updates,
side by side in alternating rounds.

Each bot runs in its own process; the fake server and the simulated customers in this one (its CPU use is printed,
to show it is not the bottleneck). Goal: our updates/s ≥ 0.6 × the bare bot's (python-telegram-bot's defaults:
one update at a time). Also measured: the bare bot with concurrent updates (64), as ours handles them — what
python-telegram-bot itself manages once updates overlap. When the goal fails, py-spy profiles both bots.
    python -m bench.p1_wizard [--customers 200] [--rounds 2] [--profile]
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
from bench.wizard_world import UPDATES_PER_JOURNEY, catalogue, journey, person
from storage.database import connect
from storage.migrate import upgrade
from tests.support.catalogue import load_catalogue
from tests.support.delivery import cli_env
from sandbox.emulator import FakeTelegram

GOAL = 0.6
PROFILE_SECONDS = 8  # of the ~13 s our bot takes: the linking and the wizard
PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent


async def _prepare_database(path: Path, customers: int) -> str:
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


async def one_run(kind: str, customers: int, workdir: Path, *, profile_seconds: float = 0, label: str = "") -> dict:
    """One round: a fresh fake server, a fresh bot process (and database, for ours), N customers at once."""
    async with FakeTelegram(keep_requests=False) as tg:
        people = [person(tg, index) for index in range(customers)]
        env_settings = {"log_level": "WARNING"}
        args = ["-m", "bench.bot_process", "--report", str(workdir / f"{kind}{label}.json")]
        if kind == "ours":
            database_url = await _prepare_database(workdir / f"p1{label}.db", customers)
        else:
            database_url = f"sqlite:///{workdir / 'unused.db'}"
            args.append("--bare")
            if kind == "bare_concurrent":
                args += ["--concurrent", "64"]
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
            sent = await asyncio.gather(*(journey(tg, p, i, bare=kind != "ours") for i, p in enumerate(people)))
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
        }


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
    args = parser.parse_args(argv)
    result = await measure(args.customers, args.rounds, kinds=tuple(args.kinds.split(",")),
                           profile=True if args.profile else None)
    print(report(result), flush=True)
    save("p1_wizard", result)
    return result


if __name__ == "__main__":
    asyncio.run(main())
