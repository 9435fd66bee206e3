"""The weekly report (`config.weekly_report`, e.g. "mon 08:00" in TIMEZONE) posted to the staff group once a week,
however many processes run the job.

Modelled on the reminders' once-a-day mark (domain/services/reminders.py): the week's slot is a row with a unique
key (`report_posts`), and the first worker to insert it posts; the others find it and stop. Unlike the digest, the
picture is not an outbox row (it is drawn when sent, not stored), so the row is a claim with an expiry: a worker that
dies before posting leaves a claim another one takes over, and a failed send gives the claim back at once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot
from telegram.constants import ParseMode

from bot.logs import fields
from bot.reports.build import picture, report_service
from bot.services import Services
from bot.texts import reports as texts
from bot.texts.format import esc
from domain.reports import DEFAULT_DAYS, parse_weekly_schedule
from storage.repositories.reports import SqlReportPosts

log = logging.getLogger(__name__)

CHECK_MINUTES = 5
CLAIM = timedelta(minutes=10)  # longer than drawing and sending one picture ever takes


class WeeklyReport:
    def __init__(self, services: Services, bot: Bot, worker: str) -> None:
        self.services = services
        self.bot = bot
        self.worker = worker
        self.posts = SqlReportPosts(services.database)

    async def run(self) -> bool:
        """Posts this week's report when it is due and nobody has; True when this run posted it."""
        raw, chat_id, thread_id = await self.posts.schedule()
        if not raw or chat_id is None:
            return False
        schedule = parse_weekly_schedule(raw)
        if schedule is None:  # the import refuses it; a value written by hand into the table is ignored
            log.warning(fields(event="weekly_report_schedule_invalid", value=raw))
            return False
        svc = self.services
        now = svc.clock.now()
        slot = schedule.due(now, svc.zone)
        if slot is None:
            return False
        period = f"weekly:{slot.astimezone(svc.zone):%Y-%m-%dT%H:%M}"
        if not await self.posts.claim(period, self.worker, now, now + CLAIM):
            return False
        try:
            await self._post(chat_id, thread_id)
        except Exception:  # noqa: BLE001 - logged; the claim goes back so that the next run tries again
            log.exception(fields(event="weekly_report_failed", period=period, worker=self.worker))
            await self.posts.release(period, self.worker, svc.clock.now())
            return False
        await self.posts.posted(period, self.worker, svc.clock.now())
        log.info(fields(event="weekly_report_posted", period=period, worker=self.worker))
        return True

    async def _post(self, chat_id: int, thread_id: int | None) -> None:
        svc = self.services
        report = await report_service(svc.database, svc.clock, svc.zone).last_days(DEFAULT_DAYS)
        where = {"message_thread_id": thread_id} if thread_id else {}
        if report.empty:
            await self.bot.send_message(chat_id, texts.WEEKLY_PREFIX + esc(texts.empty(report)),
                                        parse_mode=ParseMode.HTML, **where)
            return
        await self.bot.send_photo(chat_id, await picture(report), caption=texts.caption(report, weekly=True),
                                  parse_mode=ParseMode.HTML, **where)


def schedule_weekly_report(scheduler: AsyncIOScheduler, services: Services, bot: Bot, worker: str) -> WeeklyReport:
    job = WeeklyReport(services, bot, worker)
    scheduler.add_job(job.run, "interval", minutes=CHECK_MINUTES, id="weekly_report",
                      next_run_time=datetime.now(services.zone))  # the scheduler runs on real time
    return job
