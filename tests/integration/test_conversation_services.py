"""The services behind the chat's one conversation row (domain/conversation.py), on SQLite and PostgreSQL: each
wizard update is one transaction, the row and the domain change are written together, and a new state replaces
whatever the chat waited for."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from domain.conversation import ConversationState
from domain.errors import InvalidText, NoDraft, NotLinked, StageNotPending, StaleButton
from domain.services.conversations import CustomerConversations
from domain.services.staff_questions import NOTE, RESOLUTION, StaffQuestions
from domain.services.tickets import NewTicketRequest
from domain.services.wizard import WizardService
from domain.statuses import TicketStatus
from tests.support import sample_catalogue as c
from tests.support.sql_store import service, store  # noqa: F401 - fixtures

ANA = c.ANA.telegram_user_id  # her private chat has her id
GROUP = -1001234567890
LEAK = NewTicketRequest(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.TORRE_A_101.id,
                        "Mancha de umidade no teto do quarto")


@pytest.fixture
def wizard(store, uow_factory, clock, service) -> WizardService:
    return WizardService(uow_factory, clock, service, timedelta(minutes=30))


@pytest.fixture
def conversations(uow_factory, clock, service, wizard) -> CustomerConversations:
    return CustomerConversations(uow_factory, clock, service, wizard)


class Transactions:
    def __init__(self, db) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "begin", self._begin)

    def _begin(self, _connection) -> None:
        self.count += 1

    def since(self, mark: int) -> int:
        return self.count - mark


async def test_every_wizard_update_is_one_transaction_with_its_domain_change(db, wizard, store):
    seen = Transactions(db)
    steps = [
        lambda: wizard.start(ANA, ANA),
        lambda: wizard.choose(ANA, ANA, "tipo", c.ASSISTENCIA.id),
        lambda: wizard.choose(ANA, ANA, "assunto", c.INFILTRACAO.id),
        lambda: wizard.choose(ANA, ANA, "unidade", c.TORRE_A_101.id),
        lambda: wizard.describe(ANA, ANA, "Mancha de umidade no teto do quarto"),
        lambda: wizard.submit(ANA, ANA),
    ]
    wizard.shown(ANA, ANA, 31)  # the message /novo sent: written with the next step, not in a transaction of its own
    for step in steps:
        mark = seen.count
        await step()
        assert seen.since(mark) == 1, step
    assert (await store.ticket(1)).description == "Mancha de umidade no teto do quarto"
    async with store.uow_factory() as uow:
        assert await uow.conversations.get(ANA, ANA) is None  # consumed with the atendimento


async def test_the_wizard_learns_its_message_with_the_next_write_and_refuses_older_buttons(wizard, store):
    await wizard.start(ANA, ANA)
    wizard.shown(ANA, ANA, 31)
    view = await wizard.choose(ANA, ANA, "tipo", c.ASSISTENCIA.id, message_id=31)
    assert view.draft.message_id == 31
    async with store.uow_factory() as uow:
        assert (await uow.conversations.get(ANA, ANA)).draft.message_id == 31
    with pytest.raises(StaleButton):
        await wizard.choose(ANA, ANA, "assunto", c.INFILTRACAO.id, message_id=30)


async def test_nobody_s_account_and_no_wizard_are_told_apart(wizard, store):
    with pytest.raises(NotLinked):
        await wizard.current(4242, 4242)
    with pytest.raises(NoDraft):
        await wizard.current(ANA, ANA)


async def test_a_cancellation_replaces_the_wizard_and_ends_with_the_atendimento_cancelled(
    wizard, conversations, service, store
):
    await service.open_ticket(c.ANA.id, LEAK)
    await wizard.start(ANA, ANA)
    wizard.shown(ANA, ANA, 77)
    left = await conversations.ask_cancel_reason(ANA, ANA, 1)
    assert (left.state, left.wizard_message_id) == (ConversationState.WIZARD, 77)  # its buttons must go
    assert await conversations.awaited_cancellation(ANA, ANA) == 1

    with pytest.raises(InvalidText):
        await conversations.cancel_with_reason(ANA, ANA, "  ")
    assert await conversations.awaited_cancellation(ANA, ANA) == 1  # still waiting for a real reason
    assert await conversations.cancel_with_reason(ANA, ANA, "Resolvi com o síndico") == 1
    assert (await store.ticket(1)).current_status is TicketStatus.CANCELADO
    assert await conversations.awaited_cancellation(ANA, ANA) is None
    assert await conversations.cancel_with_reason(ANA, ANA, "De novo") is None  # nothing waits any more


async def test_leaving_says_what_was_left(wizard, conversations, service):
    await service.open_ticket(c.ANA.id, LEAK)
    assert (await conversations.leave(ANA, ANA)).state is None
    await conversations.ask_cancel_reason(ANA, ANA, 1)
    assert (await conversations.leave(ANA, ANA)).state is ConversationState.CANCEL_REASON
    await wizard.start(ANA, ANA)
    assert (await conversations.leave(ANA, ANA)).state is ConversationState.WIZARD
    with pytest.raises(NotLinked):
        await conversations.leave(4242, 4242)


async def test_a_staff_question_waits_for_its_own_reply_and_a_newer_one_replaces_it(
    store, service, uow_factory, clock
):
    questions = StaffQuestions(uow_factory, clock)
    await service.open_ticket(c.ANA.id, LEAK)
    stage = await questions.stage_to_ask_about(RESOLUTION, 1, 1)
    assert stage.description == "Vistoria técnica"
    await questions.asked(RESOLUTION, GROUP, c.JOAO.telegram_user_id, 1, 1, message_id=500)
    assert await questions.open_question(GROUP, c.MARIA.telegram_user_id, 500) is None  # asked of João
    assert await questions.open_question(GROUP, c.JOAO.telegram_user_id, 499) is None
    question = await questions.open_question(GROUP, c.JOAO.telegram_user_id, 500)
    assert (question.state, question.ticket_number, question.stage) == (RESOLUTION, 1, 1)

    await questions.asked(NOTE, GROUP, c.JOAO.telegram_user_id, 1, 1, message_id=501)
    assert await questions.open_question(GROUP, c.JOAO.telegram_user_id, 500) is None
    await questions.answered(question)  # the older one: the newer question stays open
    newer = await questions.open_question(GROUP, c.JOAO.telegram_user_id, 501)
    assert newer is not None
    await questions.answered(newer)
    assert await questions.open_question(GROUP, c.JOAO.telegram_user_id, 501) is None

    await service.resolve_stage(c.JOAO, 1, 1)
    with pytest.raises(StageNotPending):
        await questions.stage_to_ask_about(RESOLUTION, 1, 1)
    assert (await questions.stage_to_ask_about(NOTE, 1, 1)).position == 1  # an observation still may

