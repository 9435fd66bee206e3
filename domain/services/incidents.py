"""What delivery runs into, recorded for people: a customer who blocked the bot, an e-mail that failed, a
notification Telegram refused, and a staff group that became a supergroup (and so changed its id)."""
from __future__ import annotations

from typing import Any

from domain.clock import Clock
from domain.notifications import (
    Audience,
    CustomerUnreachableNotice,
    Notification,
    internal_message_notifications,
    queue_of,
)
from domain.pendencias import InternalMessage, MessageKind
from domain.ports import UnitOfWork, UnitOfWorkFactory


class IncidentService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def customer_unreachable(self, customer_id: int) -> bool:
        """Marks the customer unreachable and tells the staff group — once per episode. False if already known."""
        async with self.uow_factory() as uow:
            customer = await uow.customers.get(customer_id)
            if customer is None or customer.unreachable:
                return False
            now = self.clock.now()
            await uow.customers.mark_unreachable(customer_id, now)
            await uow.outbox.add(
                Notification(
                    key=f"g:unreachable:{customer_id}:{int(now.timestamp())}",
                    audience=Audience.STAFF_GROUP,
                    payload=CustomerUnreachableNotice(customer_id, customer.name),
                )
            )
            await uow.commit()
            return True

    async def customer_back(self, telegram_user_id: int) -> int | None:
        """The customer wrote to the bot again: reachable once more, and what was held back while they were not goes
        out first, in order (before anything newer in their queue). Returns their id when they had been marked."""
        async with self.uow_factory() as uow:
            customer = await uow.customers.by_telegram(telegram_user_id)
            if customer is None or not customer.unreachable:
                return None
            await uow.customers.mark_reachable(telegram_user_id)
            await uow.outbox.requeue_refused(queue_of(Audience.CUSTOMER, customer.id))
            await uow.commit()
            return customer.id

    async def _tell_config_user(
        self, uow: UnitOfWork, kind: MessageKind, params: dict[str, Any], ticket_id: int | None, *, group: bool
    ) -> None:
        config = await uow.catalogue.config()
        message = InternalMessage(kind, config.config_user_id, params, self.clock.now(), ticket_id)
        uow.messages.add(message)
        await uow.flush()
        for notification in internal_message_notifications(
            message.id, kind.value, params, config.config_user_id, ticket_id
        ):
            if group or notification.audience is not Audience.STAFF_GROUP:
                await uow.outbox.add(notification)

    async def email_failed(self, params: dict[str, Any], ticket_id: int | None) -> None:
        """params: pendencia_id, ticket_number, recipient, reason, detail (never a password), attempts."""
        async with self.uow_factory() as uow:
            await self._tell_config_user(uow, MessageKind.EMAIL_FAILED, params, ticket_id, group=True)
            await uow.commit()

    async def delivery_parked(self, where: str, error: str, ticket_id: int | None, *, group_is_broken: bool) -> None:
        async with self.uow_factory() as uow:
            await self._tell_config_user(
                uow, MessageKind.DELIVERY_FAILED, {"where": where, "error": error[:300]}, ticket_id,
                group=not group_is_broken,
            )
            await uow.commit()

    async def staff_group_moved(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group upgraded to a supergroup gets a new id: follow it (only if it is our staff group)."""
        async with self.uow_factory() as uow:
            # One conditional statement: of two callers at once (the two service messages, a delivery worker's
            # ChatMigrated), exactly one moves the group.
            moved = await uow.catalogue.move_staff_chat(old_chat_id, new_chat_id)
            await uow.commit()
            return moved
