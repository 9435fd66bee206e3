"""The buttons of a pendência post (and of /ver): Ver, Resolver etapa, Nova observação.

"Ver" answers with the atendimento. The two others need words, so they ask with a ForceReply addressed to whoever
pressed (selective, with a mention) in the same chat and topic, and take that person's reply to that very message:
- "Nova observação": the reply is the observation;
- "Resolver etapa": the reply is the resolution's observation, or "-" to resolve without one. Asking first also
  means a slip of the finger on a busy group never resolves a stage by itself.
The question awaiting its answer is the person's conversation row in that chat (domain/services/staff_questions.py),
so a restart keeps it.
"""
from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot import buttons as b
from bot import staff_keyboards as keyboards
from bot.handlers.common import answer, services
from bot.handlers.staff_actions import report, resolve, show_ticket
from bot.handlers.staff_common import acting_staff, say, tell
from bot.texts import staff as texts
from bot.texts.format import esc
from domain.conversation import Conversation
from domain.errors import DomainError
from domain.services.staff_questions import NOTE, RESOLUTION


class ReplyToBot(filters.MessageFilter):
    """A message that replies to one of the bot's own messages (perhaps one of its questions)."""

    def __init__(self, application: Application) -> None:
        super().__init__(name="reply_to_bot")
        self.application = application

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or message.from_user is None:
            return False
        return replied.from_user is None or replied.from_user.id == self.application.bot.id


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    pressed = b.decode(query.data)
    if not isinstance(pressed, (b.StaffView, b.StaffResolve, b.StaffNote)):
        await answer(query, texts.BAD_STAFF_BUTTON, alert=True)
        return
    staff = await acting_staff(update, context)
    if staff is None:
        return
    match pressed:
        case b.StaffView(number):
            await answer(query)
            await show_ticket(update, context, number)
            return
        case b.StaffNote(number, stage):
            kind = NOTE
        case b.StaffResolve(number, stage):
            kind = RESOLUTION
    svc = services(context)
    try:
        found = await svc.staff_questions.stage_to_ask_about(kind, number, stage)
    except DomainError as error:
        await tell(update, context, error, number)
        return
    who = texts.mention(update.effective_user.id, update.effective_user.first_name)
    if kind is NOTE:
        text, placeholder, toast = (texts.ask_note(who, number, stage),
                                    texts.PLACEHOLDER_NOTE.format(stage=stage), texts.TOAST_ASK_NOTE)
    else:
        text, placeholder, toast = (texts.ask_resolution(who, number, stage, found.description),
                                    texts.PLACEHOLDER_RESOLUTION, texts.TOAST_ASK_RESOLUTION)
    await answer(query, toast)
    question = await say(update, context, text, reply_markup=keyboards.ask_for_text(placeholder))
    await svc.staff_questions.asked(kind, update.effective_chat.id, update.effective_user.id, number, stage,
                                    question.message_id)


async def _open_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Conversation | None:
    message = update.effective_message
    return await services(context).staff_questions.open_question(
        update.effective_chat.id, update.effective_user.id, message.reply_to_message.message_id)


async def prompt_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The answer to "Nova observação" or "Resolver etapa"; False when the reply answers no open question of this
    person (the update goes on to the other handlers)."""
    question = await _open_question(update, context)
    if question is None:
        return False
    svc = services(context)
    staff = await acting_staff(update, context)
    if staff is None:
        await svc.staff_questions.answered(question)
        return True
    number, stage = question.ticket_number, question.stage
    text = update.effective_message.text.strip()
    if question.state is RESOLUTION:
        error = await resolve(update, context, staff, number, stage, None if text in texts.NO_OBSERVATION else text)
    else:
        error = await report(update, context, number,
                             lambda: svc.tickets.add_note(staff, number, stage, text),
                             lambda outcome, created: texts.note_added(number, stage))
    # A text the rules refused (too short, too long) leaves the question open for a better answer.
    if error is None or error.code != "invalid_text":
        await svc.staff_questions.answered(question)
    return True


async def prompt_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if await _open_question(update, context) is None:
        return False
    await say(update, context, esc(texts.REPLY_WITH_TEXT))
    return True
