"""A bot process for the benchmarks: the product's own `atendimento run --no-jobs` (bot.runner.run_bot, the real
Application from bot/app.py in long polling) — or, with --bare, the baseline: a bare python-telegram-bot bot that
answers every update with one constant sendMessage. Settings come from the environment, as for `atendimento`.

On SIGTERM it stops and writes --report: its peak RSS (VmHWM), CPU seconds and the updates it handled.
    python -m bench.bot_process --report out.json [--bare] [--concurrent N]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import time
from pathlib import Path


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_bare(settings, stop: asyncio.Event, concurrent: int) -> None:
    from telegram import Update
    from telegram.ext import Application, TypeHandler

    async def answer(update: object, context) -> None:
        if isinstance(update, Update) and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, "Recebido.")

    builder = Application.builder().token(settings.token()).base_url(settings.bot_api_base_url)
    if concurrent > 1:
        builder = builder.concurrent_updates(concurrent)
    application = builder.build()
    application.add_handler(TypeHandler(Update, answer))
    async with application:
        await application.start()
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", required=True)
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--concurrent", type=int, default=1, help="the bare bot's concurrent updates (1: PTB's default)")
    parser.add_argument("--cprofile", help="write a cProfile of the main thread here")
    args = parser.parse_args(argv)
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()

    from bot.logs import configure_logging
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    rss_at_start = rss_mb()
    if profiler is not None:
        profiler.enable()
    if args.bare:
        await run_bare(settings, stop, args.concurrent)
    else:
        from bot.runner import run_bot

        await run_bot(settings, jobs=False, stop=stop)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    Path(args.report).write_text(json.dumps({
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_at_start_mb": round(rss_at_start, 1),
        "cpu_seconds": round(cpu_seconds(), 2),
        "wall_seconds": round(time.monotonic() - started, 2),
    }))


if __name__ == "__main__":
    asyncio.run(main())
