"""The staff group's life and health: demo-mode adoption, following a migration to a supergroup (which changes the
group's id), and /diag."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import ContextTypes

from bot.email import EmailError, check_smtp
from bot.handlers.common import services
from bot.handlers.staff_common import acting_staff, say
from bot.handlers.staff_menu import set_staff_menu
from bot.logs import fields
from bot.services import Services
from bot.texts import email as email_texts
from bot.texts import staff as texts
from domain.catalogue import SmtpSettings, StaffUser

log = logging.getLogger(__name__)

SMTP_CHECK_SECONDS = 10.0
_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)
_OUT = (ChatMember.LEFT, ChatMember.BANNED)
_MOVING = "staff_group_moving"  # bot_data: the lock of group_migrated (one per application, so per event loop)


# --- the bot joins a group; a group becomes a supergroup -----------------------------------------------------------
async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """my_chat_member: in demo mode the first group the bot is added to becomes the staff group; outside demo
    mode, while no staff group is configured, the group is told how to become it."""
    change = update.my_chat_member
    chat = change.chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    if not (change.old_chat_member.status in _OUT and change.new_chat_member.status in _IN):
        return
    svc = services(context)
    if await services(context).staff_access.adopt_demo_group(chat.id):
        log.info(fields(event="demo_staff_group", chat_id=chat.id))
        await set_staff_menu(context.bot, chat.id)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, texts.DEMO_GROUP_ADOPTED)
        return
    config = await svc.customers.config()
    if config.staff_chat_id is None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, texts.group_not_configured(chat.id))


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The service messages of a group upgraded to a supergroup: migrate_to_chat_id in the old chat,
    migrate_from_chat_id in the new. Whichever comes first moves the staff group; the other finds nothing to do."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id
    # The two messages come from two chats, so they are handled at once. The move itself is one conditional UPDATE
    # (exactly one of them moves the group); the lock also lets the second one finish before the first announces
    # the move, so nothing is left in flight once the group is told.
    async with context.application.bot_data.setdefault(_MOVING, asyncio.Lock()):
        if not await services(context).incidents.staff_group_moved(old, new):
            return
    log.info(fields(event="staff_group_moved", old=old, new=new))
    await set_staff_menu(context.bot, new)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(new, texts.GROUP_MOVED)


# --- /diag ---------------------------------------------------------------------------------------------------------
async def diag(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = await acting_staff(update, context, setup=True)
    if staff is None:
        return
    svc = services(context)
    lines = [texts.DIAG_TITLE, *await _group_lines(update, context, svc), *await _email_lines(svc)]
    await say(update, context, "\n".join(lines))


async def _group_lines(update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services) -> list[str]:
    bot = context.bot
    config = await svc.customers.config()
    chat_id = config.staff_chat_id
    if chat_id is None:
        here = update.effective_chat.id if update.effective_chat.type != ChatType.PRIVATE else None
        return [texts.diag_group_missing(here)]
    lines: list[str] = []
    try:
        chat = await bot.get_chat(chat_id)
        lines.append(texts.diag_group_ok(chat.title or "", chat.id))
    except ChatMigrated as moved:
        await svc.incidents.staff_group_moved(chat_id, moved.new_chat_id)
        await set_staff_menu(bot, moved.new_chat_id)
        try:
            chat = await bot.get_chat(moved.new_chat_id)
        except TelegramError as exc:
            return [texts.diag_group_unreachable(moved.new_chat_id, exc.message)]
        lines.append(texts.diag_group_moved(chat_id, moved.new_chat_id, chat.title or ""))
    except TelegramError as exc:
        return [texts.diag_group_unreachable(chat_id, exc.message)]
    me = await bot.get_me()
    try:
        member = await bot.get_chat_member(chat.id, me.id)
        status = member.status
    except TelegramError as exc:
        status = exc.message
    is_admin = status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    lines.append(texts.diag_admin(is_admin, status))
    lines.append(texts.diag_privacy(is_admin, bool(me.can_read_all_group_messages), me.username or ""))
    return lines


async def _email_lines(svc: Services) -> list[str]:
    setup = await svc.staff_desk.email_setup()
    lines: list[str] = []
    if not setup.send_external_email:
        lines.append(texts.diag_email_off())
    elif not setup.responsibles:
        lines.append(texts.diag_no_responsibles())
    checked = [s for s in setup.responsibles if s.smtp is not None or setup.send_external_email]
    results = await asyncio.gather(*(_smtp_reason(s, svc) for s in checked))
    for staff, (reason, detail) in zip(checked, results, strict=True):
        lines.append(texts.diag_smtp(email_texts.smtp_check(staff.name, reason, detail), reason))
        if sends_password_in_clear(staff.smtp):
            lines.append(texts.diag_smtp_without_tls(staff.name))
    return lines


def sends_password_in_clear(smtp: SmtpSettings | None) -> bool:
    """A login (user and password) over a connection neither STARTTLS nor implicit TLS protects."""
    return smtp is not None and bool(smtp.username) and not (smtp.starttls or smtp.implicit_tls)


async def _smtp_reason(staff: StaffUser, svc: Services) -> tuple[str | None, str]:
    try:
        await check_smtp(staff.smtp, timeout=SMTP_CHECK_SECONDS, tls_context=svc.smtp_tls_context,
                         secrets=svc.settings.secret_box())
    except EmailError as error:
        return error.reason.value, error.detail
    return None, ""
