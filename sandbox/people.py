"""The demo's people in the emulator: each demo customer with a private chat and their own phone to share, each staff
member, and the staff group (a forum supergroup with the staff in it). The bot is added to the group once it runs:
demo mode adopts the first group the bot joins as the staff group.

Telegram ids are stable across restarts (a customer linked in an earlier session keeps their link; the group is the
emulator's first supergroup, so its id does not change either), and the demo staff get theirs written to the sandbox's
own database, so that "Roberto Alves" in the group is the catalogue's roberto.alves.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from sandbox.emulator import FakeTelegram
from sandbox.emulator.telegram_users import TelegramGroup, TelegramUser
from storage import tables as t
from storage.database import Database

CUSTOMER_ID_BASE = 7_200_000_000  # + the customer's id, unless the database already links another Telegram id
STAFF_ID_BASE = 7_300_000_000  # + the staff user's id
GROUP_TITLE = "Equipe de Atendimento"


@dataclass(frozen=True)
class DemoCustomer:
    customer_id: int
    name: str
    phone: str
    telegram_id: int
    linked: bool  # linked in an earlier session: they have talked to the bot before


@dataclass(frozen=True)
class DemoStaff:
    login: str
    name: str
    telegram_id: int


@dataclass(frozen=True)
class DemoPeople:
    customers: list[DemoCustomer]
    staff: list[DemoStaff]


async def prepare_database(database: Database) -> DemoPeople:
    """Migrates, loads the demo catalogue into an empty database, and reads who the sandbox shows (giving the demo
    staff their Telegram ids)."""
    from storage.demo import load_demo
    from storage.migrate import upgrade

    await upgrade(database)
    async with database.engine.connect() as connection:
        empty = (await connection.execute(select(func.count()).select_from(t.customers))).scalar_one() == 0
    if empty:
        from bot.texts.operator import demo_loaded

        print(demo_loaded(await load_demo(database)), flush=True)
    async with database.engine.begin() as connection:
        for staff_id in (await connection.execute(
            select(t.staff_users.c.id).where(t.staff_users.c.telegram_user_id.is_(None), t.staff_users.c.active)
        )).scalars():
            await connection.execute(update(t.staff_users).where(t.staff_users.c.id == staff_id)
                                     .values(telegram_user_id=STAFF_ID_BASE + staff_id))
        staff = [DemoStaff(login, name, telegram_id) for login, name, telegram_id in await connection.execute(
            select(t.staff_users.c.login, t.staff_users.c.name, t.staff_users.c.telegram_user_id)
            .where(t.staff_users.c.active, t.staff_users.c.telegram_user_id.is_not(None))
            .order_by(t.staff_users.c.id)
        )]
        phone = (select(func.min(t.customer_phones.c.phone)).where(t.customer_phones.c.customer_id == t.customers.c.id)
                 .scalar_subquery())
        rows = await connection.execute(
            select(t.customers.c.id, t.customers.c.name, t.customers.c.telegram_user_id, phone.label("phone"))
            .order_by(t.customers.c.id)
        )
        customers = [
            DemoCustomer(customer_id, name, number, linked or CUSTOMER_ID_BASE + customer_id, linked is not None)
            for customer_id, name, linked, number in rows if number
        ]
    return DemoPeople(customers, staff)


@dataclass
class SandboxWorld:
    tg: FakeTelegram
    customers: dict[int, TelegramUser]  # by Telegram id, in the catalogue's order
    staff: dict[int, TelegramUser]
    group: TelegramGroup
    people: DemoPeople

    async def add_bot_to_group(self) -> None:
        """As someone on the team would: the bot joins the group as an administrator (to manage forum topics)."""
        if self.group.chat.bot_status not in ("member", "administrator"):
            await self.group.add_bot(as_admin=True)


def populate(tg: FakeTelegram, people: DemoPeople) -> SandboxWorld:
    customers = {
        c.telegram_id: tg.user(*_split(c.name), phone=c.phone, user_id=c.telegram_id, started=c.linked)
        for c in people.customers
    }
    # Staff have talked to the bot before, so pendências may reach their private chats too.
    staff = {s.telegram_id: tg.user(*_split(s.name), user_id=s.telegram_id, started=True) for s in people.staff}
    members = list(staff.values())
    group = tg.group(GROUP_TITLE, members=members[1:], admins=members[:1], forum=True, bot=None)
    return SandboxWorld(tg, customers, staff, group, people)


def _split(name: str) -> tuple[str, str | None]:
    first, _, last = name.partition(" ")
    return first, last or None
