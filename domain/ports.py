"""The ports the services need. `storage/` implements them on SQLAlchemy; the service tests run them on SQLite and
PostgreSQL (tests/support/sql_store.py)."""
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
from domain.audit import AuditEntry
from domain.changes import Change
from domain.linking import AccountLink, Invitation, LinkAttempts
from domain.notifications import Notification
from domain.pendencias import InternalMessage, Pendencia
from domain.statuses import Visibility
from domain.tickets import Ticket
from domain.conversation import ConversationRepository
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

    async def set_staff_chat(self, chat_id: int, thread_id: int | None) -> None: ...

    async def move_staff_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Follows a group upgraded to a supergroup, only if `old_chat_id` is still the staff group."""

    async def all_staff(self) -> Sequence[StaffUser]: ...

    async def adopt_staff_chat(self, chat_id: int) -> bool:
        """Sets the staff group only if none is configured (demo mode); False when one already was."""

    async def add_demo_staff(self, login: str, name: str, telegram_user_id: int) -> StaffUser:
        """A staff user for a member of the demo staff group (demo mode only)."""


class CustomerRepository(Protocol):
    async def get(self, customer_id: int) -> Customer | None: ...

    async def by_telegram(self, telegram_user_id: int) -> Customer | None: ...

    async def link_of(self, telegram_user_id: int) -> AccountLink | None:
        """The account's link, held until the transaction ends so that a link or unlink waits for it."""

    async def ids_by_phone(self, phone: str) -> Sequence[int]: ...

    async def by_document(self, document: str) -> Customer | None: ...

    async def link(self, customer_id: int, telegram_user_id: int, now: datetime) -> None:
        """Links the account, unlinking it from any other customer first."""

    async def unlink(self, telegram_user_id: int) -> bool: ...

    async def mark_unreachable(self, customer_id: int, now: datetime) -> None: ...

    async def mark_reachable(self, telegram_user_id: int) -> None: ...

    async def demo_template(self) -> Customer | None:
        """The demo customer whose units a visitor of demo mode gets (the one with the most units)."""

    async def create_demo_visitor(
        self, template_id: int, name: str, phone: str, telegram_user_id: int, now: datetime
    ) -> int:
        """A new customer owning the template's units, linked to this account; returns its id."""


class LinkRepository(Protocol):
    async def add_invitation(self, hashed: str, customer_id: int, created_at: datetime, expires_at: datetime) -> None: ...

    async def invitation(self, hashed: str) -> Invitation | None: ...

    async def use_invitation(self, hashed: str, telegram_user_id: int, now: datetime) -> bool:
        """Marks it used unless it already was (atomically: of two redemptions at once, one wins)."""

    async def attempts(self, telegram_user_id: int) -> LinkAttempts | None: ...

    async def save_attempts(self, attempts: LinkAttempts) -> None: ...

    async def clear_attempts(self, telegram_user_id: int) -> None: ...


class PendenciaRepository(Protocol):
    def add(self, pendencia: Pendencia) -> None: ...

    async def view(self, pendencia_id: int) -> PendenciaView | None: ...

    async def open(self, staff_id: int | None = None, limit: int = 200) -> Sequence[PendenciaView]:
        """Pendências whose stage is still Pendente on a ticket that is not final, oldest due first."""

    async def count_open(self, staff_id: int | None = None) -> int:
        """How many pendências `open` would list without a limit."""


class MessageRepository(Protocol):
    def add(self, message: InternalMessage) -> None: ...


class Outbox(Protocol):
    async def add(self, notification: Notification) -> bool:
        """Records a notification; False when one with the same key exists already (nothing changes)."""

    async def existing_keys(self, keys: list[str]) -> list[str]: ...

    async def requeue_refused(self, queue: str) -> int:
        """Rows of `queue` parked because Telegram refused the chat (403) go back to the queue, in their order."""


class ChangeJournal(Protocol):
    async def claim(self, limit: int) -> list[Change]:
        """The oldest journalled changes not being consumed by another worker."""

    async def delete(self, ids: list[int]) -> None: ...


class UnitOfWork(Protocol):
    tickets: TicketRepository
    catalogue: CatalogueRepository
    customers: CustomerRepository
    pendencias: PendenciaRepository
    messages: MessageRepository
    outbox: Outbox
    links: LinkRepository
    conversations: ConversationRepository
    changes: ChangeJournal
    audit: "AuditLog"

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None:
        """Rolls back whatever was not committed."""

    async def flush(self) -> None:
        """Gives new entities their ids."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class FileStore(Protocol):
    """Content-addressed bytes (attachments): a file is named by the SHA-256 of its content, so the same file sent
    twice is stored once and no name a person chose ever becomes a path. A local directory by default; an
    S3-compatible object store is the way out of one machine."""

    async def put(self, content: bytes) -> str:
        """Stores the bytes (if not already there); returns their SHA-256 in lowercase hex."""

    async def get(self, sha256: str) -> bytes:
        """The bytes stored under this digest; StoredFileMissing when there are none."""

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> bool:
        """Removes the bytes; False when there were none."""


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None:
        """Appends, in the unit of work's transaction; nothing ever updates or deletes an entry."""
