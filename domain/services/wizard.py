"""Opening an atendimento step by step (/novo): tipo → assunto → empreendimento → unidade → descrição → confirmação.

Pure rules and one service. Each step offers what `CustomerOptions` allows *now*; a step with a single possible answer
is chosen automatically (and the view says so); "Voltar" returns to the last step that offered a real choice; every
choice is checked again, so forged or stale buttons change nothing. The draft is a storage row
(`domain/wizard_draft.py`): a restart resumes it, and an abandoned one expires.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from domain.clock import Clock
from domain.conversation import Conversation
from domain.errors import ChoiceNotAllowed, InvalidText, LinkChanged, NoDraft, NotLinked, NothingToOpen, StaleButton
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.services.options import CustomerOptions
from domain.services.tickets import NewTicketRequest, Outcome, TicketService, customer_options
from domain.text_rules import DESCRIPTION_MAX_CHARS, checked_description
from domain.wizard_draft import WizardDraft

TYPE, SUBJECT, EMPREENDIMENTO, UNIT, DESCRIPTION, CONFIRM = (
    "tipo",
    "assunto",
    "empreendimento",
    "unidade",
    "descricao",
    "confirmacao",
)
CHOICE_STEPS = (TYPE, SUBJECT, EMPREENDIMENTO, UNIT)
STEPS = (*CHOICE_STEPS, DESCRIPTION, CONFIRM)
_FIELD = {TYPE: "type_id", SUBJECT: "subject_id", EMPREENDIMENTO: "empreendimento_id", UNIT: "unit_id"}


@dataclass(frozen=True, slots=True)
class Option:
    id: int
    label: str
    detail: str = ""  # obras of an empreendimento, items of a unit


@dataclass(frozen=True, slots=True)
class WizardView:
    draft: WizardDraft
    step: str
    options: tuple[Option, ...]
    chosen: tuple[tuple[str, str], ...]  # (step, label) of every choice so far, in order
    auto_chosen: tuple[tuple[str, str], ...]  # the choices made automatically by this move
    real_choice_steps: tuple[str, ...]  # the steps where the customer had (or has) a real choice


def _options(step: str, draft: WizardDraft, opts: CustomerOptions) -> tuple[Option, ...]:
    if step == TYPE:
        return tuple(Option(t.id, t.name) for t in opts.types_offered())
    if step == SUBJECT:
        return tuple(Option(s.id, s.name) for s in opts.subjects_for(draft.type_id))
    if step == EMPREENDIMENTO:
        return tuple(
            Option(e.id, e.name, ", ".join(o.name for o in e.obras))
            for e in opts.empreendimentos_for(draft.type_id, draft.subject_id)
        )
    if step == UNIT:
        return tuple(
            Option(u.id, u.label, ", ".join(u.items))
            for u in opts.units_for(draft.type_id, draft.subject_id, draft.empreendimento_id)
        )
    return ()


def _cleared_from(draft: WizardDraft, step: str) -> WizardDraft:
    index = CHOICE_STEPS.index(step)
    return replace(draft, **{_FIELD[s]: None for s in CHOICE_STEPS[index:]})


def _next(step: str) -> str:
    return STEPS[STEPS.index(step) + 1]


def _settle(draft: WizardDraft, opts: CustomerOptions, step: str) -> tuple[WizardDraft, list[tuple[str, str]]]:
    """From `step` on, choose automatically every step with a single possible answer."""
    auto: list[tuple[str, str]] = []
    while step in CHOICE_STEPS:
        choices = _options(step, draft, opts)
        if not choices:
            raise NothingToOpen()
        if len(choices) > 1:
            break
        draft = replace(draft, **{_FIELD[step]: choices[0].id})
        auto.append((step, choices[0].label))
        step = _next(step)
    if step == DESCRIPTION and draft.description:
        step = CONFIRM  # a correction of an earlier choice keeps the description already written
    return replace(draft, step=step), auto


def _validate(draft: WizardDraft, opts: CustomerOptions) -> None:
    """Every choice the draft holds is still allowed (the catalogue may have changed since)."""
    if draft.type_id is not None:
        opts.ticket_type(draft.type_id)
    if draft.subject_id is not None:
        opts.subject(draft.type_id, draft.subject_id)
    if draft.empreendimento_id is not None:
        opts.empreendimento(draft.type_id, draft.subject_id, draft.empreendimento_id)
    if draft.unit_id is not None:
        opts.unit(draft.type_id, draft.subject_id, draft.empreendimento_id, draft.unit_id)


def _check_message(draft: WizardDraft, message_id: int | None) -> None:
    """A button must be on the wizard's current message: those of an older one are stale."""
    if message_id is not None and draft.message_id is not None and message_id != draft.message_id:
        raise StaleButton()


