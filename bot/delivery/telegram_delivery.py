"""The delivery job: claims batches from the outbox and sends them to Telegram within its limits.

Guarantees (see README, "Entrega"): nothing is marked delivered before Telegram accepted it; each chat gets its
notifications in the order they were recorded, ≤ 1 message a second in a private chat and ≤ 20 a minute in a group;
all workers together stay under 30 messages a second. A 429 waits `retry_after`; 5xx, timeouts and network errors
retry with exponential backoff and jitter; 403 parks the rows (and a blocked customer is marked unreachable and the
staff group told, once); any other 400 parks the rows with Telegram's description and reports it. The only possible
repeat is a send in flight when a worker dies (Telegram has no idempotency key): at most one message per chat.
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.delivery.budget import SendBudget
from bot.delivery.render import render_batch
from bot.logs import fields
from bot.services import Services
from bot.texts.format import split_message
from domain.notifications import Audience
from storage.delivery_queue import ClaimedBatch, DeliveryQueue

log = logging.getLogger(__name__)

PRIVATE_SPACING = timedelta(seconds=1.05)  # Telegram: about one message a second per private chat
GROUP_SPACING = timedelta(seconds=3.1)  # Telegram: 20 messages a minute per group
NO_GROUP_RETRY = timedelta(seconds=60)  # pendências wait for a staff group to be configured
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0
TELEGRAM_AUDIENCES = (Audience.CUSTOMER.value, Audience.STAFF_GROUP.value, Audience.STAFF_USER.value)


def backoff(attempts: int) -> float:
    """Seconds before retry number `attempts + 1`: exponential, capped, with ±25 % jitter."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempts, 20))
    return delay * random.uniform(0.75, 1.25)


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int | None
    thread_id: int | None = None
    spacing: timedelta = PRIVATE_SPACING
    skip_reason: str | None = None  # nobody to send to: the rows are marked skipped
    park_reason: str | None = None  # known to fail: parked without trying
    wait: timedelta | None = None  # not yet possible: tried again later


