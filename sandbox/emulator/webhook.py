"""Webhook mode: while a webhook is set, updates are POSTed to it one at a time, oldest first, with the header
X-Telegram-Bot-Api-Secret-Token; an update leaves the queue only when the webhook answers 2xx (else it is retried, and
getWebhookInfo reports the last error)."""
from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp

from sandbox.emulator.bot_account import BotAccount, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    def __init__(self, bot: BotAccount, config: WebhookConfig, *, retry_delay: float, clock=time.time):
        self.bot = bot
        self.config = config
        self.retry_delay = retry_delay
        self.clock = clock
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        queue = self.bot.updates
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers[SECRET_HEADER] = self.config.secret_token
        failures = 0
        while not self._stopping:
            pending = queue.take(1)
            if not pending:
                if await queue.wait(3600) == "closed":
                    return
                continue
            update = pending[0]
            error = await self._post(update, headers)
            if error is None:
                queue.confirm(update["update_id"] + 1)
                self.config.deliveries += 1
                failures = 0
                continue
            failures += 1
            self.config.last_error_date = int(self.clock())
            self.config.last_error_message = error
            await asyncio.sleep(min(self.retry_delay * 2 ** min(failures - 1, 6), 5.0))

    async def _post(self, update: dict, headers: dict[str, str]) -> str | None:
        try:
            async with self._session.post(self.config.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return f"Connection failed: {exc.__class__.__name__}"
