"""The ports the services need. `storage/` implements them on SQLAlchemy; `tests/unit/fakes.py` in memory."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, Self

from domain.catalogue import (
    Customer,
    Empreendimento,
    ServiceConfig,
    StaffUser,
    Subject,
    TicketType,
    Unit,
)
from domain.notifications import Notification
from domain.pendencias import InternalMessage, Pendencia
from domain.statuses import Visibility
from domain.tickets import Ticket
from domain.views import PageCursor, PendenciaView, TicketDetails, TicketPage


class TicketRepository(Protocol):
    async def next_number(self) -> int: ...

    def add(self, ticket: Ticket) -> None: ...

    async def get(self, number: int) -> Ticket | None:
        """The aggregate with its stages and notes, for changing it."""

    async def get_by_id(self, ticket_id: int) -> Ticket | None: ...

    async def details(self, number: int) -> TicketDetails | None:
        """The read model of one ticket, with every name resolved."""

    async def page_for_customer(
        self, customer_id: int, visibility: Visibility, cursor: PageCursor | None, page_size: int
    ) -> TicketPage: ...


class CatalogueRepository(Protocol):
    async def config(self) -> ServiceConfig: ...

    async def ticket_types(self) -> Sequence[TicketType]: ...

    async def subject(self, subject_id: int) -> Subject | None: ...

    async def subjects(self) -> Sequence[Subject]: ...

    async def empreendimentos(self, ids: Sequence[int]) -> Sequence[Empreendimento]: ...

    async def units_of_customer(self, customer_id: int) -> Sequence[Unit]: ...

    async def staff_by_id(self, staff_id: int) -> StaffUser | None: ...

    async def staff_by_login(self, login: str) -> StaffUser | None: ...

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffUser | None: ...


class CustomerRepository(Protocol):
    async def get(self, customer_id: int) -> Customer | None: ...

    async def by_telegram(self, telegram_user_id: int) -> Customer | None: ...

    async def ids_by_phone(self, phone: str) -> Sequence[int]: ...

    async def by_document(self, document: str) -> Customer | None: ...

    async def link(self, customer_id: int, telegram_user_id: int, now: datetime) -> None:
        """Links the account, unlinking it from any other customer first."""

    async def unlink(self, telegram_user_id: int) -> bool: ...


class PendenciaRepository(Protocol):
    def add(self, pendencia: Pendencia) -> None: ...

    async def view(self, pendencia_id: int) -> PendenciaView | None: ...

    async def open(self, staff_id: int | None = None, limit: int = 200) -> Sequence[PendenciaView]:
        """Pendências whose stage is still Pendente on a ticket that is not final, oldest due first."""


class MessageRepository(Protocol):
    def add(self, message: InternalMessage) -> None: ...


class Outbox(Protocol):
    async def add(self, notification: Notification) -> bool:
        """Records a notification; False when one with the same key exists already (nothing changes)."""


class UnitOfWork(Protocol):
    tickets: TicketRepository
    catalogue: CatalogueRepository
    customers: CustomerRepository
    pendencias: PendenciaRepository
    messages: MessageRepository
    outbox: Outbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None:
        """Rolls back whatever was not committed."""

    async def flush(self) -> None:
        """Gives new entities their ids."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
