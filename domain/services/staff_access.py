"""Who may use the staff commands, and where (SPEC.md "Staff commands").

A staff command is accepted from a registered, active staff user (staff_users.telegram_user_id) typing in the
configured staff group — in any of its forum topics — or in their own private chat with the bot. Anybody else,
anywhere, is refused, and so is a staff user in some other group.

Demo mode (the installation's `demo_mode` and the DEMO_MODE setting both on): the first group the bot is added to
becomes the staff group, and whoever is a member of that group is accepted as staff — the first time a member uses a
staff command or button there, a staff user is created for them (login `demo<telegram id>`), so that from then on
they are staff everywhere, their private chat included. Outside demo mode nobody is ever created.
"""
from __future__ import annotations

from domain.catalogue import StaffUser
from domain.clock import Clock
from domain.errors import NotAuthorised
from domain.ports import UnitOfWorkFactory

DEMO_LOGIN_PREFIX = "demo"
DEMO_NAME_MAX = 120


def demo_login(telegram_user_id: int) -> str:
    return f"{DEMO_LOGIN_PREFIX}{telegram_user_id}"


class StaffAccess:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, demo_allowed: bool = False) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.demo_allowed = demo_allowed  # the DEMO_MODE setting; the database's demo_mode must be on as well

    async def authorise(self, telegram_user_id: int, chat_id: int, *, private: bool, name: str = "") -> StaffUser:
        """The staff user acting, or NotAuthorised (params: `place` = private | staff_group | other_group, and
        `staff` = whether the person is staff at all, so a staff user in the wrong place can be told where to go)."""
        async with self.uow_factory() as uow:
            staff = await uow.catalogue.staff_by_telegram(telegram_user_id)
            known = staff is not None and staff.active
            if private:
                if known and chat_id == telegram_user_id:
                    return staff
                raise NotAuthorised(place="private", staff=False)
            config = await uow.catalogue.config()
            if config.staff_chat_id is None or chat_id != config.staff_chat_id:
                raise NotAuthorised(place="other_group", staff=known)
            if known:
                return staff
            if staff is None and self.demo_allowed and config.demo_mode:
                label = " ".join((name or "").split())[:DEMO_NAME_MAX] or demo_login(telegram_user_id)
                created = await uow.catalogue.add_demo_staff(demo_login(telegram_user_id), label, telegram_user_id)
                await uow.commit()
                return created
            raise NotAuthorised(place="staff_group", staff=False)

    async def adopt_demo_group(self, chat_id: int) -> bool:
        """Demo mode: the first group the bot is added to becomes the staff group. False when not in demo mode or a
        staff group is configured already (of two groups at once, one wins)."""
        async with self.uow_factory() as uow:
            config = await uow.catalogue.config()
            if not (self.demo_allowed and config.demo_mode) or config.staff_chat_id is not None:
                return False
            adopted = await uow.catalogue.adopt_staff_chat(chat_id)
            await uow.commit()
            return adopted
