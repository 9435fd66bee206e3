"""Ana's /novo draft is a row: it survives a restart, a second save replaces it, and the timeout job finds it once it
has been abandoned long enough."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from domain.wizard_draft import WizardDraft
from tests.support.builders import build_catalogue

LIFETIME = timedelta(minutes=30)
ANA_TELEGRAM = 7001
BRUNO_TELEGRAM = 7002


def draft(customer_id: int, telegram_user_id: int, now: datetime, **changes) -> WizardDraft:
    started = WizardDraft.start(
        customer_id=customer_id, telegram_user_id=telegram_user_id, chat_id=telegram_user_id, step="tipo", now=now,
        lifetime=LIFETIME, message_id=31,
    )
    return started.advanced(now, LIFETIME, **changes) if changes else started


async def test_a_saved_draft_reads_back_the_same_after_a_restart(db, uow_factory, clock):
    cat = await build_catalogue(db)
    saved = draft(cat.ana, ANA_TELEGRAM, clock.now(), step="descricao", type_id=cat.assistencia,
                  subject_id=cat.infiltracao, empreendimento_id=cat.jardins, unit_id=cat.torre_a_101,
                  description="Há uma infiltração <b>na</b> parede — 💧")
    async with uow_factory() as uow:
        assert await uow.drafts.get(ANA_TELEGRAM, ANA_TELEGRAM) is None
        await uow.drafts.save(saved)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.drafts.get(ANA_TELEGRAM, ANA_TELEGRAM)
        assert await uow.drafts.get(ANA_TELEGRAM, BRUNO_TELEGRAM) is None  # another user in the same chat
    assert loaded == saved
    assert loaded.expires_at == datetime(2026, 11, 27, 12, 30, tzinfo=UTC) and loaded.expires_at.tzinfo is not None


async def test_saving_again_replaces_the_draft(db, uow_factory, clock):
    cat = await build_catalogue(db)
    first = draft(cat.ana, ANA_TELEGRAM, clock.now())
    async with uow_factory() as uow:
        await uow.drafts.save(first)
        await uow.commit()

    clock.advance(minutes=5)
    moved_on = first.advanced(clock.now(), LIFETIME, step="empreendimento", type_id=cat.assistencia,
                              subject_id=cat.infiltracao, message_id=32)
    async with uow_factory() as uow:
        await uow.drafts.save(moved_on)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.drafts.get(ANA_TELEGRAM, ANA_TELEGRAM) == moved_on
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM wizard_drafts"))).scalar_one() == 1
    assert moved_on.created_at == first.created_at and moved_on.expires_at == clock.now() + LIFETIME


async def test_a_deleted_draft_is_gone(db, uow_factory, clock):
    cat = await build_catalogue(db)
    async with uow_factory() as uow:
        await uow.drafts.save(draft(cat.ana, ANA_TELEGRAM, clock.now()))
        await uow.drafts.save(draft(cat.bruno, BRUNO_TELEGRAM, clock.now()))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.drafts.delete(ANA_TELEGRAM, ANA_TELEGRAM) is True
        assert await uow.drafts.delete(ANA_TELEGRAM, ANA_TELEGRAM) is False
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.drafts.get(ANA_TELEGRAM, ANA_TELEGRAM) is None
        assert await uow.drafts.get(BRUNO_TELEGRAM, BRUNO_TELEGRAM) is not None


async def test_only_drafts_past_their_time_are_expired_longest_first(db, uow_factory, clock):
    cat = await build_catalogue(db)
    start = clock.now()
    ana = draft(cat.ana, ANA_TELEGRAM, start)  # expires at start + 30 min
    bruno = draft(cat.bruno, BRUNO_TELEGRAM, start - timedelta(minutes=10))  # start + 20 min
    ana_in_a_group = WizardDraft.start(customer_id=cat.ana, telegram_user_id=ANA_TELEGRAM, chat_id=-100500,
                                       step="assunto", now=start + timedelta(minutes=20), lifetime=LIFETIME)
    async with uow_factory() as uow:
        for each in (ana, bruno, ana_in_a_group):
            await uow.drafts.save(each)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.drafts.expired(start + timedelta(minutes=19), limit=10) == []
        assert await uow.drafts.expired(start + timedelta(minutes=20), limit=10) == [bruno]
        assert await uow.drafts.expired(start + timedelta(hours=2), limit=10) == [bruno, ana, ana_in_a_group]
        assert await uow.drafts.expired(start + timedelta(hours=2), limit=2) == [bruno, ana]
    assert bruno.is_expired(start + timedelta(minutes=20)) and not ana.is_expired(start + timedelta(minutes=20))


async def test_the_timeout_job_finds_expired_drafts_through_the_index(db):
    # Forbid PostgreSQL a sequential scan (it would prefer one on a tiny table): the index must be usable.
    query = "SELECT * FROM wizard_drafts WHERE expires_at <= CURRENT_TIMESTAMP ORDER BY expires_at LIMIT 50"
    async with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text("SET enable_seqscan = off"))
            plan = (await connection.execute(text(f"EXPLAIN {query}"))).scalars().all()
        else:
            plan = [row[-1] for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))]
    assert any("ix_wizard_drafts_expires_at" in line for line in plan), plan
