"""The real bot — python-telegram-bot's Application with every handler, our persistence and services — running in
the test's event loop against the fake Telegram server, in long polling, on a test database.

    async with FakeTelegram() as tg, running_bot(tg, database_url) as bot:
        ana = tg.user("Ana", phone="+5511999990001")
        await ana.send("/start")

`bot.services` is the same Services object the handlers use; `bot.deliver()` runs the delivery job once (tests
decide when notifications go out); `bot.restart()` throws the Application away as a crash would and starts a new one
on the same database.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.app import build_application, start_application
from bot.services import Services
from bot.settings import Settings, load_settings
from domain.clock import Clock, SystemClock
from storage import tables
from storage.database import Database, connect
from tests.support.catalogue import FIXTURES, TEST_SECRET_KEY, load_catalogue
from sandbox.emulator import FakeTelegram

E2E_CATALOGUE = FIXTURES / "e2e.yaml"
POLL_TIMEOUT = 1  # seconds a getUpdates may hang: keeps stopping the bot quick

# The people of tests/fixtures/catalogues/e2e.yaml.
ANA_PHONE = "+5511999990001"
BRUNO_PHONE = "+5521988880002"
CARLA_PHONE = "+5541977770003"
DIEGO_PHONE = "+5531966660004"
BAKERY_PHONE = "+5511955550005"
JOAO_ID, MARIA_ID, ADMIN_ID = 5001, 5002, 5003


def test_settings(tg: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": tg.token,
        "telegram_base_url": tg.base_url,
        "database_url": database_url,
        "timezone": "America/Sao_Paulo",
        "company_name": "Construtora Horizonte",
        "log_level": "WARNING",
        "atendimento_secret_key": TEST_SECRET_KEY,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class RunningBot:
    tg: FakeTelegram
    settings: Settings
    database: Database
    clock: Clock
    application: Any = None
    services: Services = None
    _work: Any = field(default=None, repr=False)

    async def start(self) -> None:
        self.services = Services.build(self.settings, self.database, self.clock)
        self.application = build_application(self.services)
        await start_application(self.application)
        await self.application.updater.start_polling(timeout=POLL_TIMEOUT, poll_interval=0)

    async def stop(self, *, graceful: bool = True) -> None:
        app = self.application
        if app is None:
            return
        self.application = None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if graceful:
            await app.shutdown()
        if self._work is not None:
            await self._work.stop()
            await self._work.telegram.bot.shutdown()
            self._work = None

    async def restart(self) -> None:
        """As after a crash: nothing is flushed by the old Application (write-through persistence must suffice)."""
        await self.stop(graceful=False)
        await self.start()

    # --- the work behind the chat, run when a test says so ------------------------------------------------------
    async def work(self):
        if self._work is None:
            from bot.jobs.work import Work
            from bot.runner import delivery_bot

            sender = delivery_bot(self.settings)
            await sender.initialize()
            self._work = Work(self.services, sender, worker="test-worker")
        return self._work

    async def deliver(self) -> int:
        """Runs the delivery job until nothing is due (the change feed first, as the scheduler would)."""
        work = await self.work()
        await work.feed_changes()
        return await work.deliver()

    # --- configuration ----------------------------------------------------------------------------------------------
    async def configure(self, **values: Any) -> None:
        """Changes the Configuração de Atendimento (e.g. staff_chat_id=group.id, mode="register_only")."""
        async with self.database.engine.begin() as connection:
            await connection.execute(update(tables.service_config).where(tables.service_config.c.id == 1).values(**values))


@asynccontextmanager
async def running_bot(
    tg: FakeTelegram,
    database_url: str,
    *,
    catalogue: Path | dict | None = E2E_CATALOGUE,
    clock: Clock | None = None,
    **settings: Any,
):
    database = connect(database_url)
    if catalogue is not None:
        await load_catalogue(database, catalogue)
    bot = RunningBot(tg, test_settings(tg, database_url, **settings), database, clock or SystemClock())
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        await database.dispose()


async def settle(seconds: float = 0.05) -> None:
    await asyncio.sleep(seconds)
