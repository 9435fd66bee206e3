"""APScheduler 3 with its in-memory job store, one per process: the database, not the scheduler, decides who sends
what (see ARCHITECTURE.md), so any number of processes may run these jobs side by side."""
from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Bot

from bot.jobs.wizard_expiry import expire_wizard_drafts
from bot.services import Services

WIZARD_EXPIRY_SECONDS = 30


def _scheduler(services: Services) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=services.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )


def conversation_jobs(services: Services, bot: Bot) -> AsyncIOScheduler:
    """The jobs the bot process always runs: they belong to its conversations."""
    scheduler = _scheduler(services)
    scheduler.add_job(
        expire_wizard_drafts, "interval", seconds=WIZARD_EXPIRY_SECONDS, args=[services, bot], id="wizard_expiry"
    )
    return scheduler



def work_jobs(services: Services, bot: Bot, scheduler: AsyncIOScheduler | None = None):
    """Delivery, e-mail, change feed and reminders: in the bot process by default, or in `atendimento worker`s."""
    from bot.jobs.work import Work

    scheduler = scheduler or _scheduler(services)
    work = Work(services, bot)
    work.schedule(scheduler)
    from bot.jobs.weekly_report import schedule_weekly_report

    schedule_weekly_report(scheduler, services, bot, work.worker)
    return scheduler, work
