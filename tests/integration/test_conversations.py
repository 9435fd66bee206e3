"""Each chat's conversation is one row (domain/conversation.py): Ana's /novo draft and her cancellation waiting for a
reason survive a restart, a new state replaces the old one, the timeout job finds abandoned wizards through their
index, and python-telegram-bot's ConversationHandler reads its states from the same rows."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from domain.conversation import CUSTOMER_STATES, Conversation, ConversationState
from domain.wizard_draft import WizardDraft
from storage.telegram_persistence import ConversationRowsPersistence
from tests.support.builders import build_catalogue

LIFETIME = timedelta(minutes=30)
ANA_TELEGRAM = 7001
BRUNO_TELEGRAM = 7002
STAFF_GROUP = -100900


def draft(customer_id: int, telegram_user_id: int, now: datetime, **changes) -> WizardDraft:
    started = WizardDraft.start(
        customer_id=customer_id, telegram_user_id=telegram_user_id, chat_id=telegram_user_id, step="tipo", now=now,
        lifetime=LIFETIME, message_id=31,
    )
    return started.advanced(now, LIFETIME, **changes) if changes else started


def wizard(customer_id: int, telegram_user_id: int, now: datetime, **changes) -> Conversation:
    return Conversation.of_wizard(draft(customer_id, telegram_user_id, now, **changes))


async def test_a_saved_wizard_reads_back_the_same_after_a_restart(db, uow_factory, clock):
    cat = await build_catalogue(db)
    saved = wizard(cat.ana, ANA_TELEGRAM, clock.now(), step="descricao", type_id=cat.assistencia,
                   subject_id=cat.infiltracao, empreendimento_id=cat.jardins, unit_id=cat.torre_a_101,
                   description="Há uma infiltração <b>na</b> parede — 💧")
    async with uow_factory() as uow:
        assert await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM) is None
        await uow.conversations.save(saved)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM)
        assert await uow.conversations.get(ANA_TELEGRAM, BRUNO_TELEGRAM) is None  # another user in the same chat
    assert loaded == saved and loaded.state is ConversationState.WIZARD
    assert loaded.draft.expires_at == datetime(2026, 11, 27, 12, 30, tzinfo=UTC)


async def test_a_cancellation_and_a_staff_question_read_back_the_same(db, uow_factory, clock):
    cat = await build_catalogue(db)
    waiting = Conversation.awaiting(ConversationState.CANCEL_REASON, ANA_TELEGRAM, ANA_TELEGRAM, clock.now(),
                                    customer_id=cat.ana, ticket_number=12)
    question = Conversation.awaiting(ConversationState.STAFF_RESOLUTION, STAFF_GROUP, BRUNO_TELEGRAM, clock.now(),
                                     ticket_number=12, stage=2, message_id=77)
    async with uow_factory() as uow:
        await uow.conversations.save(waiting)
        await uow.conversations.save(question)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM) == waiting
        assert await uow.conversations.get(STAFF_GROUP, BRUNO_TELEGRAM) == question


async def test_a_new_state_replaces_the_old_one(db, uow_factory, clock):
    cat = await build_catalogue(db)
    async with uow_factory() as uow:
        await uow.conversations.save(wizard(cat.ana, ANA_TELEGRAM, clock.now()))
        await uow.commit()
    clock.advance(minutes=5)
    reason = Conversation.awaiting(ConversationState.CANCEL_REASON, ANA_TELEGRAM, ANA_TELEGRAM, clock.now(),
                                   customer_id=cat.ana, ticket_number=3)
    async with uow_factory() as uow:
        await uow.conversations.save(reason)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM)
    assert loaded == reason and loaded.draft is None and loaded.expires_at() is None
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM conversations"))).scalar_one() == 1


async def test_a_deleted_conversation_is_gone(db, uow_factory, clock):
    cat = await build_catalogue(db)
    async with uow_factory() as uow:
        await uow.conversations.save(wizard(cat.ana, ANA_TELEGRAM, clock.now()))
        await uow.conversations.save(wizard(cat.bruno, BRUNO_TELEGRAM, clock.now()))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.conversations.delete(ANA_TELEGRAM, ANA_TELEGRAM) is True
        assert await uow.conversations.delete(ANA_TELEGRAM, ANA_TELEGRAM) is False
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM) is None
        assert await uow.conversations.get(BRUNO_TELEGRAM, BRUNO_TELEGRAM) is not None


async def test_only_wizards_past_their_time_are_expired_longest_first(db, uow_factory, clock):
    cat = await build_catalogue(db)
    start = clock.now()
    ana = wizard(cat.ana, ANA_TELEGRAM, start)  # expires at start + 30 min
    bruno = wizard(cat.bruno, BRUNO_TELEGRAM, start - timedelta(minutes=10))  # start + 20 min
    ana_in_a_group = Conversation.of_wizard(WizardDraft.start(
        customer_id=cat.ana, telegram_user_id=ANA_TELEGRAM, chat_id=-100500, step="assunto",
        now=start + timedelta(minutes=20), lifetime=LIFETIME))
    question = Conversation.awaiting(ConversationState.STAFF_NOTE, STAFF_GROUP, BRUNO_TELEGRAM,
                                     start - timedelta(days=3), ticket_number=1, stage=1, message_id=5)
    async with uow_factory() as uow:
        for each in (ana, bruno, ana_in_a_group, question):
            await uow.conversations.save(each)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.conversations.expired(start + timedelta(minutes=19), limit=10) == []
        assert await uow.conversations.expired(start + timedelta(minutes=20), limit=10) == [bruno]
        assert await uow.conversations.expired(start + timedelta(hours=2), limit=10) == [bruno, ana, ana_in_a_group]
        assert await uow.conversations.expired(start + timedelta(hours=2), limit=2) == [bruno, ana]


async def test_the_timeout_job_finds_expired_wizards_through_the_index(db):
    # Forbid PostgreSQL a sequential scan (it would prefer one on a tiny table): the index must be usable.
    query = "SELECT * FROM conversations WHERE expires_at <= CURRENT_TIMESTAMP ORDER BY expires_at LIMIT 50"
    async with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text("SET enable_seqscan = off"))
            plan = (await connection.execute(text(f"EXPLAIN {query}"))).scalars().all()
        else:
            plan = [row[-1] for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))]
    assert any("ix_conversations_expires_at" in line for line in plan), plan


async def test_the_conversation_handler_reads_its_own_states_from_the_rows_and_writes_nothing(db, uow_factory, clock):
    cat = await build_catalogue(db)
    async with uow_factory() as uow:
        await uow.conversations.save(wizard(cat.ana, ANA_TELEGRAM, clock.now()))
        await uow.conversations.save(Conversation.awaiting(
            ConversationState.CANCEL_REASON, BRUNO_TELEGRAM, BRUNO_TELEGRAM, clock.now(), customer_id=cat.bruno,
            ticket_number=4))
        await uow.conversations.save(Conversation.awaiting(  # the staff's: answered by reply, not by the handler
            ConversationState.STAFF_NOTE, STAFF_GROUP, BRUNO_TELEGRAM, clock.now(), ticket_number=4, stage=1,
            message_id=9))
        await uow.commit()
    persistence = ConversationRowsPersistence(db, {"cliente": CUSTOMER_STATES})
    assert await persistence.get_conversations("cliente") == {
        (ANA_TELEGRAM, ANA_TELEGRAM): "wizard", (BRUNO_TELEGRAM, BRUNO_TELEGRAM): "cancel_reason"}
    assert await persistence.get_conversations("another") == {}

    sent: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    await persistence.update_conversation("cliente", (ANA_TELEGRAM, ANA_TELEGRAM), None)
    await persistence.update_user_data(ANA_TELEGRAM, {"anything": 1})
    await persistence.update_chat_data(ANA_TELEGRAM, {"anything": 1})
    await persistence.flush()
    assert sent == []  # the services write the rows, in the update's own transaction
    assert await persistence.get_user_data() == {} and await persistence.get_chat_data() == {}


async def test_the_rows_go_with_their_customer(db, uow_factory, clock):
    cat = await build_catalogue(db)
    async with uow_factory() as uow:
        await uow.conversations.save(wizard(cat.ana, ANA_TELEGRAM, clock.now()))
        await uow.commit()
    async with db.engine.begin() as connection:
        if db.dialect == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM customer_units WHERE customer_id = :id"), {"id": cat.ana})
        await connection.execute(text("DELETE FROM customers WHERE id = :id"), {"id": cat.ana})
    async with uow_factory() as uow:
        assert await uow.conversations.get(ANA_TELEGRAM, ANA_TELEGRAM) is None


async def test_the_migration_carries_over_what_was_in_progress(db, clock):
    """Before 0009 a draft, a cancellation's reason and the staff's questions lived in four tables."""
    from storage.migrate import upgrade
    from tests.integration.test_storage_migrations import downgrade

    cat = await build_catalogue(db)
    await downgrade(db, "0006_catalogue_version")
    now = clock.now()
    async with db.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO wizard_drafts (chat_id, telegram_user_id, customer_id, step, type_id, message_id, created_at, "
            "updated_at, expires_at) VALUES (:ana, :ana, :customer, 'assunto', :type, 31, :now, :now, :expires)"),
            {"ana": ANA_TELEGRAM, "customer": cat.ana, "type": cat.assistencia, "now": now,
             "expires": now + LIFETIME})
        await connection.execute(text(
            "INSERT INTO telegram_conversations (name, key, state, updated_at) VALUES ('cliente', :key, '2', :now)"),
            {"key": f"[{BRUNO_TELEGRAM},{BRUNO_TELEGRAM}]", "now": now})
        await connection.execute(text(
            "INSERT INTO telegram_user_data (user_id, data, updated_at) VALUES (:bruno, :data, :now)"),
            {"bruno": BRUNO_TELEGRAM, "data": '{"cancelando": 12}', "now": now})
        await connection.execute(text(
            "INSERT INTO telegram_chat_data (chat_id, data, updated_at) VALUES (:group, :data, :now)"),
            {"group": STAFF_GROUP, "now": now, "data": '{"staff_prompts": {"40": {"user": 5, "action": "o", '
             '"ticket": 3, "stage": 1}, "41": {"user": 5, "action": "r", "ticket": 3, "stage": 2}}}'})
    await upgrade(db)

    async with db.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT chat_id, user_id, state, ticket_number, stage, message_id, step FROM conversations "
            "ORDER BY chat_id"))).all()
    assert [tuple(r) for r in rows] == [
        (STAFF_GROUP, 5, "staff_resolution", 3, 2, 41, None),  # the newest question of each person
        (ANA_TELEGRAM, ANA_TELEGRAM, "wizard", None, None, 31, "assunto"),
        (BRUNO_TELEGRAM, BRUNO_TELEGRAM, "cancel_reason", 12, None, None, None),
    ]
