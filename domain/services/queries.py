"""Use cases that only read: what a customer may see, what staff see, and the options of /novo."""
from __future__ import annotations

from collections.abc import Sequence

from domain.catalogue import ServiceConfig, StaffUser
from domain.errors import FollowingNotOffered, TicketNotFound
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.services.options import CustomerOptions
from domain.services.tickets import customer_options
from domain.statuses import Visibility
from domain.views import PageCursor, PendenciaView, TicketDetails, TicketPage

PAGE_SIZE = 5

# Ticket numbers people may type: anything else is "não encontrado" without asking the database.
MAX_TICKET_NUMBER = 2**62


def parse_ticket_number(raw: object) -> int | None:
    """`"12"` → 12; `"0"`, `"-1"`, `"abc"`, a 40-digit number, `"１２"` (full-width) → None."""
    text = str(raw).strip().lstrip("#")
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if 0 < number < MAX_TICKET_NUMBER else None


def visible_to_customer(details: TicketDetails | None, customer_id: int, config: ServiceConfig) -> bool:
    if details is None or details.customer_id != customer_id:
        return False
    return config.visibility is Visibility.ALL or details.subject_enabled


class CustomerQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def config(self) -> ServiceConfig:
        async with self.uow_factory() as uow:
            return await uow.catalogue.config()

    async def my_tickets(
        self, customer_id: int, cursor: PageCursor | None = None, page_size: int = PAGE_SIZE
    ) -> TicketPage:
        async with self.uow_factory() as uow:
            config = await uow.catalogue.config()
            if not config.follows:
                raise FollowingNotOffered()
            return await uow.tickets.page_for_customer(customer_id, config.visibility, cursor, page_size)

    async def ticket_details(self, customer_id: int, number: object) -> TicketDetails:
        """The customer's own atendimento; anything else is "não encontrado", whatever the reason."""
        parsed = parse_ticket_number(number)
        async with self.uow_factory() as uow:
            config = await uow.catalogue.config()
            if not config.follows:
                raise FollowingNotOffered()
            details = await uow.tickets.details(parsed) if parsed is not None else None
            if not visible_to_customer(details, customer_id, config):
                raise TicketNotFound(number=str(number)[:20])
            return details

    async def options(self, customer_id: int) -> CustomerOptions:
        async with self.uow_factory() as uow:
            return await customer_options(uow, customer_id)


class StaffQueries:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def ticket(self, number: object) -> TicketDetails:
        parsed = parse_ticket_number(number)
        async with self.uow_factory() as uow:
            details = await uow.tickets.details(parsed) if parsed is not None else None
            if details is None:
                raise TicketNotFound(number=str(number)[:20])
            return details

    async def open_pendencias(self, only_for: StaffUser | None = None) -> Sequence[PendenciaView]:
        async with self.uow_factory() as uow:
            return await uow.pendencias.open(only_for.id if only_for else None)

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffUser | None:
        async with self.uow_factory() as uow:
            return await uow.catalogue.staff_by_telegram(telegram_user_id)
