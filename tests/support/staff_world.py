"""The staff side's world for the e2e tests: the construtora's people in Telegram (João, Maria and the admin of
tests/fixtures/catalogues/e2e.yaml, and Zé, who is in the staff group but is not staff), their group, a clock the
tests move so that delivery's pacing (1 s per private chat, 3 s per group) never makes a test wait, and helpers to
open an atendimento, deliver everything that is due and read what the database holds.

    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        await team.joao.command_in(team.group, "/ver", number)
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from domain.services.tickets import NewTicketRequest
from storage import tables as t
from tests.support.bot_harness import ADMIN_ID, ANA_PHONE, JOAO_ID, MARIA_ID, running_bot
from sandbox.emulator import FakeTelegram
from sandbox.emulator.telegram_users import TelegramGroup, TelegramUser

ANA = 1  # customer ids of e2e.yaml
BRUNO = 2
LEAK = "Vazamento no teto do banheiro da suíte desde a chuva de ontem"
# Ana's leak in Torre A 101: Infiltração (Vistoria técnica by João, 3 days; Reparo by Maria, 7 days; return call).
LEAK_REQUEST = NewTicketRequest(type_id=1, subject_id=10, empreendimento_id=100, unit_id=5000, description=LEAK)
# Bruno's lamp: Elétrica (one stage, Reparo elétrico, Maria; no return call).
LAMP_REQUEST = NewTicketRequest(type_id=1, subject_id=11, empreendimento_id=300, unit_id=7000,
                                description="A lâmpada da garagem não acende mais desde sábado")


class ShiftedClock:
    """Real time plus an offset the test moves forward (never back): delivery's pacing passes at once."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@asynccontextmanager
async def staff_bot(tg: FakeTelegram, database_url: str, **settings: Any):
    clock = ShiftedClock()
    async with running_bot(tg, database_url, clock=clock, **settings) as bot:
        yield bot, clock


@dataclass
class Team:
    joao: TelegramUser
    maria: TelegramUser
    admin: TelegramUser
    ze: TelegramUser  # a member of the staff group who is not staff
    group: TelegramGroup


async def staff_team(tg: FakeTelegram, bot: Any, *, bot_status: str = "administrator", supergroup: bool = True,
                     forum: bool = False, configure: bool = True) -> Team:
    """The staff in Telegram (they have talked to the bot before, so it may write to them) and their group."""
    joao = tg.user("João", "Silva", user_id=JOAO_ID, started=True)
    maria = tg.user("Maria", "Oliveira", user_id=MARIA_ID, started=True)
    admin = tg.user("Admin", user_id=ADMIN_ID, started=True)
    ze = tg.user("Zé", "Curioso", started=True)
    group = tg.group("Equipe de Atendimento", members=(joao, maria, ze), admins=(admin,), bot=bot_status,
                     supergroup=supergroup, forum=forum)
    if configure:
        await bot.configure(staff_chat_id=group.id)
    return Team(joao, maria, admin, ze, group)


async def open_ticket(bot: Any, customer_id: int = ANA, request: NewTicketRequest = LEAK_REQUEST) -> int:
    """An atendimento saved as /novo's "Enviar" saves it (the customer's dialogue is the customer tests' business)."""
    return (await bot.services.tickets.open_ticket(customer_id, request)).ticket_number


async def wait_idle(tg: FakeTelegram, bot: Any, timeout: float = 10.0) -> None:
    """Until the bot has fetched every update and finished handling it."""
    application = bot.application
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3:
        if loop.time() > deadline:
            raise AssertionError(f"the bot was still busy after {timeout} s")
        busy = (bool(tg.pending_updates) or application.update_queue.qsize() > 0
                or application.update_processor.current_concurrent_updates > 0)
        quiet = 0 if busy else quiet + 1
        await asyncio.sleep(0.005)


async def deliver_all(bot: Any, clock: ShiftedClock, rounds: int = 20) -> int:
    """Runs delivery until nothing sendable to Telegram is due any more, moving the clock past each chat's pacing."""
    total = 0
    for _ in range(rounds):
        total += await bot.deliver()
        if not await due_to_telegram(bot, clock.now() + timedelta(seconds=5)):
            return total
        clock.advance(seconds=5)
    raise AssertionError("delivery did not finish: " + repr(await outbox(bot)))


async def due_to_telegram(bot: Any, until: datetime) -> int:
    o = t.outbox
    async with bot.database.engine.connect() as connection:
        return (await connection.execute(
            select(func.count()).select_from(o).where(
                o.c.state.in_(("pending", "claimed")), o.c.audience != "email", o.c.available_at <= until)
        )).scalar_one()


# --- what the database holds ---------------------------------------------------------------------------------------
async def outbox(bot: Any) -> list[Any]:
    async with bot.database.engine.connect() as connection:
        return (await connection.execute(select(t.outbox).order_by(t.outbox.c.id))).all()


async def ticket_state(bot: Any, number: int) -> tuple[str, list[tuple[int, str]]]:
    """(ticket status, [(stage position, stage status)…])."""
    async with bot.database.engine.connect() as connection:
        ticket = (await connection.execute(select(t.tickets).where(t.tickets.c.number == number))).one()
        stages = (await connection.execute(
            select(t.stages.c.position, t.stages.c.status).where(t.stages.c.ticket_id == ticket.id)
            .order_by(t.stages.c.position))).all()
    return ticket.status, [(s.position, s.status) for s in stages]


async def internal_messages(bot: Any) -> list[Any]:
    async with bot.database.engine.connect() as connection:
        return (await connection.execute(select(t.internal_messages).order_by(t.internal_messages.c.id))).all()


async def set_smtp(bot: Any, login: str, **columns: Any) -> None:
    """Writes a staff user's e-mail settings (smtp_host, smtp_port, smtp_username, smtp_password, smtp_sender,
    smtp_starttls, smtp_implicit_tls, email) as `atendimento import` would."""
    async with bot.database.engine.begin() as connection:
        await connection.execute(update(t.staff_users).where(t.staff_users.c.login == login).values(**columns))


def smtp_columns(server: Any, **overrides: Any) -> dict[str, Any]:
    """The staff_users columns that reach one of tests/support/smtp_server.py's servers."""
    settings = server.settings(**overrides)
    return {"smtp_host": settings.host, "smtp_port": settings.port, "smtp_username": settings.username,
            "smtp_password": settings.password, "smtp_sender": settings.sender, "smtp_starttls": settings.starttls,
            "smtp_implicit_tls": settings.implicit_tls}


async def linked_customer(tg: FakeTelegram, first_name: str = "Ana", phone: str = ANA_PHONE) -> TelegramUser:
    """A customer who has sent /start and shared their own contact."""
    person = tg.user(first_name, phone=phone)
    await person.send("/start")
    await person.wait_for_reply()
    await person.share_contact()
    [linked] = await person.wait_for_reply()
    assert "vinculada" in linked.text, linked.text
    return person
