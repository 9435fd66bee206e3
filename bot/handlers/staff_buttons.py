"""The buttons of a pendência post (and of /ver): Ver, Resolver etapa, Nova observação.

"Ver" answers with the atendimento. The two others need words, so they ask with a ForceReply addressed to whoever
pressed (selective, with a mention) in the same chat and topic, and take that person's reply to that very message:
- "Nova observação": the reply is the observation;
- "Resolver etapa": the reply is the resolution's observation, or "-" to resolve without one. Asking first also
  means a slip of the finger on a busy group never resolves a stage by itself.
Questions waiting for their answer live in chat_data (stored in the database), so a restart keeps them.
"""
from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, ContextTypes, filters

from bot import callbacks as cb
from bot import staff_keyboards as keyboards
from bot.handlers.common import answer, services
from bot.handlers.staff_actions import report, resolve, show_ticket
from bot.handlers.staff_common import acting_staff, say, tell
from bot.texts import staff as texts
from bot.texts.format import esc
from domain.errors import DomainError, StageNotFound, StageNotPending, TicketIsFinal
from domain.statuses import StageStatus

PROMPTS = "staff_prompts"  # chat_data: {str(prompt message id): {"user", "action", "ticket", "stage"}}
MAX_PROMPTS = 100  # per chat; the oldest unanswered questions are forgotten first
NOTE, RESOLVE = "o", "r"


class PromptReply(filters.MessageFilter):
    """A message that replies to one of our questions, from the person it was addressed to."""

    def __init__(self, application: Application) -> None:
        super().__init__(name="staff_prompt_reply")
        self.application = application

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or message.from_user is None:
            return False
        prompt = (self.application.chat_data.get(message.chat_id) or {}).get(PROMPTS, {}).get(str(replied.message_id))
        return bool(prompt) and prompt.get("user") == message.from_user.id


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    fields = cb.parse(query.data, cb.STAFF) or []
    action = fields[0] if fields else None
    number = cb.as_int(fields[1]) if len(fields) > 1 else None
    stage = cb.as_int(fields[2]) if len(fields) > 2 else None
    valid = (action == "v" and len(fields) == 2) or (action in (NOTE, RESOLVE) and len(fields) == 3 and stage)
    if not valid or number is None:
        await answer(query, texts.BAD_STAFF_BUTTON, alert=True)
        return
    staff = await acting_staff(update, context)
    if staff is None:
        return
    if action == "v":
        await answer(query)
        await show_ticket(update, context, number)
        return
    svc = services(context)
    try:
        details = await svc.staff.ticket(number)
        if details.is_final:
            raise TicketIsFinal(ticket=number, status=str(details.status))
        found = next((s for s in details.stages if s.position == stage), None)
        if found is None:
            raise StageNotFound(ticket=number, stage=stage)
        if action == RESOLVE and found.status is not StageStatus.PENDENTE:
            raise StageNotPending(stage=stage, status=str(found.status))
    except DomainError as error:
        await tell(update, context, error, number)
        return
    who = texts.mention(update.effective_user.id, update.effective_user.first_name)
    if action == NOTE:
        text, placeholder, toast = (texts.ask_note(who, number, stage),
                                    texts.PLACEHOLDER_NOTE.format(stage=stage), texts.TOAST_ASK_NOTE)
    else:
        text, placeholder, toast = (texts.ask_resolution(who, number, stage, found.description),
                                    texts.PLACEHOLDER_RESOLUTION, texts.TOAST_ASK_RESOLUTION)
    await answer(query, toast)
    prompt = await say(update, context, text, reply_markup=keyboards.ask_for_text(placeholder))
    _remember(context, prompt.message_id, {"user": update.effective_user.id, "action": action, "ticket": number,
                                           "stage": stage})


def _remember(context: ContextTypes.DEFAULT_TYPE, message_id: int, prompt: dict) -> None:
    prompts = dict(context.chat_data.get(PROMPTS) or {})
    prompts[str(message_id)] = prompt
    for old in sorted(prompts, key=int)[:-MAX_PROMPTS]:
        del prompts[old]
    context.chat_data[PROMPTS] = prompts


def _prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[str, dict | None]:
    key = str(update.effective_message.reply_to_message.message_id)
    return key, (context.chat_data.get(PROMPTS) or {}).get(key)


def _forget(context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    prompts = dict(context.chat_data.get(PROMPTS) or {})
    if prompts.pop(key, None) is not None:
        context.chat_data[PROMPTS] = prompts


async def prompt_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to "Nova observação" or "Resolver etapa"."""
    key, prompt = _prompt(update, context)
    if prompt is None:
        return
    staff = await acting_staff(update, context)
    if staff is None:
        _forget(context, key)
        return
    number, stage = prompt["ticket"], prompt["stage"]
    text = update.effective_message.text.strip()
    if prompt["action"] == RESOLVE:
        error = await resolve(update, context, staff, number, stage, None if text in texts.NO_OBSERVATION else text)
    else:
        error = await report(update, context, number,
                             lambda: services(context).tickets.add_note(staff, number, stage, text),
                             lambda outcome, created: texts.note_added(number, stage))
    # A text the rules refused (too short, too long) leaves the question open for a better answer.
    if error is None or error.code != "invalid_text":
        _forget(context, key)


async def prompt_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await say(update, context, esc(texts.REPLY_WITH_TEXT))
