"""Ana blocks the bot: she is marked unreachable at once, delivery holds her notifications instead of trying, the
staff group is told once; she unblocks it and what was held back reaches her, in order."""
from sqlalchemy import select

from storage import tables as t
from tests.support.bot_harness import ANA_PHONE
from tests.support.customer_steps import linked, wait_idle


async def _unreachable(bot) -> bool:
    async with bot.database.engine.connect() as connection:
        value = (await connection.execute(select(t.customers.c.unreachable_at).where(t.customers.c.id == 1))).scalar()
    return value is not None


async def test_blocking_and_unblocking_the_bot(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    group = tg.group("Equipe", members=[])
    await bot.configure(staff_chat_id=group.id)

    await ana.block_bot()
    await wait_idle(tg, bot)
    assert await _unreachable(bot)

    async with bot.services.uow() as uow:
        maria = await uow.catalogue.staff_by_login("maria")
    await bot.services.tickets.add_note(maria, 7, 1, "Técnico agendado para sexta-feira")
    await bot.services.tickets.resolve_stage(maria, 7, 1)
    await bot.deliver()
    texts_to_ana = [m.text for m in ana.messages]
    assert not any("Técnico agendado" in text for text in texts_to_ana)  # held, not tried: no 403 loop
    assert tg.count("sendMessage", status=403) == 0
    assert sum("bloqueou o bot" in m.text for m in group.messages) == 1

    await ana.unblock_bot()
    await wait_idle(tg, bot)
    assert not await _unreachable(bot)
    await bot.deliver()
    [held] = [m for m in ana.messages if "Técnico agendado" in m.text]
    assert "nº 7" in held.text and "Resolvida" in held.text
    tg.assert_no_bad_requests()
