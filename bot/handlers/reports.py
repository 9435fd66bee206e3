"""`/relatorio [dias]` (staff): the report as one picture with its key numbers as the caption; an installation with
nothing to show gets a sentence instead of an empty chart."""
from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.handlers.common import services
from bot.handlers.staff_common import acting_staff, arguments, say, staff_handler, thread_of
from bot.reports.build import picture, report_service
from bot.texts import reports as texts
from bot.texts.format import esc
from domain.reports import parse_days


async def relatorio(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await acting_staff(update, context) is None:
        return
    words, rest = arguments(update.effective_message, 1)
    try:
        days = parse_days(words[0] if words else None)
    except ValueError:
        days = None
    if days is None or rest:
        await say(update, context, texts.USAGE)
        return
    svc = services(context)
    report = await report_service(svc.database, svc.clock, svc.zone).last_days(days)
    if report.empty:
        await say(update, context, esc(texts.empty(report)))
        return
    await context.bot.send_photo(update.effective_chat.id, await picture(report), caption=texts.caption(report),
                                 **thread_of(update))


def report_handler() -> BaseHandler:
    """For the staff handlers' group (bot/app.py): like every staff command, sent (not edited) in a private chat or
    a group, refused to anyone who is not registered staff."""
    where = filters.UpdateType.MESSAGE & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS)
    return CommandHandler("relatorio", staff_handler(relatorio), filters=where)
