"""What a staff command and a staff button both do: show an atendimento, make one change and say what it did."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot import staff_keyboards as keyboards
from bot.handlers.common import services
from bot.handlers.staff_common import say, tell
from bot.texts import staff as texts
from domain.catalogue import StaffUser
from domain.errors import DomainError
from domain.services.tickets import Outcome


async def show_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> None:
    svc = services(context)
    try:
        details = await svc.staff.ticket(number)
    except DomainError as error:
        await tell(update, context, error, number)
        return
    await say(update, context, texts.ticket_for_staff(details, svc.zone, svc.clock.now()),
              reply_markup=keyboards.ticket_actions(details))


Change = Callable[[], Awaitable[Outcome]]


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int, change: Change,
                 headline: Callable[[Outcome, list[str]], str | None] | None = None) -> DomainError | None:
    """Runs one change and says what it did: the headline (if any), then the atendimento's new status when it moved.
    A domain error (not found, final, already resolved, someone else was quicker…) is answered instead, and
    returned (None: the change was made)."""
    svc = services(context)
    try:
        outcome = await change()
    except DomainError as error:
        await tell(update, context, error, number)
        return error
    created: list[str] = []
    if outcome.created_stages:
        details = await svc.staff.ticket(number)
        by_position = {s.position: s for s in details.stages}
        for stage in outcome.created_stages:
            view = by_position.get(stage.position)
            created.append(texts.created_stage(stage.position, stage.description,
                                               view.responsible_name if view else None, stage.due_at, svc.zone))
    lines = [line for line in (headline(outcome, created) if headline else None,) if line]
    if outcome.status_changed_to is not None:
        lines.append(texts.ticket_changed(number, outcome.status_changed_to))
    await say(update, context, "\n".join(lines))
    return None


async def resolve(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser, number: int, stage: int,
                  note: str | None) -> DomainError | None:
    """Shared by /resolver and the "Resolver etapa" button."""
    return await report(
        update, context, number, lambda: services(context).tickets.resolve_stage(staff, number, stage, note),
        lambda outcome, created: texts.stage_resolved(number, stage, created),
    )