class TelegramDelivery:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        worker: str,
        *,
        budget: SendBudget | None = None,
        concurrency: int = 40,
        queues_per_claim: int = 60,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.services = services
        self.bot = bot
        self.worker = worker
        self.queue = DeliveryQueue(services.database, services.clock)
        self.budget = budget or SendBudget(self.queue)
        self.concurrency = asyncio.Semaphore(concurrency)
        self.queues_per_claim = queues_per_claim
        self.lease = lease
        self.stopping = False

    async def run_once(self) -> int:
        """One cycle: claim, send every batch (different chats at once), record. Returns the batches delivered."""
        if self.stopping:
            return 0
        batches = await self.queue.claim(
            self.worker, queues=self.queues_per_claim, lease=self.lease, audiences=TELEGRAM_AUDIENCES
        )
        if not batches:
            return 0
        config = await self.services.customers.config()
        results = await asyncio.gather(*(self._deliver(batch, config) for batch in batches))
        return sum(results)

    async def stop(self) -> None:
        """SIGTERM: no new sends; whatever this worker still holds goes back to the queue."""
        self.stopping = True
        await self.queue.release(self.worker)

    # --- one batch ----------------------------------------------------------------------------------------------
    async def _target(self, batch: ClaimedBatch, config) -> Target:
        audience = Audience(batch.head.audience)
        if audience is Audience.STAFF_GROUP:
            if config.staff_chat_id is None:
                return Target(None, wait=NO_GROUP_RETRY)
            return Target(config.staff_chat_id, config.staff_thread_id, GROUP_SPACING)
        async with self.services.uow() as uow:
            if audience is Audience.CUSTOMER:
                customer = await uow.customers.get(batch.head.recipient_id)
                if customer is None or customer.telegram_user_id is None:
                    return Target(None, skip_reason="cliente sem conta do Telegram vinculada")
                if customer.unreachable:
                    return Target(customer.telegram_user_id, park_reason="cliente bloqueou o bot")
                return Target(customer.telegram_user_id)
            staff = await uow.catalogue.staff_by_id(batch.head.recipient_id)
            if staff is None or staff.telegram_user_id is None:
                return Target(None, skip_reason="usuário sem Telegram vinculado")
            return Target(staff.telegram_user_id)

    async def _deliver(self, batch: ClaimedBatch, config) -> int:
        async with self.concurrency:
            try:
                return await self._deliver_batch(batch, config)
            except Exception as exc:  # noqa: BLE001 - one bad batch must not stop the others
                log.exception(fields(event="delivery_error", queue=batch.queue, outbox_ids=batch.ids))
                await self.queue.retry_later(batch.ids, self._in(backoff(batch.head.attempts)), type(exc).__name__)
                return 0

    def _in(self, seconds: float):
        return self.services.clock.now() + timedelta(seconds=seconds)

    async def _deliver_batch(self, batch: ClaimedBatch, config) -> int:
        target = await self._target(batch, config)
        if target.skip_reason:
            await self.queue.skip(batch.ids, target.skip_reason)
            log.info(fields(event="skipped", queue=batch.queue, outbox_ids=batch.ids))
            return 0
        if target.wait is not None:
            await self.queue.retry_later(batch.ids, self.services.clock.now() + target.wait, "aguardando", count_attempt=False)
            return 0
        if target.park_reason:
            await self.queue.park(batch.ids, target.park_reason, chat_id=target.chat_id)
            log.info(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, reason="unreachable"))
            return 0
        text, keyboard = render_batch(batch, self.services.zone)
        parts = split_message(text)
        try:
            for index, part in enumerate(parts):
                if self.stopping:
                    raise asyncio.CancelledError
                await self.budget.acquire()
                await self.bot.send_message(
                    target.chat_id,
                    part,
                    parse_mode="HTML",
                    reply_markup=keyboard if index == len(parts) - 1 else None,
                    message_thread_id=target.thread_id,
                )
        except asyncio.CancelledError:
            await self.queue.retry_later(batch.ids, self.services.clock.now(), "interrompido", count_attempt=False)
            raise
        except RetryAfter as exc:
            wait = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else float(exc.retry_after)
            self.budget.pause(wait)
            await self.queue.retry_later(batch.ids, self._in(wait + 0.1), f"429 retry_after={wait}", count_attempt=False)
            log.warning(fields(event="flood_wait", queue=batch.queue, retry_after=wait))
            return 0
        except ChatMigrated as exc:
            if Audience(batch.head.audience) is Audience.STAFF_GROUP:
                await self.services.incidents.staff_group_moved(target.chat_id, exc.new_chat_id)
            await self.queue.retry_later(batch.ids, self.services.clock.now(), "grupo migrou", count_attempt=False)
            log.info(fields(event="chat_migrated", old=target.chat_id, new=exc.new_chat_id))
            return 0
        except Forbidden as exc:
            await self._forbidden(batch, target, exc)
            return 0
        except BadRequest as exc:
            await self.queue.park(batch.ids, f"400 {exc.message}", chat_id=target.chat_id)
            await self.services.incidents.delivery_parked(
                batch.queue, exc.message, batch.head.ticket_id,
                group_is_broken=Audience(batch.head.audience) is Audience.STAFF_GROUP,
            )
            log.error(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, error="bad_request"))
            return 0
        except (TimedOut, NetworkError, TelegramError) as exc:
            delay = backoff(batch.head.attempts)
            await self.queue.retry_later(batch.ids, self._in(delay), f"{type(exc).__name__}: {exc}")
            log.warning(fields(event="retry", queue=batch.queue, attempts=batch.head.attempts + 1, delay=round(delay, 1),
                               error=type(exc).__name__))
            return 0
        await self.queue.delivered(batch, self.worker, chat_id=target.chat_id, spacing=target.spacing)
        log.info(fields(event="delivered", queue=batch.queue, outbox_ids=batch.ids, chat_id=target.chat_id))
        return 1

    async def _forbidden(self, batch: ClaimedBatch, target: Target, exc: Forbidden) -> None:
        await self.queue.park(batch.ids, f"403 {exc.message}", chat_id=target.chat_id)
        audience = Audience(batch.head.audience)
        if audience is Audience.CUSTOMER:
            await self.services.incidents.customer_unreachable(batch.head.recipient_id)
        elif audience is Audience.STAFF_GROUP:
            await self.services.incidents.delivery_parked(batch.queue, exc.message, batch.head.ticket_id, group_is_broken=True)
        log.warning(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, error="forbidden"))
