"""The work behind the chat: delivery to Telegram, e-mail, the change feed and the daily reminders.

Every process that runs them (`atendimento run`, or `atendimento worker` — any number of them) schedules the same
jobs with APScheduler; the database decides who sends what (claims with SKIP LOCKED, unique notification keys).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot

from bot.delivery.email_delivery import EmailDelivery
from bot.delivery.telegram_delivery import TelegramDelivery
from bot.logs import fields
from bot.services import Services

log = logging.getLogger(__name__)

# One run of the delivery job keeps going while there is work, up to this long: between two runs the pipeline
# empties and waits for the scheduler's next tick (about a second lost; every 20 s it cost 3-4 % of Telegram's
# 30 a second to a lone worker: BENCHMARKS.md, P3).
DRAIN_SECONDS = 60.0
EMAIL_INTERVAL = 5.0
REMINDER_CHECK_MINUTES = 5
FEED_BATCH = 500
RETENTION_HOURS = 6


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Work:
    def __init__(self, services: Services, bot: Bot, worker: str | None = None) -> None:
        self.services = services
        self.worker = worker or worker_name()
        self.telegram = TelegramDelivery(services, bot, self.worker)
        self.email = EmailDelivery(services, self.worker)
        self._running: set[asyncio.Task] = set()
        self._stopping = False

    async def _tracked(self, coroutine):
        """Runs a job so that stop() can wait for it to finish what it started."""
        if self._stopping:
            coroutine.close()
            return None
        task = asyncio.current_task()
        self._running.add(task)
        try:
            return await coroutine
        except Exception:  # noqa: BLE001 - a failing run is logged; the next one tries again
            log.exception(fields(event="job_failed", worker=self.worker))
            return None
        finally:
            self._running.discard(task)

    async def deliver(self) -> int:
        """Sends what is due while there is work (up to DRAIN_SECONDS); returns the batches delivered."""
        return await self._tracked(self.telegram.drain(DRAIN_SECONDS)) or 0

    async def send_emails(self) -> int:
        return await self._tracked(self.email.run_once()) or 0

    async def feed_changes(self) -> int:
        """Consumes the change journal until it is empty; returns the notifications recorded."""

        async def feed() -> int:
            total = 0
            while not self._stopping:
                run = await self.services.change_feed.feed(FEED_BATCH)
                total += run.recorded
                if run.consumed < FEED_BATCH:
                    break
            return total

        return await self._tracked(feed()) or 0

    async def remind(self) -> int:
        """Today's reminders once it is REMINDER_TIME (local time); the first run of the day records them."""
        now = self.services.clock.now().astimezone(self.services.zone)
        if now.time() < self.services.settings.reminder_time:
            return 0
        return await self._tracked(self.services.reminders.remind(now.date())) or 0

    async def apply_retention(self) -> int:
        """ATTACHMENT_RETENTION_DAYS: deletes the files of atendimentos final for longer than that."""
        from storage.file_store import LocalFileStore
        from storage.retention import apply_retention

        settings = self.services.settings
        if settings.attachment_retention_days is None:
            return 0
        run = await self._tracked(apply_retention(
            self.services.database, LocalFileStore(settings.attachments_dir), self.services.clock.now(),
            settings.attachment_retention_days))
        return run.files_deleted if run else 0

    def schedule(self, scheduler: AsyncIOScheduler) -> None:
        settings = self.services.settings
        scheduler.add_job(self.deliver, "interval", seconds=settings.delivery_interval_seconds, id="deliver")
        scheduler.add_job(self.send_emails, "interval", seconds=EMAIL_INTERVAL, id="email")
        scheduler.add_job(self.feed_changes, "interval", seconds=settings.change_feed_interval_seconds, id="changes")
        scheduler.add_job(self.remind, "interval", minutes=REMINDER_CHECK_MINUTES, id="reminders",
                          next_run_time=datetime.now(self.services.zone))  # the scheduler runs on real time
        if settings.attachment_retention_days is not None:
            scheduler.add_job(self.apply_retention, "interval", hours=RETENTION_HOURS, id="retention",
                              next_run_time=datetime.now(self.services.zone))

    async def stop(self, timeout: float = 30.0) -> None:
        """Lets in-flight sends finish (no new ones start), then gives back whatever this worker still holds. Call
        it before shutting the scheduler down: APScheduler's shutdown cancels the jobs that are running."""
        self._stopping = True
        self.telegram.stopping = True
        if self._running:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._running, return_exceptions=True), timeout)
        released = await self.telegram.stop()
        log.info(fields(event="worker_stopped", worker=self.worker, released=released))
