"""The delivery job: claims batches from the outbox and sends them to Telegram within its limits.

Guarantees (see README, "Entrega das notificações"): nothing is marked delivered before Telegram accepted it; each
chat gets its notifications in the order they were recorded, ≤ 1 message a second in a private chat and ≤ 20 a minute
in a group; all workers together stay under DELIVERY_MESSAGES_PER_SECOND (≤ 30). A 429 waits `retry_after`; 5xx,
timeouts and network errors retry with exponential backoff and jitter; 403 parks the rows (a blocked customer is marked
unreachable and the staff group told, once; a group or staff member that refused is not tried again until
`outbox retry`); any other 400 parks the rows with Telegram's description and reports it. The only possible repeat is
a send in flight when a worker dies or times out (Telegram has no idempotency key): at most one message per chat.
A long message goes in parts, each accepted part recorded at once: a retry sends only the rest. A worker that finds
its claim gone (its lease ran out during a stalled send, and another worker took the rows) sends nothing more of it
and records nothing (storage.delivery_queue).

Every wait (between the parts of a message, for the send budget) is the services clock's (domain.clock.Timer), so
tests run the pace without sleeping real seconds.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.budget import SendBudget
from bot.delivery.render import render_batch
from bot.logs import fields
from bot.services import Services
from bot.texts import operator as texts
from bot.texts.format import split_message
from domain.clock import timer_of
from domain.notifications import Audience, InternalMessageNotice, PayloadError
from domain.pendencias import MessageKind
from storage.delivery_queue import ClaimedBatch, DeliveryQueue

log = logging.getLogger(__name__)

PRIVATE_SPACING = timedelta(seconds=1.05)  # Telegram: about one message a second per private chat
GROUP_SPACING = timedelta(seconds=3.1)  # Telegram: 20 messages a minute per group
NO_GROUP_RETRY = timedelta(seconds=60)  # staff-group posts wait for a staff group to be configured
RECLAIM_SECONDS = 0.25  # while sends are under way, how often to look for more chats that became due
LEASE_SAFE_SHARE = 0.5  # a send starts only in the first half of the claim's lease (it must end before the lease)
BACKOFF_GROWTH_CAP = 150  # the longest wait is 150 × the first one (2 s → 5 min)
TELEGRAM_AUDIENCES = (Audience.CUSTOMER.value, Audience.STAFF_GROUP.value, Audience.STAFF_USER.value)


def backoff(attempts: int, base: float) -> float:
    """Seconds before retry number `attempts + 1`: base × 2^attempts, capped, with ±25 % jitter (so that chats that
    failed together do not all come back together)."""
    delay = base * min(2 ** min(attempts, 20), BACKOFF_GROWTH_CAP)
    return delay * random.uniform(0.75, 1.25)


def retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB_TIMEDELTA (python-telegram-bot ≥ 22.2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form is deprecated; both are handled here
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int | None
    thread_id: int | None = None
    spacing: timedelta = PRIVATE_SPACING
    skip_reason: str | None = None  # nobody to send to: the rows are marked skipped
    park_reason: str | None = None  # known to be refused (a 403 before): parked without trying
    wait: timedelta | None = None  # not yet possible: tried again later


def _is_failure_report(batch: ClaimedBatch) -> bool:
    """A report of a failed delivery is never itself reported when it fails (no chain of reports)."""
    for row in batch.rows:
        try:
            notice = row.notice()
        except PayloadError:
            continue
        if isinstance(notice, InternalMessageNotice) and notice.message_kind == MessageKind.DELIVERY_FAILED.value:
            return True
    return False


class TelegramDelivery:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        worker: str,
        *,
        budget: SendBudget | None = None,
        concurrency: int = 40,
        queues_per_claim: int = 40,
        lease: timedelta | None = None,
        retry_base: float | None = None,
    ) -> None:
        settings = services.settings
        self.services = services
        self.bot = bot
        self.worker = worker
        self.queue = DeliveryQueue(services.database, services.clock)
        self.timer = timer_of(services.clock)
        self.budget = budget or SendBudget(self.queue, settings.delivery_messages_per_second, timer=self.timer)
        self.concurrency = concurrency
        self.queues_per_claim = queues_per_claim
        self.lease = lease or timedelta(seconds=settings.delivery_lease_seconds)
        self.retry_base = retry_base or settings.delivery_retry_base_seconds
        self.stopping = False

    async def drain(self, seconds: float) -> int:
        """Claims and sends while there is work, for up to `seconds`; returns the batches delivered.

        A pipeline, not rounds: as soon as one send finishes, another chat is claimed, so a slow chat (a send that
        takes until the timeout) never holds up the others. At most `concurrency` batches are in flight."""
        started = time.monotonic()
        running: set[asyncio.Task[int]] = set()
        delivered = 0
        last_claim = 0.0
        try:
            while True:
                room = self.concurrency - len(running)
                now = time.monotonic()
                # A claim looks at many rows: ask again when a quarter of the places are free, or after a moment.
                wanted = room >= max(1, self.concurrency // 4) or (room > 0 and now - last_claim >= RECLAIM_SECONDS)
                if wanted and not self.stopping and now - started < seconds:
                    last_claim = now
                    batches = await self.queue.claim(self.worker, queues=min(room, self.queues_per_claim),
                                                     lease=self.lease, audiences=TELEGRAM_AUDIENCES)
                    if batches:
                        config = await self.services.customers.config()
                        claimed_at = self.timer.monotonic()
                        running.update(asyncio.create_task(self._deliver(batch, config, claimed_at))
                                       for batch in batches)
                if not running:
                    return delivered
                # Until a send finishes, or a moment passes (a paced chat may be due by then).
                done, running = await asyncio.wait(running, timeout=RECLAIM_SECONDS,
                                                   return_when=asyncio.FIRST_COMPLETED)
                delivered += sum(task.result() for task in done)
        finally:
            if running:  # cancelled from outside: the sends under way are cancelled too (and give their rows back)
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)

    async def stop(self) -> int:
        """SIGTERM: no new sends; whatever this worker (Telegram or e-mail) still holds goes back to the queue.
        Returns how many rows went back."""
        self.stopping = True
        return await self.queue.release(self.worker)

    # --- one batch ----------------------------------------------------------------------------------------------
    def _in(self, seconds: float) -> datetime:
        return self.services.clock.now() + timedelta(seconds=seconds)

    def _lease_running_out(self, held_since: float) -> bool:
        return self.timer.monotonic() - held_since > self.lease.total_seconds() * LEASE_SAFE_SHARE

    async def _give_back(self, batch: ClaimedBatch) -> int:
        """Not sent (this worker is stopping, or its claim is running out): due again at once, for whichever worker
        comes next."""
        await self.queue.retry_later(batch.ids, self.worker, self.services.clock.now(), "interrompido",
                                     count_attempt=False)
        return 0

    def _claim_lost(self, batch: ClaimedBatch, parts_sent: int) -> int:
        """Another worker holds these rows now (our lease ran out): not a word more from us, nothing recorded."""
        log.warning(fields(event="claim_lost", queue=batch.queue, outbox_ids=batch.ids, parts_sent=parts_sent))
        return 0

    async def _target(self, batch: ClaimedBatch, config) -> Target:
        audience = Audience(batch.head.audience)
        if audience is Audience.STAFF_GROUP:
            if config.staff_chat_id is None:
                return Target(None, wait=NO_GROUP_RETRY)
            if await self.queue.refused_chat(batch.queue, config.staff_chat_id):
                return Target(config.staff_chat_id, park_reason=texts.PARKED_REFUSED_BEFORE)
            return Target(config.staff_chat_id, config.staff_thread_id, GROUP_SPACING)
        async with self.services.uow() as uow:
            if audience is Audience.CUSTOMER:
                customer = await uow.customers.get(batch.head.recipient_id)
                if customer is None or customer.telegram_user_id is None:
                    return Target(None, skip_reason=texts.SKIPPED_CUSTOMER_NOT_LINKED)
                if customer.unreachable:
                    return Target(customer.telegram_user_id, park_reason=texts.PARKED_CUSTOMER_UNREACHABLE)
                return Target(customer.telegram_user_id)
            staff = await uow.catalogue.staff_by_id(batch.head.recipient_id)
        if staff is None or staff.telegram_user_id is None:
            return Target(None, skip_reason=texts.SKIPPED_STAFF_NOT_LINKED)
        if await self.queue.refused_chat(batch.queue, staff.telegram_user_id):
            return Target(staff.telegram_user_id, park_reason=texts.PARKED_REFUSED_BEFORE)
        return Target(staff.telegram_user_id)

    async def _deliver(self, batch: ClaimedBatch, config, claimed_at: float) -> int:
        if self.stopping:
            return await self._give_back(batch)
        try:
            return await self._deliver_batch(batch, config, claimed_at)
        except Exception as exc:  # noqa: BLE001 - one bad batch must not stop the others
            log.exception(fields(event="delivery_error", queue=batch.queue, outbox_ids=batch.ids))
            delay = backoff(batch.head.attempts, self.retry_base)
            await self.queue.retry_later(batch.ids, self.worker, self._in(delay), type(exc).__name__)
            return 0

    async def _deliver_batch(self, batch: ClaimedBatch, config, claimed_at: float) -> int:
        target = await self._target(batch, config)
        if target.skip_reason:
            if await self.queue.skip(batch.ids, self.worker, target.skip_reason):
                log.info(fields(event="skipped", queue=batch.queue, outbox_ids=batch.ids))
            return 0
        if target.wait is not None:
            await self.queue.retry_later(batch.ids, self.worker, self.services.clock.now() + target.wait,
                                         texts.WAITING_FOR_GROUP, count_attempt=False)
            return 0
        if target.park_reason:
            if await self.queue.park(batch.ids, self.worker, target.park_reason, chat_id=target.chat_id, refused=True):
                log.info(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, chat_id=target.chat_id,
                                reason="refused_before"))
            return 0
        try:
            text, keyboard = render_batch(batch, self.services.zone)
        except PayloadError as exc:
            await self._park_and_report(batch, target, str(exc), error_kind="unreadable_payload")
            return 0
        parts = split_message(text)
        sent = batch.parts_sent  # parts Telegram accepted in an earlier attempt are not sent again
        held_since = claimed_at
        try:
            for index in range(sent, len(parts)):
                await self.budget.acquire(urgent=target.spacing > PRIVATE_SPACING)  # the group's slow pace first
                if self.stopping or self._lease_running_out(held_since):
                    # Stopping, or waited so long (a long "retry after") that another worker may take these rows
                    # soon: not sent, due again at once (the parts sent so far stay recorded).
                    return await self._give_back(batch)
                await self.bot.send_message(
                    target.chat_id,
                    parts[index],
                    parse_mode="HTML",
                    reply_markup=keyboard if index == len(parts) - 1 else None,
                    message_thread_id=target.thread_id,
                )
                sent = index + 1
                if sent < len(parts):
                    # Recorded before the next part goes; the chat's pace holds between the parts too.
                    not_before = self._in(target.spacing.total_seconds())
                    if not await self.queue.part_sent(batch, self.worker, sent, not_before=not_before,
                                                      lease=self.lease):
                        return self._claim_lost(batch, sent)
                    held_since = self.timer.monotonic()
                    await self.timer.sleep(target.spacing.total_seconds())
        except asyncio.CancelledError:
            # Cancelled from outside (not by stop(), which lets sends finish): due again at once.
            await self._give_back(batch)
            raise
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            await self.budget.pause(wait)
            await self.queue.retry_later(batch.ids, self.worker, self._in(wait + 0.1), f"429 retry_after={wait:g}",
                                         count_attempt=False)
            log.warning(fields(event="flood_wait", queue=batch.queue, outbox_ids=batch.ids, retry_after=wait))
            return 0
        except ChatMigrated as exc:
            if not await self.queue.retry_later(batch.ids, self.worker, self.services.clock.now(), "chat migrou",
                                                count_attempt=False):
                return self._claim_lost(batch, sent)
            if Audience(batch.head.audience) is Audience.STAFF_GROUP:
                await self.services.incidents.staff_group_moved(target.chat_id, exc.new_chat_id)
            log.info(fields(event="chat_migrated", queue=batch.queue, old=target.chat_id, new=exc.new_chat_id))
            return 0
        except Forbidden as exc:
            await self._forbidden(batch, target, exc)
            return 0
        except BadRequest as exc:  # before NetworkError: BadRequest is one of its subclasses
            await self._park_and_report(batch, target, f"400 {exc.message}", error_kind="bad_request",
                                        description=exc.message)
            return 0
        except (NetworkError, TelegramError) as exc:  # 5xx, TimedOut, connection errors (and the unexpected)
            delay = backoff(batch.head.attempts, self.retry_base)
            await self.queue.retry_later(batch.ids, self.worker, self._in(delay), f"{type(exc).__name__}: {exc}")
            log.warning(fields(event="retry", queue=batch.queue, outbox_ids=batch.ids, attempts=batch.head.attempts + 1,
                               delay=round(delay, 2), error=type(exc).__name__, parts_sent=sent))
            return 0
        if not await self.queue.delivered(batch, self.worker, chat_id=target.chat_id, spacing=target.spacing,
                                          parts=len(parts)):
            return self._claim_lost(batch, sent)
        log.info(fields(event="delivered", queue=batch.queue, outbox_ids=batch.ids, chat_id=target.chat_id,
                        parts=len(parts), attempts=batch.head.attempts + 1))
        return 1

    async def _park_and_report(self, batch: ClaimedBatch, target: Target, error: str, *, error_kind: str,
                               description: str | None = None) -> None:
        """Known to fail whatever we do (a 400, a payload this program cannot read): parked, reported once."""
        if not await self.queue.park(batch.ids, self.worker, error, chat_id=target.chat_id):
            return
        if not _is_failure_report(batch):
            await self.services.incidents.delivery_parked(
                texts.queue_label(batch.queue), description or error, batch.head.ticket_id,
                group_is_broken=Audience(batch.head.audience) is Audience.STAFF_GROUP,
            )
        log.error(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, chat_id=target.chat_id,
                         error=error_kind))

    async def _forbidden(self, batch: ClaimedBatch, target: Target, exc: Forbidden) -> None:
        """Blocked, kicked or deactivated: park, say so once, and do not try this chat again until `outbox retry`."""
        if not await self.queue.park(batch.ids, self.worker, f"403 {exc.message}", chat_id=target.chat_id,
                                     refused=True):
            return
        audience = Audience(batch.head.audience)
        if audience is Audience.CUSTOMER:
            await self.services.incidents.customer_unreachable(batch.head.recipient_id)
        elif not _is_failure_report(batch):
            await self.services.incidents.delivery_parked(
                texts.queue_label(batch.queue), exc.message, batch.head.ticket_id,
                group_is_broken=audience is Audience.STAFF_GROUP,
            )
        log.warning(fields(event="parked", queue=batch.queue, outbox_ids=batch.ids, chat_id=target.chat_id,
                           error="forbidden"))
