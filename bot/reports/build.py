"""The report as the bot and the command line make it: the domain's figures from the database, and the picture
drawn off the event loop."""
from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.reports.chart import render_png
from domain.clock import Clock
from domain.reports import Report, ReportService
from storage.database import Database
from storage.repositories.reports import SqlReportSource


def report_service(database: Database, clock: Clock, zone: ZoneInfo) -> ReportService:
    return ReportService(SqlReportSource(database), clock, zone)


async def picture(report: Report) -> bytes:
    """The PNG, drawn in a worker thread (a few hundred milliseconds the bot's other chats need not wait for)."""
    return await asyncio.to_thread(render_png, report)