def _view(draft: WizardDraft, opts: CustomerOptions, auto: list[tuple[str, str]]) -> WizardView:
    chosen: list[tuple[str, str]] = []
    real: list[str] = []
    probe = replace(draft, type_id=None, subject_id=None, empreendimento_id=None, unit_id=None)
    for step in CHOICE_STEPS:
        value = getattr(draft, _FIELD[step])
        if value is None and step != draft.step:
            break
        choices = _options(step, probe, opts)
        if len(choices) > 1:
            real.append(step)
        if value is None:
            break
        chosen.append((step, next((o.label for o in choices if o.id == value), "?")))
        probe = replace(probe, **{_FIELD[step]: value})
    options = _options(draft.step, draft, opts) if draft.step in CHOICE_STEPS else ()
    return WizardView(draft, draft.step, options, tuple(chosen), tuple(auto), tuple(real))


OPTIONS_PER_PAGE = 8


def page_count(options: int) -> int:
    """How many pages of buttons `options` choices take."""
    return max(1, -(-options // OPTIONS_PER_PAGE))


def telegram_length(text: str) -> int:
    """How Telegram counts a text against its limits: in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Started:
    view: WizardView
    earlier_message_id: int | None  # the message of a wizard this one replaced, whose buttons must go


class WizardService:
    """Every call is one transaction on the chat's conversation row (domain/conversation.py), its domain change
    included. A new message of the wizard (after /novo, after the description, a text too long to edit) is learnt by
    `shown()` in memory and written with the conversation's next change, so that sending it costs no transaction of
    its own; after a crash before that, the draft takes any of its buttons (each is re-checked all the same)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, tickets: TicketService, lifetime: timedelta
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.tickets = tickets
        self.lifetime = lifetime
        self._shown: dict[tuple[int, int], int] = {}  # (chat, user) -> the wizard's message, not written yet

    def shown(self, chat_id: int, user_id: int, message_id: int) -> None:
        """The wizard's message is now `message_id` (see the class's notes)."""
        self._shown[(chat_id, user_id)] = message_id

    def forget_shown(self, chat_id: int, user_id: int) -> int | None:
        """The wizard's message learnt since its row was written, forgotten (the row is gone or replaced)."""
        return self._shown.pop((chat_id, user_id), None)

    def _with_shown(self, draft: WizardDraft) -> WizardDraft:
        message_id = self._shown.get((draft.chat_id, draft.telegram_user_id))
        return draft if message_id is None else replace(draft, message_id=message_id)

    def _written(self, draft: WizardDraft | None, chat_id: int, user_id: int) -> None:
        """After a commit: the message id in memory is no longer needed once the row holds it (or is gone)."""
        key = (chat_id, user_id)
        if draft is None or self._shown.get(key) == draft.message_id:
            self._shown.pop(key, None)

    async def _conversation(self, uow: UnitOfWork, chat_id: int, user_id: int) -> Conversation:
        """The chat's wizard conversation; NoDraft when there is none (NotLinked when the person is nobody's)."""
        conversation = await uow.conversations.get(chat_id, user_id)
        if conversation is None or conversation.draft is None or conversation.draft.is_expired(self.clock.now()):
            if await uow.customers.by_telegram(user_id) is None:
                raise NotLinked()
            raise NoDraft(other=conversation is not None and conversation.draft is None)
        return conversation.with_draft(self._with_shown(conversation.draft))

    async def _live(self, uow: UnitOfWork, chat_id: int, user_id: int) -> tuple[WizardDraft, CustomerOptions]:
        """The draft and what its customer may choose now. A draft the catalogue has overtaken (a choice it holds is
        no longer offered, or its step has nothing left to offer) is dropped: the customer starts again."""
        draft = (await self._conversation(uow, chat_id, user_id)).draft
        opts = await customer_options(uow, draft.customer_id)
        try:
            _validate(draft, opts)
            if draft.step in CHOICE_STEPS and not _options(draft.step, draft, opts):
                raise ChoiceNotAllowed(step=draft.step)
        except ChoiceNotAllowed:
            await uow.conversations.delete(chat_id, user_id)
            await uow.commit()
            self._written(None, chat_id, user_id)
            raise NoDraft(reason="outdated") from None
        return draft, opts

    async def _save(self, uow: UnitOfWork, draft: WizardDraft, **changes) -> WizardDraft:
        """Saves the draft and commits the unit of work."""
        draft = draft.advanced(self.clock.now(), self.lifetime, **changes)
        await uow.conversations.save(Conversation.of_wizard(draft))
        await uow.commit()
        self._written(draft, draft.chat_id, draft.telegram_user_id)
        return draft

    async def _keep(self, uow: UnitOfWork, draft: WizardDraft) -> None:
        """A look that changes nothing still writes a message id learnt since (the same one transaction)."""
        if (draft.chat_id, draft.telegram_user_id) in self._shown:
            await self._save(uow, draft)

    async def start(self, chat_id: int, user_id: int) -> Started:
        """A new draft for the person's customer, replacing whatever the chat waited for, settled up to the first
        real choice."""
        async with self.uow_factory() as uow:
            customer = await uow.customers.by_telegram(user_id)
            if customer is None:
                raise NotLinked()
            earlier = await uow.conversations.get(chat_id, user_id)
            opts = await customer_options(uow, customer.id)
            if not opts.can_open_any:
                raise NothingToOpen()
            draft = WizardDraft.start(
                customer_id=customer.id, telegram_user_id=user_id, chat_id=chat_id, step=TYPE, now=self.clock.now(),
                lifetime=self.lifetime,
            )
            earlier_message = self._shown.pop((chat_id, user_id), None) or (
                earlier.wizard_message_id if earlier is not None else None)
            draft, auto = _settle(draft, opts, TYPE)
            draft = await self._save(uow, draft)
            return Started(_view(draft, opts, auto), earlier_message)

    async def current(self, chat_id: int, user_id: int) -> WizardView:
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            await self._keep(uow, draft)
            return _view(draft, opts, [])

    async def page(self, chat_id: int, user_id: int, step: str, page: int, message_id: int | None) -> WizardView:
        """The view to show another page of `step`'s options."""
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            view = _view(draft, opts, [])
            if step != draft.step or not 1 <= page <= page_count(len(view.options)):
                raise StaleButton()
            await self._keep(uow, draft)
            return view

    async def summary(self, chat_id: int, user_id: int, message_id: int | None) -> WizardView:
        """The confirmation step's view again ("Corrigir", then "Voltar" to the summary)."""
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            if draft.step != CONFIRM:
                raise StaleButton()
            await self._keep(uow, draft)
            return _view(draft, opts, [])

    async def choose(
        self, chat_id: int, user_id: int, step: str, value: int, message_id: int | None = None
    ) -> WizardView:
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            if step != draft.step or step not in CHOICE_STEPS:
                raise StaleButton()
            if value not in {o.id for o in _options(step, draft, opts)}:
                raise ChoiceNotAllowed(step=step, value=value)
            draft = replace(_cleared_from(draft, step), **{_FIELD[step]: value})
            draft, auto = _settle(draft, opts, _next(step))
            draft = await self._save(uow, draft)
            return _view(draft, opts, auto)

    async def back(self, chat_id: int, user_id: int, message_id: int | None = None) -> WizardView | None:
        """The previous step with a real choice; None when there is none (the wizard ends)."""
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            view = _view(draft, opts, [])
            if draft.step == CONFIRM:
                draft = replace(draft, step=DESCRIPTION)
            else:
                current = STEPS.index(draft.step)
                earlier = [s for s in view.real_choice_steps if STEPS.index(s) < current]
                if not earlier:
                    await uow.conversations.delete(chat_id, user_id)
                    await uow.commit()
                    self._written(None, chat_id, user_id)
                    return None
                target = earlier[-1]
                draft = replace(_cleared_from(draft, target), step=target)
            draft = await self._save(uow, draft)
            return _view(draft, opts, [])

    async def describe(self, chat_id: int, user_id: int, text: str) -> WizardView:
        """The description; raises StaleButton when the wizard waits for a button instead."""
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            if draft.step != DESCRIPTION:
                await self._keep(uow, draft)
                raise StaleButton()
            description = checked_description(text)
            units = telegram_length(description)
            if units > DESCRIPTION_MAX_CHARS:  # emoji count twice in Telegram's limit: the summary must still fit
                raise InvalidText(field="descricao", problem="too_long", max_chars=DESCRIPTION_MAX_CHARS, length=units)
            draft = await self._save(uow, draft, description=description, step=CONFIRM)
            return _view(draft, opts, [])

    async def correct(self, chat_id: int, user_id: int, step: str | None, message_id: int | None = None) -> WizardView:
        """"Corrigir": go back to `step`, keeping what does not depend on it (the description is kept); `step` None
        only checks that the summary may be corrected (the list of what to correct)."""
        async with self.uow_factory() as uow:
            draft, opts = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            if draft.step != CONFIRM or step not in (None, *CHOICE_STEPS, DESCRIPTION):
                raise StaleButton()
            if step is None:
                await self._keep(uow, draft)
                return _view(draft, opts, [])
            if step == DESCRIPTION:
                draft = replace(draft, description=None, step=DESCRIPTION)
                auto: list = []
            else:
                draft, auto = _settle(_cleared_from(draft, step), opts, step)
            draft = await self._save(uow, draft)
            return _view(draft, opts, auto)

    async def cancel(self, chat_id: int, user_id: int, message_id: int | None = None) -> int | None:
        """Ends the wizard (a button on an older message is refused); returns its message, whose buttons must go.
        NoDraft when none runs."""
        async with self.uow_factory() as uow:
            draft = (await self._conversation(uow, chat_id, user_id)).draft
            _check_message(draft, message_id)
            await uow.conversations.delete(chat_id, user_id)
            await uow.commit()
            self._written(None, chat_id, user_id)
            return draft.message_id

    async def submit(self, chat_id: int, user_id: int, message_id: int | None = None) -> Outcome:
        """Saves the atendimento; the draft is consumed and the account's link checked in the same transaction, so a
        restart can neither lose the atendimento nor send it twice, and an /sair cannot slip in between."""
        async with self.uow_factory() as uow:
            draft, _ = await self._live(uow, chat_id, user_id)
            _check_message(draft, message_id)
            if draft.step != CONFIRM or None in (
                draft.type_id, draft.subject_id, draft.empreendimento_id, draft.unit_id, draft.description
            ):
                raise StaleButton()
            await self._check_link(uow, draft)
            if not await uow.conversations.delete(chat_id, user_id):
                raise NoDraft()  # the other of two presses at once sent it already
            request = NewTicketRequest(
                draft.type_id, draft.subject_id, draft.empreendimento_id, draft.unit_id, draft.description
            )
            outcome = await self.tickets.open_in(uow, draft.customer_id, request, chat_id=chat_id)
            await uow.commit()
            self._written(None, chat_id, user_id)
            return outcome

    async def _check_link(self, uow: UnitOfWork, draft: WizardDraft) -> None:
        """Only the account that began the draft, linked to its customer all along, may send it (SPEC.md "Linking"):
        after an /sair, or when another account of the customer took the link, the draft is dropped unsent."""
        link = await uow.customers.link_of(draft.telegram_user_id)
        if link is None or not link.unbroken_since(draft.customer_id, draft.created_at):
            await uow.conversations.delete(draft.chat_id, draft.telegram_user_id)
            await uow.commit()
            self._written(None, draft.chat_id, draft.telegram_user_id)
            raise LinkChanged()

    async def expired(self, limit: int = 100) -> list[WizardDraft]:
        async with self.uow_factory() as uow:
            found = await uow.conversations.expired(self.clock.now(), limit)
            return [self._with_shown(c.draft) for c in found if c.draft is not None]

    async def drop(self, draft: WizardDraft) -> bool:
        """Deletes an expired draft, unless the customer touched it meanwhile."""
        async with self.uow_factory() as uow:
            current = await uow.conversations.get(draft.chat_id, draft.telegram_user_id)
            if current is None or current.draft is None or current.updated_at != draft.updated_at:
                return False
            await uow.conversations.delete(draft.chat_id, draft.telegram_user_id)
            await uow.commit()
            self._written(None, draft.chat_id, draft.telegram_user_id)
            return True
