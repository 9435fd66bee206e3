"""`atendimento run`: the bot (long polling, or webhook) and, unless told otherwise, the jobs — in one event loop."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import build_application, start_application
from bot.logs import fields, register_secret
from bot.services import Services
from bot.settings import Settings, SettingsError
from bot.texts import bot_process as bot_process_texts
from domain.clock import Clock
from storage.bot_lease import BotLease, LeaseHeld, bot_lease
from storage.database import Database, connect
from storage.migrate import current_revision, head_revision

log = logging.getLogger(__name__)


class StartupError(Exception):
    """One sentence for the operator."""


async def ensure_migrated(database: Database) -> None:
    if await current_revision(database) != head_revision():
        raise StartupError("O banco de dados não está atualizado: rode `atendimento migrate` (ou use `make run`).")


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass


def delivery_bot(settings: Settings):
    """The Bot the delivery jobs send with: no rate limiter of its own (delivery paces itself, see SendBudget)."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    return Bot(
        settings.token(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
        request=HTTPXRequest(connection_pool_size=64, read_timeout=15, write_timeout=15, connect_timeout=10),
    )


async def run_worker(settings: Settings, *, database: Database | None = None, stop: asyncio.Event | None = None) -> None:
    """`atendimento worker`: only the jobs — delivery, e-mail, change feed, reminders — no updates."""
    from bot.jobs.scheduler import work_jobs

    register_secret(settings.token())
    own_database = database is None
    database = database or connect(settings.database_url)
    try:
        await ensure_migrated(database)
        services = Services.build(settings, database)
        stop = stop or asyncio.Event()
        _stop_on_signals(stop)
        bot = delivery_bot(settings)
        async with bot:
            scheduler, work = work_jobs(services, bot)
            scheduler.start()
            log.info(fields(event="worker_started", worker=work.worker))
            try:
                await stop.wait()
            finally:
                # In-flight sends finish first: APScheduler's shutdown would cancel the running jobs.
                scheduler.pause()
                await work.stop()
                scheduler.shutdown(wait=False)
    finally:
        if own_database:
            await database.dispose()


@contextlib.asynccontextmanager
async def one_bot_process(
    database: Database,
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[BotLease]:
    """Holds the bot lease (storage/bot_lease.py) for `run` and `sandbox`: another live bot process on this database
    makes it raise StartupError naming that process; losing the lease anyway sets `stop`, then raises StartupError.
    `clock` and `sleep` (the renewal's pause) are for tests."""
    lost = asyncio.Event()

    def on_lost() -> None:
        lost.set()
        stop.set()

    try:
        async with bot_lease(database, on_lost=on_lost, clock=clock, sleep=sleep) as lease:
            yield lease
    except LeaseHeld as held:
        raise StartupError(bot_process_texts.already_running(held.holder, settings.zone)) from None
    if lost.is_set():
        raise StartupError(bot_process_texts.LEASE_LOST)


async def run_bot(
    settings: Settings,
    *,
    webhook: bool = False,
    jobs: bool = True,
    database: Database | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    token = settings.token()
    register_secret(token)
    if settings.webhook_secret_token is not None:
        register_secret(settings.webhook_secret_token.get_secret_value())
    webhook_target = settings.webhook() if webhook else None
    own_database = database is None
    database = database or connect(settings.database_url)
    lease = contextlib.AsyncExitStack()
    try:
        await ensure_migrated(database)
        stop = stop or asyncio.Event()
        await lease.enter_async_context(one_bot_process(database, settings, stop))  # before any getUpdates
        services = Services.build(settings, database)
        application = build_application(services)
        _stop_on_signals(stop)
        try:
            await start_application(application)
        except InvalidToken:
            raise SettingsError(
                "O Telegram recusou o token: confira TELEGRAM_BOT_TOKEN no .env (copie de novo do @BotFather)."
            ) from None
        except NetworkError as exc:
            raise StartupError(
                f"Não consegui falar com o Telegram em {settings.telegram_base_url}: {exc.message}. "
                "Confira a rede ou TELEGRAM_BASE_URL."
            ) from None
        scheduler = None
        work = None
        try:
            if webhook_target is not None:
                url, secret = webhook_target
                await application.updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path=urlparse(url).path.lstrip("/"),
                    webhook_url=url,
                    secret_token=secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            from bot.jobs.scheduler import conversation_jobs, work_jobs

            scheduler = conversation_jobs(services, application.bot)
            if jobs:
                sender = delivery_bot(settings)
                await sender.initialize()
                _, work = work_jobs(services, sender, scheduler)
            scheduler.start()
            log.info(fields(event="started", mode="webhook" if webhook else "polling", jobs=jobs,
                            bot=application.bot.username))
            await stop.wait()
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.pause()  # in-flight sends finish first: shutdown would cancel the running jobs
            if work is not None:
                await work.stop()
                await work.telegram.bot.shutdown()
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=False)
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
            log.info(fields(event="stopped"))
    finally:
        try:
            await lease.aclose()  # released once nothing polls any more
        finally:
            if own_database:
                await database.dispose()
