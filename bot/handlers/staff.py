"""The staff commands of SPEC.md, in the staff group (any topic) or a staff user's private chat.

Each reads like a sentence: who is acting (everybody else is refused), the arguments (else the command's usage),
one TicketService call (the status rules, the customer's pushes and the new pendências are the domain's), and an
answer saying what happened.
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import buttons as b
from bot.handlers import staff_buttons, staff_group
from bot.handlers.common import services
from bot.handlers.staff_actions import report, resolve, show_ticket
from bot.handlers.staff_common import (
    acting_staff,
    arguments,
    say,
    split_words,
    staff_handler,
    stage_number,
)
from bot.handlers.staff_menu import STAFF_COMMANDS
from bot.texts import staff as texts
from domain.catalogue import StaffUser
from domain.services.queries import parse_ticket_number

__all__ = ["STAFF_COMMANDS", "staff_handlers"]


async def usage(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> None:
    await say(update, context, texts.USAGE[command])


# --- reading ---------------------------------------------------------------------------------------------------------
async def pendencias(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = await acting_staff(update, context)
    if staff is None:
        return
    words, rest = arguments(update.effective_message, 1)
    mine = [w.casefold() for w in words] == ["minhas"]
    if rest or (words and not mine):
        await usage(update, context, "pendencias")
        return
    found = await services(context).staff_desk.open_pendencias(staff if mine else None)
    svc = services(context)
    await say(update, context, texts.pendencia_list(list(found.items), found.total, svc.zone, svc.clock.now(), mine=mine))


async def ver(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = await acting_staff(update, context)
    if staff is None:
        return
    words, rest = arguments(update.effective_message, 1)
    number = parse_ticket_number(words[0]) if words else None
    if number is None or rest:
        await usage(update, context, "ver")
        return
    await show_ticket(update, context, number)


# --- changing --------------------------------------------------------------------------------------------------------
async def _number_stage_text(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str, *,
                             text_required: bool) -> tuple[StaffUser, int, int, str] | None:
    staff = await acting_staff(update, context)
    if staff is None:
        return None
    words, rest = arguments(update.effective_message, 2)
    number = parse_ticket_number(words[0]) if words else None
    stage = stage_number(words[1]) if len(words) > 1 else None
    if number is None or stage is None or (text_required and not rest):
        await usage(update, context, command)
        return None
    return staff, number, stage, rest


async def obs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_stage_text(update, context, "obs", text_required=True)
    if parsed is None:
        return
    staff, number, stage, text = parsed
    await report(update, context, number, lambda: services(context).tickets.add_note(staff, number, stage, text),
                 lambda outcome, created: texts.note_added(number, stage))


async def resolver(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_stage_text(update, context, "resolver", text_required=False)
    if parsed is None:
        return
    staff, number, stage, note = parsed
    await resolve(update, context, staff, number, stage, note or None)


async def cancelar_etapa(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_stage_text(update, context, "cancelar_etapa", text_required=True)
    if parsed is None:
        return
    staff, number, stage, reason = parsed
    await report(update, context, number,
                 lambda: services(context).tickets.cancel_stage(staff, number, stage, reason),
                 lambda outcome, created: texts.stage_cancelled(number, stage))


async def etapa(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    staff = await acting_staff(update, context)
    if staff is None:
        return
    words, rest = arguments(update.effective_message, 1)
    number = parse_ticket_number(words[0]) if words else None
    login = None
    if rest.startswith("@"):
        login_words, rest = split_words(rest, 1)
        login = login_words[0] if login_words and len(login_words[0]) > 1 else None
        if login is None:
            rest = ""
    if number is None or not rest:
        await usage(update, context, "etapa")
        return
    await report(update, context, number,
                 lambda: services(context).tickets.add_stage(staff, number, rest, login),
                 lambda outcome, created: texts.stage_added(number, created))


async def _number_and_text(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str, *,
                           text: bool | None) -> tuple[StaffUser, int, str] | None:
    """`text`: True required, False forbidden, None optional."""
    staff = await acting_staff(update, context)
    if staff is None:
        return None
    words, rest = arguments(update.effective_message, 1)
    number = parse_ticket_number(words[0]) if words else None
    if number is None or (text is True and not rest) or (text is False and rest):
        await usage(update, context, command)
        return None
    return staff, number, rest


async def retornar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_and_text(update, context, "retornar", text=False)
    if parsed is None:
        return
    staff, number, _ = parsed
    await report(update, context, number, lambda: services(context).tickets.mark_a_retornar(staff, number))


async def encerrar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_and_text(update, context, "encerrar", text=None)
    if parsed is None:
        return
    staff, number, note = parsed
    await report(update, context, number, lambda: services(context).tickets.close(staff, number, note or None))


async def cancelar_atendimento(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = await _number_and_text(update, context, "cancelar_atendimento", text=True)
    if parsed is None:
        return
    staff, number, reason = parsed
    await report(update, context, number, lambda: services(context).tickets.cancel(staff, number, reason))


# --- registration ----------------------------------------------------------------------------------------------------
COMMANDS = {
    "pendencias": pendencias,
    "ver": ver,
    "etapa": etapa,
    "obs": obs,
    "resolver": resolver,
    "cancelar_etapa": cancelar_etapa,
    "retornar": retornar,
    "encerrar": encerrar,
    "cancelar_atendimento": cancelar_atendimento,
    "diag": staff_group.diag,
}


def staff_handlers(application: Application) -> list[BaseHandler]:
    """Every staff handler, for their own handler group (see bot/app.py). Commands count only when sent, not when
    edited (an edited /resolver must not act twice); they work in private chats and groups, `/ver@bot 3` included."""
    where = filters.UpdateType.MESSAGE & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS)
    prompt_reply = staff_buttons.ReplyToBot(application)
    handlers: list[BaseHandler] = [
        CommandHandler(name, staff_handler(callback), filters=where) for name, callback in COMMANDS.items()
    ]
    handlers += [
        CallbackQueryHandler(staff_handler(staff_buttons.button), pattern=f"^{b.STAFF}:"),
        MessageHandler(where & prompt_reply & filters.TEXT & ~filters.COMMAND, staff_handler(staff_buttons.prompt_text)),
        MessageHandler(where & prompt_reply & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       staff_handler(staff_buttons.prompt_not_text)),
        ChatMemberHandler(staff_handler(staff_group.bot_membership), ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, staff_handler(staff_group.group_migrated)),
    ]
    return handlers
