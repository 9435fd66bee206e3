"""`atendimento sandbox` (and `make run` without a token): the Telegram emulator, the demo's people in it, the web page,
and the real bot against the emulator through TELEGRAM_BASE_URL — `run_bot`, the code path of `atendimento run`, jobs
included — on a demo database of its own. Ctrl-C stops everything.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import SecretStr

from bot.runner import _stop_on_signals
from bot.settings import Settings
from sandbox.emulator import FakeTelegram
from sandbox.emulator.methods.commands import menu_for
from sandbox.page import SandboxPage
from sandbox.people import SandboxWorld, populate, prepare_database
from storage.database import connect

SANDBOX_DATABASE = Path("data") / "sandbox.db"
DEFAULT_PORT = 8080
BOT_USERNAME = "atendimento_sandbox_bot"
BOT_START_TIMEOUT = 60.0


class SandboxError(Exception):
    """One sentence for the operator."""


def sandbox_settings(settings: Settings, tg: FakeTelegram, database_url: str) -> Settings:
    """The operator's settings, with the emulator as Telegram (a generated token of the real shape), the sandbox's
    database, and demo mode on (the page's staff group is adopted the way a demo installation adopts one)."""
    return settings.model_copy(update={
        "telegram_bot_token": SecretStr(tg.token), "telegram_base_url": tg.url, "telegram_bot_username": None,
        "database_url": database_url, "demo_mode": True, "webhook_url": None,
    })


async def run_sandbox(
    settings: Settings,
    *,
    port: int = DEFAULT_PORT,
    database_url: str | None = None,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[SandboxPage], Awaitable[None] | None] | None = None,
) -> None:
    """Runs until `stop` is set (Ctrl-C sets it). `on_ready` is called once the bot is polling and the staff group
    holds it (the default prints where to open the page)."""
    from bot.runner import run_bot

    if database_url is None:
        SANDBOX_DATABASE.parent.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{SANDBOX_DATABASE}"
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    polling = asyncio.Event()
    tg = FakeTelegram(bot_username=BOT_USERNAME, keep_requests=False, flood_control=True)  # as strict as Telegram
    # Polling begins with deleteWebhook (then getUpdates, which answers only when there is something or it times out).
    tg.listeners.append(lambda method: polling.set() if method.lower() in ("deletewebhook", "getupdates") else None)
    page: SandboxPage | None = None
    await tg.start()
    try:
        database = connect(database_url)
        try:
            world = populate(tg, await prepare_database(database))
        finally:
            await database.dispose()
        page = SandboxPage(world, port=port)
        try:
            await page.start()
        except OSError as exc:
            raise SandboxError(f"Não consegui abrir a página em 127.0.0.1:{port} ({exc.strerror or exc}); "
                               "a porta está em uso? Escolha outra com --port.") from None
        if stop.is_set():
            return
        announce = asyncio.create_task(_when_polling(world, page, polling, on_ready or _print_address))
        try:
            await run_bot(sandbox_settings(settings, tg, database_url), stop=stop)
        finally:
            announce.cancel()
    finally:
        if page is not None:
            await page.close()
        await tg.close()


async def _when_polling(world: SandboxWorld, page: SandboxPage, polling: asyncio.Event,
                        on_ready: Callable[[SandboxPage], Awaitable[None] | None]) -> None:
    await asyncio.wait_for(polling.wait(), BOT_START_TIMEOUT)
    await world.add_bot_to_group()
    # Ready when the staff group shows the staff commands: the bot adopted it (first start) or knows it already.
    group = world.group.chat
    await _until(world.tg, lambda: bool(menu_for(world.tg, group.id, next(iter(world.staff), None))),
                 BOT_START_TIMEOUT)
    result = on_ready(page)
    if result is not None:
        await result


async def _until(tg: FakeTelegram, condition: Callable[[], bool], timeout: float) -> None:
    """Until `condition` holds, checked after each request the bot makes."""
    changed = asyncio.Event()

    def listener(method: str) -> None:
        changed.set()

    tg.listeners.append(listener)
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await changed.wait()
                changed.clear()
    finally:
        tg.listeners.remove(listener)


def _print_address(page: SandboxPage) -> None:
    print(
        "\nSandbox do Atendimento: o bot de verdade conversando com um Telegram simulado, sem token.\n"
        f"Abra {page.url} no navegador. Banco de demonstração: {SANDBOX_DATABASE}. Ctrl-C para parar.\n",
        flush=True,
    )
